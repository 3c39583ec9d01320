/**
 * The objects an incremental migration makes on the source, named after its task so that they
 * can always be found again: a logical replication slot (it holds WAL until it is dropped, so
 * none may be left behind) and a publication of the selected tables.
 */
import type pg from 'pg';
import { ident, qualified } from '../pg/quote.js';

/** Names pgferry gives its slots and publications: `pgferry_` and the task's id without dashes. */
export const OWN_PREFIX = 'pgferry_';

/** The slot's and the publication's name for a task (at most 63 bytes, only [a-z0-9_]). */
export function streamObjectName(taskId: string): string {
  return `${OWN_PREFIX}${taskId.toLowerCase().replace(/[^a-z0-9]/g, '')}`.slice(0, 63);
}

/**
 * A run that streams through several lanes (--stream-lanes) has a slot and a publication per
 * lane: lane 0 carries the task's name, lane i the name and `_<i+1>`. The task's name has no `_`
 * after the prefix, so a lane's task is never ambiguous.
 */
export function laneObjectName(base: string, lane: number): string {
  return lane === 0 ? base : `${base}_${lane + 1}`;
}

/** The task's name a lane's slot or publication carries (the name itself for lane 0 and for others' names). */
export function laneBase(name: string): string {
  return name.startsWith(OWN_PREFIX) ? OWN_PREFIX + name.slice(OWN_PREFIX.length).split('_')[0] : name;
}

/** The SQL test that a slot or publication name (column `col`) is `$1` or one of its lanes. */
const laneMatch = (col: string) => `(${col} = $1 OR ${col} ~ ('^' || $1 || '_[0-9]+$'))`;

/**
 * A publication of exactly these tables (leaf tables: a partitioned table's changes arrive per
 * partition, and a source before 13 cannot publish a partitioned table). A table with neither a
 * key nor REPLICA IDENTITY FULL is never passed here: once published, an UPDATE or DELETE on it
 * would fail on the source (the precheck refuses such a selection).
 */
export async function createPublication(source: pg.ClientBase, name: string, tables: { schema: string; name: string }[]): Promise<void> {
  const list = tables.map((t) => qualified(t.schema, t.name)).join(', ');
  await source.query(tables.length ? `CREATE PUBLICATION ${ident(name)} FOR TABLE ${list}` : `CREATE PUBLICATION ${ident(name)}`);
}

/** Slots on the source whose names are pgferry's, with the WAL each holds back. */
export async function ownSlots(source: pg.ClientBase): Promise<{ slot: string; database: string; active: boolean; heldBytes: number }[]> {
  const r = await source.query<{ slot_name: string; database: string; active: boolean; held: string | null }>(
    `SELECT slot_name, database, active, pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), restart_lsn)::int8 AS held
     FROM pg_catalog.pg_replication_slots WHERE slot_type = 'logical' AND left(slot_name, length($1)) = $1 ORDER BY slot_name`,
    [OWN_PREFIX],
  );
  return r.rows.map((x) => ({ slot: x.slot_name, database: x.database, active: x.active, heldBytes: Number(x.held ?? 0) }));
}

/**
 * Drops the slot and the publication if they exist, with those of the name's other lanes. A
 * walsender still reading a slot (a run that was killed leaves one until its connection times
 * out) is ended first: the slot is ours. Returns what was dropped. `keepPublication`: the
 * publication is the user's own (--publication; such a run has one lane).
 */
export async function dropStreamObjects(source: pg.ClientBase, name: string, opts: { keepPublication?: boolean } = {}): Promise<{ slot: boolean; publication: boolean }> {
  const slots = await source.query<{ slot_name: string }>(`SELECT slot_name FROM pg_catalog.pg_replication_slots WHERE ${laneMatch('slot_name')}`, [name]);
  for (const s of slots.rows) {
    await freeSlot(source, s.slot_name);
    await source.query('SELECT pg_catalog.pg_drop_replication_slot(slot_name) FROM pg_catalog.pg_replication_slots WHERE slot_name = $1', [s.slot_name]);
  }
  const slot = slots.rows.length > 0;
  if (opts.keepPublication) return { slot, publication: false };
  const p = await source.query<{ pubname: string }>(`SELECT pubname FROM pg_catalog.pg_publication WHERE ${laneMatch('pubname')}`, [name]);
  for (const x of p.rows) await source.query(`DROP PUBLICATION ${ident(x.pubname)}`);
  return { slot, publication: p.rows.length > 0 };
}

/**
 * Frees the slot from a walsender that still reads it: a killed run's stream lives on until the
 * source notices its client is gone, and the slot can be read by one session at a time. The
 * slot is the run's own, so its reader is one of ours. Returns whether one had to be ended.
 */
export async function freeSlot(source: pg.ClientBase, name: string): Promise<boolean> {
  let ended = false;
  for (let i = 0; i < 100; i++) {
    const r = await source.query<{ active_pid: number | null }>('SELECT active_pid FROM pg_catalog.pg_replication_slots WHERE slot_name = $1', [name]);
    const pid = r.rows[0]?.active_pid ?? null;
    if (pid === null) return ended;
    await source.query('SELECT pg_catalog.pg_terminate_backend($1)', [pid]);
    ended = true;
    await new Promise((res) => setTimeout(res, 100));
  }
  return ended;
}
