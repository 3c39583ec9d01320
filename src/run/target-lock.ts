/**
 * One run per target database at a time. A run holds a session-level advisory lock in the target
 * database on a connection of its own that does nothing else, for the whole run: two runs into
 * one database would truncate each other's tables and drop each other's marks. The connection
 * stays idle, so when the process dies the server notices at once (or, across a dead network,
 * after the keepalive probes connect() sets up) and the lock goes with the session.
 */
import type pg from 'pg';
import { PgferryError } from '../errors.js';
import { ident } from '../pg/quote.js';

/** The advisory lock key (two int4s: 'pgfr' and 1); advisory locks are per database already. */
const LOCK_CLASS = 0x70676672;
const LOCK_OBJECT = 1;

/** How long a start waits for a lock whose holder may be a killed run's session on its way out. */
const LOCK_WAIT_MS = 2000;

export interface LockHolder {
  pid: number;
  applicationName: string | null;
  user: string | null;
  clientAddr: string | null;
  since: string | null;
}

/** Who holds the run lock of the database `client` is connected to, if anybody. */
async function lockHolder(client: pg.Client): Promise<LockHolder | undefined> {
  const r = await client.query<{ pid: number; application_name: string | null; usename: string | null; client_addr: string | null; backend_start: Date | null }>(
    `SELECT l.pid, a.application_name, a.usename, a.client_addr::text AS client_addr, a.backend_start
       FROM pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::oid AND l.objid = $2::oid AND l.objsubid = 2
        AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())`,
    [LOCK_CLASS, LOCK_OBJECT],
  );
  const h = r.rows[0];
  return h && { pid: h.pid, applicationName: h.application_name, user: h.usename, clientAddr: h.client_addr, since: h.backend_start?.toISOString() ?? null };
}

/** A line naming the holder for a person. */
function describeHolder(h: LockHolder): string {
  const parts = [`session pid ${h.pid}`];
  // a value another program chose, not an identifier: quoted and escaped as a string for the reader
  if (h.applicationName) parts.push(`application_name ${JSON.stringify(h.applicationName)}`);
  if (h.user) parts.push(`user ${ident(h.user)}`);
  if (h.clientAddr) parts.push(`from ${h.clientAddr}`);
  if (h.since) parts.push(`since ${h.since}`);
  return parts.join(', ');
}

/**
 * Takes the run lock on `client` (a connection used for nothing else) or throws
 * PGFERRY_E_TARGET_BUSY naming the session that holds it. A killed run's session may take a
 * moment to end, so the lock is tried for up to two seconds.
 */
export async function lockTarget(client: pg.Client, database: string, waitMs = LOCK_WAIT_MS): Promise<void> {
  for (const until = Date.now() + waitMs; ; ) {
    const r = await client.query<{ ok: boolean }>('SELECT pg_catalog.pg_try_advisory_lock($1, $2) AS ok', [LOCK_CLASS, LOCK_OBJECT]);
    if (r.rows[0].ok) return;
    if (Date.now() >= until) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const holder = await lockHolder(client);
  throw new PgferryError('PGFERRY_E_TARGET_BUSY', `another pgferry run is working in this database${holder ? ` (${describeHolder(holder)})` : ''}`, {
    object: `target database ${ident(database)}`,
    fix: holder
      ? `wait for that run to end or stop it (pgferry task stop); if its process is gone, end the session on the target: SELECT pg_terminate_backend(${holder.pid})`
      : 'wait for the other run to end, or stop it (pgferry task stop)',
  });
}
