/**
 * The other side of a spread copy (fleet mode): one copy unit of a run that another process
 * leads. It joins the leader's exported snapshot, takes the unit's fence on the target, and copies
 * the unit with its mark in one transaction, exactly as the leader's own sessions would. Sessions
 * carry the run's tag, so a takeover of the run ends them with the leader's own.
 */
import type pg from 'pg';
import { copyUnit, type UnitResult } from '../copy/copy-unit.js';
import { RateLimiter } from '../copy/rate-limit.js';
import { PgferryError, messageOf } from '../errors.js';
import { joinSnapshot } from '../pg/snapshot.js';
import { RunContext } from './run-context.js';
import { markUnitDone, STATE_SCHEMA } from './unit-marks.js';
import { fenceKeys, takeFence } from './target-fence.js';
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
 * Makes this session the unit's only copier on the target (src/run/target-fence.ts): a session
 * of an attempt whose worker was taken for dead is ended, so its transaction rolls back rather
 * than holding the table's lock (TRUNCATE) or committing late. Should it commit first anyway, the
 * unit's mark is there and this attempt copies nothing (the mark's key refuses a second).
 */
function fenceUnit(target: pg.Client, runId: string, unit: string): Promise<number> {
  return takeFence(target, unitLockKeys(runId, unit), [], `table ${unit}`, `unit ${unit}`);
}

/** The advisory lock keys of a unit's fence. */
export function unitLockKeys(runId: string, unit: string): [number, number] {
  return fenceKeys('pgferry-unit', runId, unit);
}

/** The unit's mark, if an earlier attempt committed it: its rows and bytes count for the run. */
async function unitMark(target: pg.Client, runId: string, unit: string): Promise<{ rows: number; bytes: number } | undefined> {
  const r = await target.query<{ rows: string; bytes: string }>(`SELECT rows, bytes FROM ${STATE_SCHEMA}.units WHERE run_id = $1 AND unit = $2`, [runId, unit]);
  return r.rows[0] ? { rows: Number(r.rows[0].rows), bytes: Number(r.rows[0].bytes) } : undefined;
}
