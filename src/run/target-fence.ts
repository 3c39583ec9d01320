/**
 * Fences on the target: an advisory lock that makes one session the only writer of a piece of a
 * run (a copy unit, a lane applied for another process) across processes and machines. A queue
 * delivers at least once, and a worker taken for dead may be only frozen or cut off: its session
 * can still hold a table's lock, or commit late. A new attempt ends every session that holds the
 * fence, then takes it; the marks on the target (a unit's, a lane's position) decide what is left.
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import { PgferryError } from '../errors.js';

/** How long a fence waits for a holder that was ended, or could not be. */
const FENCE_WAIT_SECONDS = 60;

/**
 * Two non-negative int4 keys from a hash of its parts: 62 bits, so that two fences of a run
 * sharing a key (which would make one attempt end the other's session) is not a case to plan for.
 */
export function fenceKeys(...parts: string[]): [number, number] {
  const h = crypto.createHash('sha256').update(parts.join('\0')).digest();
  return [h.readUInt32BE(0) & 0x7fffffff, h.readUInt32BE(4) & 0x7fffffff];
}

/** The sessions of this database that hold (or share) the advisory lock `keys`. */
export async function fenceHolders(target: pg.ClientBase, keys: [number, number]): Promise<number[]> {
  const r = await target.query<{ pid: number }>(
    `SELECT pid FROM pg_catalog.pg_locks
      WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
        AND classid = $1::int4::oid AND objid = $2::int4::oid AND objsubid = 2`,
    keys,
  );
  return r.rows.map((x) => x.pid);
}

/**
 * Makes `target` the fence's only holder, until the session ends: the sessions holding `keys`,
 * or any of `also` (the earlier attempt's other sessions), are ended, and waited for until gone.
 * Returns how many were. A holder this role may not end (another role's session) is waited for
 * FENCE_WAIT_SECONDS, then PGFERRY_E_TARGET_BUSY names `object`.
 */
export async function takeFence(target: pg.Client, keys: [number, number], also: [number, number][], object: string, what: string): Promise<number> {
  const got = await target.query<{ ok: boolean }>('SELECT pg_catalog.pg_try_advisory_lock($1::int4, $2::int4) AS ok', keys);
  const ended = new Set<number>();
  if (!got.rows[0].ok) await endHolders(target, [keys], ended);
  await endHolders(target, also, ended);
  if (!got.rows[0].ok) await waitForLock(target, keys, object, what);
  // with the lock held, no session can join `also` any more: one that joined before the first
  // look, while the old holder still held the lock, is ended now
  await endHolders(target, also, ended);
  await waitGone(target, ended, object, what);
  return ended.size;
}

/** Ends the sessions (other than `target`'s) holding any of `keys`; adds each to `ended`. */
async function endHolders(target: pg.Client, keys: [number, number][], ended: Set<number>): Promise<void> {
  const own = (target as unknown as { processID?: number }).processID ?? -1;
  for (const k of keys)
    for (const pid of await fenceHolders(target, k)) {
      if (pid === own) continue;
      try {
        if ((await target.query<{ ok: boolean }>('SELECT pg_catalog.pg_terminate_backend($1) AS ok', [pid])).rows[0].ok) ended.add(pid);
      } catch (err) {
        // another role's (or a superuser's) session this role may not end: the bounded waits say so
        if ((err as { code?: string }).code !== '42501') throw err;
      }
    }
}

/** Takes the lock, waiting FENCE_WAIT_SECONDS at most (a holder this role may not end would otherwise be waited on for ever). */
async function waitForLock(target: pg.Client, keys: [number, number], object: string, what: string): Promise<void> {
  const before = (await target.query<{ v: string }>("SELECT pg_catalog.current_setting('lock_timeout') AS v")).rows[0].v;
  await target.query("SELECT pg_catalog.set_config('lock_timeout', $1, false)", [`${FENCE_WAIT_SECONDS}s`]);
  try {
    await target.query('SELECT pg_catalog.pg_advisory_lock($1::int4, $2::int4)', keys);
  } catch (err) {
    if ((err as { code?: string }).code !== '55P03') throw err;
    throw busy(object, what);
  } finally {
    await target.query("SELECT pg_catalog.set_config('lock_timeout', $1, false)", [before]);
  }
}

/**
 * pg_terminate_backend only signals: a session ended is waited for until it has gone, so that a
 * transaction it was committing is either in before this attempt reads the marks, or never.
 */
async function waitGone(target: pg.Client, pids: Set<number>, object: string, what: string): Promise<void> {
  if (!pids.size) return;
  const until = Date.now() + FENCE_WAIT_SECONDS * 1000;
  for (;;) {
    const r = await target.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_catalog.pg_stat_activity WHERE pid = ANY ($1::int[])', [[...pids]]);
    if (r.rows[0].n === 0) return;
    if (Date.now() > until) throw busy(object, what);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function busy(object: string, what: string): PgferryError {
  return new PgferryError('PGFERRY_E_TARGET_BUSY', `an earlier attempt's session still holds ${what} after ${FENCE_WAIT_SECONDS} s and could not be ended`, {
    object,
    fix: `end the target session that holds ${what}'s advisory lock (pg_locks, pg_stat_activity), or give the target role the right to end it (pg_signal_backend); the run then resumes`,
  });
}
