/**
 * Lanes: one incremental run reading its changes through several slots at once. One slot's
 * walsender is the bound on how fast any reader can apply (measured: a native subscription at
 * 0.94 of what `pg_recvlogical` alone reads), and most of its cost is building each change's
 * message, not reading the WAL; slots whose publications share the tables out each build only
 * their own share, in their own walsender process. Every lane's slot is a copy of the first one,
 * made before the copy starts: all start at the position of the one snapshot the copy reads, so
 * each change reaches the target exactly once, through the lane that publishes its table.
 *
 * What a lane does not keep: a source transaction that writes tables of two lanes reaches the
 * target as two transactions that commit apart. Nothing reads the target before the cutover,
 * and the cutover applies every lane up to the same source position before the target is
 * handed over, so the state it hands over is the source's.
 */
import type pg from 'pg';
import { displayName } from '../pg/quote.js';
import type { StreamTable } from '../plan/stream-tables.js';
export { lanesFor } from '../plan/lane-shares.js';
import { shareByWrites } from '../plan/lane-shares.js';
import { laneObjectName } from './slot-lifecycle.js';

/** A lane: its slot and publication, and the tables that publication holds. */
export interface Lane {
  slot: string;
  publication: string;
  tables: StreamTable[];
}

/**
 * The lanes of a run that has not created its slots yet: `base` names lane 0; the tables are
 * shared out by their write counts, those a foreign key links kept together (plan/lane-shares.ts).
 */
export async function planLanes(source: pg.ClientBase, base: string, tables: StreamTable[], relations: Parameters<typeof shareByWrites>[2], n: number): Promise<{ lanes: Lane[]; basis?: string }> {
  if (n <= 1 || tables.length <= 1) return { lanes: [{ slot: base, publication: base, tables }] };
  const { shares, basis } = await shareByWrites(source, tables, relations, n);
  return { lanes: shares.map((share, i) => ({ slot: laneObjectName(base, i), publication: laneObjectName(base, i), tables: share })), basis };
}

/**
 * The lanes of a run whose slots exist: the slots the target records a position for (lane 0's
 * name, then `_2`, `_3`...), each with the tables its publication on the source holds. A table
 * of the plan that no lane publishes is returned apart (the caller refuses it: its changes since
 * the copy were never read).
 */
export async function recordedLanes(source: pg.ClientBase, slots: string[], tables: StreamTable[]): Promise<{ lanes: Lane[]; unpublished: StreamTable[] }> {
  const byName = new Map(tables.map((t) => [displayName(t.schema, t.name), t]));
  const lanes: Lane[] = [];
  for (const slot of slots) {
    const r = await source.query<{ s: string; t: string }>('SELECT schemaname AS s, tablename AS t FROM pg_catalog.pg_publication_tables WHERE pubname = $1', [slot]);
    const mine: StreamTable[] = [];
    for (const row of r.rows) {
      const t = byName.get(displayName(row.s, row.t));
      if (!t) continue;
      mine.push(t);
      byName.delete(displayName(row.s, row.t));
    }
    lanes.push({ slot, publication: slot, tables: mine });
  }
  return { lanes, unpublished: [...byName.values()] };
}

/**
 * A copy of slot `from` named `to` (12+): it starts where `from` does, so it reads the same
 * changes, each lane through its own publication. Made while `from`'s snapshot is still held, so
 * `from` has not moved.
 */
export async function copySlot(source: pg.ClientBase, from: string, to: string): Promise<void> {
  await source.query('SELECT pg_catalog.pg_copy_logical_replication_slot($1, $2)', [from, to]);
}
