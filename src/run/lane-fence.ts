/**
 * A lane's fence on the target (fleet mode, src/run/target-fence.ts): whoever applies a lane of
 * an incremental run on a fleet, the run itself or a worker, first makes its session the lane's
 * only writer. The lane's first session holds the `main` lock; a session of its own for a large
 * transaction streamed before its commit shares the `own` lock, and only while its first session
 * holds `main`: a frozen attempt that wakes after it was replaced cannot open one.
 */
import type pg from 'pg';
import { PgferryError } from '../errors.js';
import { fenceHolders, fenceKeys, takeFence } from './target-fence.js';

/** The keys of a lane's fence. */
export function laneLockKeys(slot: string): { main: [number, number]; own: [number, number] } {
  return { main: fenceKeys('pgferry-lane', slot), own: fenceKeys('pgferry-lane-own', slot) };
}

/** Makes `target` the lane's only writer, ending an earlier attempt's sessions; returns how many were ended. */
export function fenceLane(target: pg.Client, slot: string): Promise<number> {
  const keys = laneLockKeys(slot);
  return takeFence(target, keys.main, [keys.own], `slot ${slot}`, `lane ${slot}`);
}

/** A session of the lane's own for a large transaction: joins the fence of the attempt whose first session is `main`. */
export async function joinLaneFence(session: pg.Client, main: pg.Client, slot: string): Promise<void> {
  const keys = laneLockKeys(slot);
  await session.query('SELECT pg_catalog.pg_advisory_lock_shared($1::int4, $2::int4)', keys.own);
  const holders = await fenceHolders(session, keys.main);
  const mainPid = (main as unknown as { processID: number }).processID;
  if (holders.length !== 1 || holders[0] !== mainPid)
    throw new PgferryError('PGFERRY_E_TARGET_BUSY', `lane ${slot} is applied by another attempt now`, { object: `slot ${slot}`, fix: 'nothing to do: the attempt that holds the lane goes on' });
}
