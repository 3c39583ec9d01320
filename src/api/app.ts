/**
 * The HTTP API (and the console's static files) on one port: REST resources over the same task
 * functions the CLI uses, bodies validated by the TaskSpec schema, errors as JSON with stable
 * codes, live progress as Server-Sent Events. Passwords are write-only: no response holds one.
 * Here: what guards every route (Host, token, headers, errors); the routes are in routes-*.ts.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { PgferryError, messageOf, type ErrorCode } from '../errors.js';
import { classifyError, isConnectionLoss } from '../retry-class.js';
import type { TaskStore } from '../task/task-store.js';
import { openApiDocument } from './openapi.js';
import { DEFAULT_POLICY, type ConnectionPolicy } from './connection-policy.js';
import { EventTickets, installGuard, LOOPBACK_NAMES, type Access } from './request-guard.js';
import { registerMetricsRoute } from './metrics.js';
import { registerConsoleFiles } from './console-files.js';
import { errorBody, RETRY_AFTER_SECONDS } from './api-replies.js';
import type { RouteDeps } from './route-task.js';
import { registerConnectionRoutes } from './routes-connections.js';
import { registerTaskRoutes } from './routes-tasks.js';
import { registerTaskControlRoutes } from './routes-task-control.js';
import { registerEventRoutes } from './routes-events.js';
import { registerWorkerRoutes } from './routes-workers.js';

export interface ApiOptions {
  store: TaskStore;
  tokenHash: string;
  /** Built console (index.html and assets); absent: the API only. */
  consoleDir?: string;
  keyFile?: string;
  https?: { key: Buffer; cert: Buffer };
  /** What callers may connect with (default: no sockets, no server files, any TCP host). */
  policy?: ConnectionPolicy;
  /** Host header names accepted (default: the loopback names); 'any' skips the check. */
  hostNames?: string[] | 'any';
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  PGFERRY_E_USAGE: 400,
  PGFERRY_E_NOT_ALLOWED: 403,
  PGFERRY_E_TARGET_BUSY: 409,
  PGFERRY_E_MAPPING: 400,
  PGFERRY_E_TASK_NOT_FOUND: 404,
  PGFERRY_E_TASK_STATE: 409,
  PGFERRY_E_PRECHECK_REQUIRED: 409,
  PGFERRY_E_DNS: 502,
  PGFERRY_E_CONNECT_REFUSED: 502,
  PGFERRY_E_CONNECT_TIMEOUT: 504,
  PGFERRY_E_TLS: 502,
  PGFERRY_E_AUTH: 502,
  PGFERRY_E_DATABASE_MISSING: 502,
  PGFERRY_E_PERMISSION: 502,
  PGFERRY_E_VERSION: 502,
};

/** Every route, as `method /path` with who may call it (the security test tries each one). */
export interface RouteEntry {
  method: string;
  url: string;
  access: Access;
}

/** Builds the app: the guard, the API routes, the console's files. */
export async function buildApi(opts: ApiOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, ...(opts.https ? { https: opts.https } : {}) } as object) as unknown as FastifyInstance;

  const routes: RouteEntry[] = [];
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) if (m !== 'HEAD') routes.push({ method: m, url: r.url, access: (r.config as { access?: Access } | undefined)?.access ?? 'token' });
  });
  // every /api route (and /healthz, /metrics) as `method /path`, for the test that holds the OpenAPI document to them
  app.decorate('apiRoutes', {
    getter: () => routes.filter((r) => r.url.startsWith('/api/') || r.url === '/healthz' || r.url === '/metrics').map((r) => `${r.method.toLowerCase()} ${r.url.replace(/:(\w+)/g, '{$1}')}`),
  });
  app.decorate('allRoutes', { getter: () => routes });

  const tickets = new EventTickets();
  installGuard(app, {
    tokenHash: opts.tokenHash,
    hostNames: opts.hostNames ?? LOOPBACK_NAMES,
    tickets,
    deny: (reply, status, code, message, fix) => {
      if (status === 401) reply.header('www-authenticate', 'Bearer');
      return reply.code(status).send(errorBody(code, message, { fix }));
    },
  });
  app.addHook('onSend', async (req, reply) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });

  // a transient failure (src/retry-class.ts: a connection lost, a server restarting, a deadlock)
  // answers 503 with Retry-After; any other keeps its code's status. A request has no earlier
  // connection, so a refused or timed-out one stays 502/504 unless it wraps a transient cause.
  app.setErrorHandler((err, _req, reply) => {
    const status = (err as { statusCode?: number }).statusCode;
    if (!(err instanceof PgferryError) && status && status >= 400 && status < 500) return reply.code(status).send(errorBody('PGFERRY_E_USAGE', messageOf(err)));
    const retryable = classifyError(err).transient;
    const failure = (code: ErrorCode, fix?: string, object?: string) => errorBody(code, messageOf(err), { object, fix, retryable });
    if (retryable) {
      reply.code(503).header('retry-after', String(RETRY_AFTER_SECONDS));
      if (err instanceof PgferryError) return reply.send(failure(err.code, err.fix, err.object));
      return reply.send(failure(isConnectionLoss(err) ? 'PGFERRY_E_CONNECTION_LOST' : 'PGFERRY_E_INTERNAL', `repeat the request after ${RETRY_AFTER_SECONDS} s`));
    }
    if (err instanceof PgferryError) return reply.code(STATUS[err.code] ?? 500).send(failure(err.code, err.fix, err.object));
    return reply.code(500).send(failure('PGFERRY_E_INTERNAL', 'see the server log'));
  });
  // reached only with the token: the guard asks for it before anything is looked up
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send(errorBody('PGFERRY_E_USAGE', `no route ${req.method} ${req.url.split('?')[0]}`, { fix: 'see /api/openapi.json' })),
  );

  app.get('/healthz', { config: { access: 'public' } }, async () => ({ status: 'ok' }));

  app.get('/api/openapi.json', async () => openApiDocument());
  registerMetricsRoute(app, opts.store);

  // the route groups, in this order (the security tests walk every route as registered)
  const deps: RouteDeps = { store: opts.store, policy: opts.policy ?? DEFAULT_POLICY, keyFile: opts.keyFile, tickets };
  registerConnectionRoutes(app, deps);
  registerTaskRoutes(app, deps);
  registerTaskControlRoutes(app, deps);
  registerEventRoutes(app, deps);
  registerWorkerRoutes(app, deps);

  registerConsoleFiles(app, opts.consoleDir);
  return app;
}
