/**
 * The other side of a spread copy (fleet mode): one copy unit of a run that another process
 * leads. It joins the leader's exported snapshot, takes the unit's fence on the target, and copies
 * the unit with its mark in one transaction, exactly as the leader's own sessions would. Sessions
 * carry the run's tag, so a takeover of the run ends them with the leader's own.
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import { copyUnit, type UnitResult } from '../copy/copy-unit.js';
import { RateLimiter } from '../copy/rate-limit.js';
import { PgferryError, messageOf } from '../errors.js';
import { joinSnapshot } from '../pg/snapshot.js';
import { RunContext } from './run-context.js';
import { markUnitDone, STATE_SCHEMA } from './unit-marks.js';
import type { MigrateOptions, UnitOrder } from './run-options.js';

/**
 * Copies `order`'s unit; `skipped`: an earlier attempt (a worker taken for dead) had committed
 * it; `fenced`: sessions of an earlier attempt this one ended.
 */
export async function copyOrderedUnit(opts: MigrateOptions, order: UnitOrder, stillMine?: () => Promise<boolean>, onBytes: (n: number) => void = () => {}): Promise<(UnitResult & { skipped?: boolean; fenced: number }) | undefined> {
  // an extension's filter is SQL the run read from the source's catalog: those units stay with the leader
  if (order.unit.filter !== undefined)
    throw new PgferryError('PGFERRY_E_INTERNAL', `unit ${order.unit.id} has an extension's filter: it is copied by its run, not sent`, { object: `table ${order.unit.id}` });
  const ctx = new RunContext(opts, order.runId);
  try {
    const [s, t] = await Promise.all([ctx.open('source'), ctx.open('target')]);
    try {
      await joinSnapshot(s, order.snapshot);
    } catch (err) {
      // the exporting transaction ended: its leader is gone, and the run goes on from a new snapshot
      throw new PgferryError('PGFERRY_E_SNAPSHOT_GONE', `the run's snapshot ${order.snapshot} is gone (its leader ended): ${messageOf(err)}`, {
        object: `table ${order.unit.id}`,
        fix: 'nothing to do: the run that takes the task over copies the unit from a new snapshot',
        cause: err,
      });
    }
    // an attempt that was frozen and taken back must not end the session of the one that replaced it
    if (stillMine && !(await stillMine())) return undefined;
    const fenced = await fenceUnit(t, order.runId, order.unit.id);
    const marked = await unitMark(t, order.runId, order.unit.id);
    if (marked) return { ...marked, seconds: 0, skipped: true, fenced };
    if (order.checksOff) await t.query("SELECT pg_catalog.set_config('session_replication_role', 'replica', false)");
    const limiter = order.maxRateMBps ? new RateLimiter(order.maxRateMBps * 1024 * 1024) : undefined;
    const mark = (c: pg.ClientBase, rows: number, bytes: number) => markUnitDone(c, { id: order.runId, snapshot: order.snapshot }, order.unit.id, rows, bytes);
    return { ...(await copyUnit(order.unit, s, t, mark, onBytes, order.tables, limiter)), fenced };
  } finally {
    await ctx.close();
  }
}

/**
 * Makes this session the unit's only copier on the target: an advisory lock per (run, unit),
 * held until the session ends. A session that holds it already belongs to an attempt whose worker
 * was taken for dead (frozen, cut off): it is terminated, so its transaction rolls back rather
 * than holding the table's lock (TRUNCATE) or committing late. Should it commit first anyway, the
 * unit's mark is there and this attempt copies nothing (the mark's key refuses a second).
 */
async function fenceUnit(target: pg.Client, runId: string, unit: string): Promise<number> {
  const [k1, k2] = unitLockKeys(runId, unit);
  const got = await target.query<{ ok: boolean }>('SELECT pg_catalog.pg_try_advisory_lock($1::int4, $2::int4) AS ok', [k1, k2]);
  if (got.rows[0].ok) return 0;
  const holders = await target.query<{ pid: number }>(
    `SELECT pid FROM pg_catalog.pg_locks
      WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
        AND classid = $1::int4::oid AND objid = $2::int4::oid AND objsubid = 2`,
    [k1, k2],
  );
  let ended = 0;
  for (const { pid } of holders.rows) {
    try {
      if ((await target.query<{ ok: boolean }>('SELECT pg_catalog.pg_terminate_backend($1) AS ok', [pid])).rows[0].ok) ended++;
    } catch (err) {
      // another role's (or a superuser's) session this role may not end: the bounded wait below says so
      if ((err as { code?: string }).code !== '42501') throw err;
    }
  }
  // bounded: a holder this role may not end (another role's session) would otherwise be waited on for ever
  const before = (await target.query<{ v: string }>("SELECT pg_catalog.current_setting('lock_timeout') AS v")).rows[0].v;
  await target.query("SELECT pg_catalog.set_config('lock_timeout', $1, false)", [`${FENCE_WAIT_SECONDS}s`]);
  try {
    await target.query('SELECT pg_catalog.pg_advisory_lock($1::int4, $2::int4)', [k1, k2]);
  } catch (err) {
    if ((err as { code?: string }).code !== '55P03') throw err;
    throw new PgferryError('PGFERRY_E_TARGET_BUSY', `an earlier attempt's session still holds unit ${unit} after ${FENCE_WAIT_SECONDS} s and could not be ended`, {
      object: `table ${unit}`,
      fix: "end the target session that holds the unit's advisory lock (pg_locks, pg_stat_activity), or give the target role the right to end it (pg_signal_backend); the run then resumes",
    });
  } finally {
    await target.query("SELECT pg_catalog.set_config('lock_timeout', $1, false)", [before]);
  }
  return ended;
}

/** How long a unit's fence waits for a holder that was ended, or could not be. */
const FENCE_WAIT_SECONDS = 60;

/**
 * Two non-negative int4 keys from a hash of run and unit: 62 bits, so that two units of a run
 * sharing a key (which would make one attempt end the other's session, and that unit be copied
 * again) is not a case to plan for.
 */
export function unitLockKeys(runId: string, unit: string): [number, number] {
  const h = crypto.createHash('sha256').update(`pgferry-unit\0${runId}\0${unit}`).digest();
  return [h.readUInt32BE(0) & 0x7fffffff, h.readUInt32BE(4) & 0x7fffffff];
}

/** The unit's mark, if an earlier attempt committed it: its rows and bytes count for the run. */
async function unitMark(target: pg.Client, runId: string, unit: string): Promise<{ rows: number; bytes: number } | undefined> {
  const r = await target.query<{ rows: string; bytes: string }>(`SELECT rows, bytes FROM ${STATE_SCHEMA}.units WHERE run_id = $1 AND unit = $2`, [runId, unit]);
  return r.rows[0] ? { rows: Number(r.rows[0].rows), bytes: Number(r.rows[0].bytes) } : undefined;
}
