/**
 * Who may ask `pgferry serve` for what. Decided on the route the router matched (after it has
 * decoded the path), never on the raw URL text, so no spelling of a path (percent-encoding,
 * absolute-form targets, double slashes, dots, case) reaches a handler without its check:
 * - every route needs the API token in the Authorization header unless it is declared `public`
 *   (the console's files, the health check); a request no route matched needs it too;
 * - the event stream also takes a single-use ticket in its URL (EventSource cannot set headers),
 *   so the token itself never appears in a URL, a proxy log or the browser history;
 * - the Host header must name this server (DNS rebinding: a web page whose name resolves to
 *   127.0.0.1 must not reach a loopback server);
 * - every response carries headers that keep the console out of frames and other origins.
 */
import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { tokenMatches } from './api-token.js';

/** Who may call a route: anybody, token holders, or token or ticket holders (the event stream). */
export type Access = 'public' | 'token' | 'ticket';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
}

/** Host header names a loopback server answers to, besides the ones the operator adds. */
export const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** Headers on every response: see the module comment. */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** How long an event-stream ticket stays valid, and how many may wait at once. */
const TICKET_TTL_MS = 60_000;
const MAX_TICKETS = 1000;

/** Single-use tickets for one task's event stream. */
export class EventTickets {
  private readonly tickets = new Map<string, { taskId: string; expires: number }>();

  /** A new ticket for `taskId`'s event stream, valid once within a minute. */
  issue(taskId: string): { ticket: string; expiresInSeconds: number } {
    const now = Date.now();
    for (const [t, v] of this.tickets) if (v.expires <= now) this.tickets.delete(t);
    // the oldest go first when a caller piles them up
    while (this.tickets.size >= MAX_TICKETS) this.tickets.delete(this.tickets.keys().next().value as string);
    const ticket = crypto.randomBytes(24).toString('base64url');
    this.tickets.set(ticket, { taskId, expires: now + TICKET_TTL_MS });
    return { ticket, expiresInSeconds: TICKET_TTL_MS / 1000 };
  }

  /** Uses up `ticket`; true when it was valid for `taskId`. */
  redeem(ticket: string | undefined, taskId: string): boolean {
    if (!ticket) return false;
    const v = this.tickets.get(ticket);
    if (!v) return false;
    this.tickets.delete(ticket);
    return v.taskId === taskId && v.expires > Date.now();
  }
}

export interface GuardOptions {
  tokenHash: string;
  /** Host header names accepted (name only, lower case; IPv6 in brackets); 'any' skips the check. */
  hostNames: string[] | 'any';
  tickets: EventTickets;
  /** Writes an error reply in the API's format. */
  deny(reply: FastifyReply, status: number, code: 'PGFERRY_E_UNAUTHORIZED' | 'PGFERRY_E_HOST_NOT_ALLOWED', message: string, fix: string): FastifyReply;
}

/** The host name of a Host header or an absolute-form authority, without the port. */
export function hostName(authority: string): string {
  const a = authority.trim().toLowerCase();
  if (a.startsWith('[')) return a.slice(0, a.indexOf(']') + 1);
  const colon = a.lastIndexOf(':');
  return colon >= 0 ? a.slice(0, colon) : a;
}

/** Every authority the request names: its Host header, and the host of an absolute-form target. */
function authorities(req: FastifyRequest): string[] {
  const out = [req.headers.host ?? ''];
  if (/^[a-z][a-z0-9+.-]*:/i.test(req.raw.url ?? '')) {
    try {
      out.push(new URL(req.raw.url!).host);
    } catch {
      out.push('');
    }
  }
  return out;
}

/** Installs the Host check, the security headers and deny-by-default authentication. */
export function installGuard(app: FastifyInstance, opts: GuardOptions): void {
  app.addHook('onRequest', async (req, reply) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
    if (opts.hostNames !== 'any') {
      const allowed = opts.hostNames;
      const bad = authorities(req).find((a) => !allowed.includes(hostName(a)));
      if (bad !== undefined)
        return opts.deny(reply, 403, 'PGFERRY_E_HOST_NOT_ALLOWED', `this server does not answer to the host name ${JSON.stringify(bad)}`,
          `open it as http://127.0.0.1:PORT/ or http://localhost:PORT/, or start pgferry serve with --server-name for the name you use`);
    }
    const access: Access = req.routeOptions.config?.access ?? 'token';
    if (access === 'public') return;
    const header = req.headers.authorization;
    const bearer = /^Bearer (.+)$/i.exec(header ?? '')?.[1]?.trim();
    if (tokenMatches(bearer, opts.tokenHash)) return;
    if (access === 'ticket' && !header) {
      const id = (req.params as { id?: string }).id ?? '';
      if (opts.tickets.redeem((req.query as { ticket?: string }).ticket, id)) return;
    }
    const inUrl = (req.query as { token?: unknown } | undefined)?.token !== undefined;
    return opts.deny(reply, 401, 'PGFERRY_E_UNAUTHORIZED',
      header ? 'the token is wrong' : inUrl ? 'a token in the URL is not accepted' : access === 'ticket' ? 'a token or an event ticket is required' : 'a token is required',
      access === 'ticket'
        ? 'send Authorization: Bearer <token>, or POST /api/tasks/{id}/events/ticket and open the stream with ?ticket=<ticket> (single use, one minute)'
        : 'send Authorization: Bearer <token> (printed by the first pgferry serve, or PGFERRY_TOKEN)');
  });
}
