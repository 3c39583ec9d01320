/**
 * Which failures are transient: one table, read by the run's automatic resume
 * (run/run-with-retries.ts), by the HTTP API (503 + Retry-After) and by the copy steps that tell a
 * broken connection from a rejected row (pg/session.ts isConnectionLoss). docs/errors.md, section
 * "Which errors are retried", lists the same rows (test/unit/retry-class.test.ts holds them equal).
 */
import { PgferryError, messageOf, type ErrorCode } from './errors.js';

/**
 * When a matching error is worth another attempt: `always`; `after-connect`, only once a first
 * connection of the run succeeded (before that it means a wrong host or port, which fails at
 * once); `never`, a deliberate decision that waiting does not help.
 */
export type Retried = 'always' | 'after-connect' | 'never';

interface RuleBase {
  retried: Retried;
  /** The connection is gone (the session and its transaction with it): isConnectionLoss says yes. */
  connectionLoss: boolean;
  /** Why this verdict, in a few words (docs/errors.md says it at length). */
  why: string;
}

/** One row: what it matches, and the verdict. */
export type RetryRule = RuleBase &
  (
    | { kind: 'sqlstate'; match: string; name: string }
    | { kind: 'sqlstate-class'; match: string; name: string }
    | { kind: 'system'; match: string }
    | { kind: 'message'; match: RegExp }
    | { kind: 'pgferry'; match: ErrorCode }
  );

/**
 * The table. Order matters: the first row that matches an error decides it (exact SQLSTATEs come
 * before their class). An error no row matches is not transient.
 */
export const RETRY_RULES: readonly RetryRule[] = [
  // SQLSTATEs the server sends
  { kind: 'sqlstate', match: '40001', name: 'serialization_failure', retried: 'always', connectionLoss: false,
    why: 'a standby source cancelled a read that conflicted with recovery (a new attempt takes a new snapshot)' },
  { kind: 'sqlstate', match: '40P01', name: 'deadlock_detected', retried: 'always', connectionLoss: false,
    why: 'the server rolled back one side of a deadlock (the other side finishes and frees its locks)' },
  { kind: 'sqlstate', match: '53300', name: 'too_many_connections', retried: 'always', connectionLoss: false,
    why: 'slots free up as other clients (and the failed attempt\'s own sessions) disconnect' },
  { kind: 'sqlstate', match: '57P01', name: 'admin_shutdown', retried: 'always', connectionLoss: true,
    why: 'the server is shutting down or the session was terminated (a new session takes the work)' },
  { kind: 'sqlstate', match: '57P02', name: 'crash_shutdown', retried: 'always', connectionLoss: true,
    why: 'another backend crashed (the server reinitializes within seconds)' },
  { kind: 'sqlstate', match: '57P03', name: 'cannot_connect_now', retried: 'always', connectionLoss: true,
    why: 'the server is starting up, in recovery or shutting down (it answers once it is up)' },
  { kind: 'sqlstate', match: '55P03', name: 'lock_not_available', retried: 'never', connectionLoss: false,
    why: 'pgferry sessions set lock_timeout 0 and use no NOWAIT, so another program asked for it (a held run lock is PGFERRY_E_TARGET_BUSY)' },
  { kind: 'sqlstate', match: '57014', name: 'query_canceled', retried: 'never', connectionLoss: false,
    why: 'statement_timeout is off in pgferry sessions, so someone cancelled it on purpose (pg_cancel_backend)' },
  { kind: 'sqlstate', match: '57P04', name: 'database_dropped', retried: 'never', connectionLoss: false,
    why: 'the database is gone' },
  { kind: 'sqlstate', match: '53100', name: 'disk_full', retried: 'never', connectionLoss: false,
    why: 'space does not come back within the backoff (someone has to free it)' },
  { kind: 'sqlstate', match: '53200', name: 'out_of_memory', retried: 'never', connectionLoss: false,
    why: 'the same statement asks for the same memory again' },
  { kind: 'sqlstate-class', match: '08', name: 'connection_exception', retried: 'always', connectionLoss: true,
    why: 'the connection failed or broke (a new one usually works)' },
  // errors of node's sockets
  { kind: 'system', match: 'ECONNRESET', retried: 'always', connectionLoss: true, why: 'the peer (server, proxy, NAT) reset the connection' },
  { kind: 'system', match: 'EPIPE', retried: 'always', connectionLoss: true, why: 'the connection was closed while pgferry wrote to it' },
  { kind: 'system', match: 'ETIMEDOUT', retried: 'after-connect', connectionLoss: true,
    why: 'keepalive probes went unanswered (at the first connection: the host is unreachable)' },
  { kind: 'system', match: 'EHOSTUNREACH', retried: 'after-connect', connectionLoss: true,
    why: 'the route went away in a failover or network change (at the first connection: a wrong address)' },
  { kind: 'system', match: 'ENETUNREACH', retried: 'after-connect', connectionLoss: true,
    why: 'as EHOSTUNREACH, for the whole network' },
  { kind: 'system', match: 'ECONNREFUSED', retried: 'after-connect', connectionLoss: false,
    why: 'nothing listens: a server restarting (at the first connection: a wrong host or port)' },
  // messages node-postgres gives without a code (the connect timeout first: it is not a broken session)
  { kind: 'message', match: /Connection terminated due to connection timeout/i, retried: 'after-connect', connectionLoss: true,
    why: 'connect_timeout passed while connecting' },
  { kind: 'message', match: /Connection terminated|connection.*(lost|closed)|ECONNRESET/i, retried: 'always', connectionLoss: true,
    why: 'the socket closed under an open session' },
  { kind: 'message', match: /encountered a connection error and is not queryable/i, retried: 'always', connectionLoss: true,
    why: 'the client saw its connection fail earlier' },
  // pgferry's own codes (an error no row names, e.g. PGFERRY_E_TARGET_BUSY or PGFERRY_E_AUTH, is not transient)
  { kind: 'pgferry', match: 'PGFERRY_E_CONNECTION_LOST', retried: 'always', connectionLoss: true,
    why: 'the interrupted unit was rolled back (a resume redoes only it)' },
  { kind: 'pgferry', match: 'PGFERRY_E_CONNECT_REFUSED', retried: 'after-connect', connectionLoss: false,
    why: 'a server restarting (at the first connection: wrong settings or a server that is down)' },
  { kind: 'pgferry', match: 'PGFERRY_E_CONNECT_TIMEOUT', retried: 'after-connect', connectionLoss: false,
    why: 'as PGFERRY_E_CONNECT_REFUSED' },
  { kind: 'pgferry', match: 'PGFERRY_E_SNAPSHOT_GONE', retried: 'always', connectionLoss: false,
    why: "a fleet worker could not join the run's snapshot: the leader's source session broke, and a resume reads from a new one" },
];

/** The verdict on one failure: retry or not, and the row (or its absence) that decided. */
export interface RetryClass {
  transient: boolean;
  reason: string;
}

export interface ClassifyOptions {
  /** A first connection of this run (or request) succeeded: `after-connect` rows count. */
  connectedOnce?: boolean;
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** A row's subject, as a person reads it: `SQLSTATE 40P01 (deadlock_detected)`, `ECONNRESET`, ... */
export function ruleLabel(rule: RetryRule): string {
  switch (rule.kind) {
    case 'sqlstate':
      return `SQLSTATE ${rule.match} (${rule.name})`;
    case 'sqlstate-class':
      return `SQLSTATE class ${rule.match} (${rule.name})`;
    case 'message':
      return `driver message /${rule.match.source}/`;
    default:
      return rule.match;
  }
}

/**
 * The first row matching this one error (not its causes). PgferryErrors match only `pgferry`
 * rows: their messages quote the driver's, which must not make a wrapped connect failure transient.
 */
function ruleFor(e: unknown): RetryRule | undefined {
  if (e instanceof PgferryError) return RETRY_RULES.find((r) => r.kind === 'pgferry' && r.match === e.code);
  return RETRY_RULES.find((r) => matchesRaw(r, e));
}

/** Whether a non-pgferry row matches an error's code or message. */
function matchesRaw(r: RetryRule, e: unknown): boolean {
  const code = (e as { code?: unknown } | null | undefined)?.code;
  const sqlstate = typeof code === 'string' && SQLSTATE.test(code) ? code : undefined;
  switch (r.kind) {
    case 'sqlstate':
      return sqlstate === r.match;
    case 'sqlstate-class':
      return sqlstate?.startsWith(r.match) ?? false;
    case 'system':
      return code === r.match;
    case 'message':
      return r.match.test(messageOf(e));
    default:
      return false;
  }
}

/**
 * Whether a failure is worth another attempt, and why: walks the error and everything it wraps
 * (`cause`), so a PGFERRY_E_COPY that wraps a deadlock counts as transient. Under a connect
 * failure before any connection succeeded, only the server's own word (a SQLSTATE such as
 * 57P03 "starting up") counts: a socket error there means wrong settings, which fail at once.
 */
export function classifyError(err: unknown, opts: ClassifyOptions = {}): RetryClass {
  let permanent: string | undefined;
  let firstConnect = false;
  for (let e: unknown = err, depth = 0; e && depth < 16; e = (e as { cause?: unknown }).cause, depth++) {
    const rule = ruleFor(e);
    if (!rule || (firstConnect && rule.kind !== 'sqlstate' && rule.kind !== 'sqlstate-class')) continue;
    if (rule.retried === 'always' || (rule.retried === 'after-connect' && opts.connectedOnce)) {
      return { transient: true, reason: `${ruleLabel(rule)}: ${rule.why}` };
    }
    if (rule.retried === 'after-connect') firstConnect = true;
    permanent ??= rule.retried === 'after-connect'
      ? `${ruleLabel(rule)} before any connection succeeded: the settings are wrong or the server is down`
      : `${ruleLabel(rule)}: ${rule.why}`;
  }
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return { transient: false, reason: permanent ?? `${typeof code === 'string' ? code : 'this error'} is not a transient failure` };
}

/**
 * True for a broken connection or a server going away: the error itself (not its causes) matches
 * a connection-loss row. Copy steps use it to tell PGFERRY_E_CONNECTION_LOST from PGFERRY_E_COPY.
 */
export function isConnectionLoss(err: unknown): boolean {
  return RETRY_RULES.some((r) => r.connectionLoss && r.kind !== 'pgferry' && matchesRaw(r, err));
}
