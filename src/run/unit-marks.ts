/**
 * Bookkeeping on the target that makes a run resumable and every piece of it exactly-once: a copy
 * unit's completion row commits in the same transaction as its rows, a DDL step's (`step:KEY`) in
 * the same transaction as its statements. A resumed run skips what is marked. The schema is
 * dropped when the migration completes.
 */
import type pg from 'pg';
import { streamObjectName } from '../cdc/slot-lifecycle.js';
import { literal } from '../pg/quote.js';
import { runTagSuffix } from '../pg/session.js';
import { STATE_SCHEMA } from '../pg/state-schema.js';

export { STATE_SCHEMA };

/**
 * Creates the bookkeeping table if needed. `snapshot` names the source snapshot a copy unit's
 * rows came from (NULL for DDL steps, and for units of runs older than the column).
 */
export async function ensureUnitMarks(target: pg.Client): Promise<void> {
  await target.query(
    `CREATE SCHEMA IF NOT EXISTS ${STATE_SCHEMA};
     CREATE TABLE IF NOT EXISTS ${STATE_SCHEMA}.units (
       run_id text NOT NULL, unit text NOT NULL, rows bigint NOT NULL, bytes bigint NOT NULL,
       done_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (run_id, unit));
     ALTER TABLE ${STATE_SCHEMA}.units ADD COLUMN IF NOT EXISTS snapshot text`,
  );
}

/** Units already done for this run (after a crash, these are skipped); none before the marks exist. */
export async function doneUnits(target: pg.Client, runId: string): Promise<Set<string>> {
  const exists = await target.query(`SELECT 1 FROM pg_catalog.pg_class WHERE oid = pg_catalog.to_regclass($1)`, [`${STATE_SCHEMA}.units`]);
  if (exists.rowCount === 0) return new Set();
  const r = await target.query<{ unit: string }>(`SELECT unit FROM ${STATE_SCHEMA}.units WHERE run_id = $1`, [runId]);
  return new Set(r.rows.map((x) => x.unit));
}

/** The run a copy unit belongs to, and the source snapshot its rows are read in. */
export interface RunMark {
  id: string;
  snapshot: string;
}

/** Records a unit as done; call inside the unit's transaction. */
export async function markUnitDone(target: pg.ClientBase, run: RunMark, unit: string, rows: number, bytes: number): Promise<void> {
  await target.query(`INSERT INTO ${STATE_SCHEMA}.units (run_id, unit, rows, bytes, snapshot) VALUES ($1, $2, $3, $4, $5)`, [run.id, unit, rows, bytes, run.snapshot]);
}

/**
 * How many source snapshots the copied rows of this run came from: 1 for a run that copied
 * everything in one go (or copied nothing), more when it was resumed after some tables were in.
 * Units marked before snapshots were recorded count as one more.
 */
export async function dataSnapshots(target: pg.Client, runId: string): Promise<number> {
  const r = await target.query<{ n: number }>(
    `SELECT count(DISTINCT snapshot)::int + max(CASE WHEN snapshot IS NULL THEN 1 ELSE 0 END) AS n
       FROM ${STATE_SCHEMA}.units WHERE run_id = $1 AND unit NOT LIKE 'step:%'`,
    [runId],
  );
  return Math.max(1, r.rows[0]?.n ?? 0);
}

/** The mark name of a DDL step. */
export function stepMark(key: string): string {
  return `step:${key}`;
}

/**
 * `INSERT` marking DDL steps done, as text (it joins the steps' own statements in one round trip,
 * where bind parameters cannot go; the values are pgferry's own run id and catalog keys).
 */
export function markStepsSql(runId: string, keys: string[]): string {
  const rows = keys.map((k) => `(${literal(runId)}, ${literal(stepMark(k))}, 0, 0)`).join(', ');
  return `INSERT INTO ${STATE_SCHEMA}.units (run_id, unit, rows, bytes) VALUES ${rows}`;
}

/** The most recent run that has not finished on this target (its marks are still there), if any. */
export async function unfinishedRun(target: pg.Client): Promise<string | undefined> {
  const exists = await target.query(`SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1`, [STATE_SCHEMA]);
  if (exists.rowCount === 0) return undefined;
  const r = await target.query<{ run_id: string }>(`SELECT run_id FROM ${STATE_SCHEMA}.units GROUP BY run_id ORDER BY max(done_at) DESC LIMIT 1`);
  return r.rows[0]?.run_id;
}

/**
 * Ends what a killed pgferry process left running on the target before a resumed run reads the
 * marks: the server finishes a statement whose client is gone, so a post-data step sent as
 * `BEGIN; ...; mark; COMMIT` may still commit, and a resumed run that had not seen its mark would
 * build the same key again. Only sessions of this run are touched: this database, this role, and
 * an application_name ending in the run's own tag (`pgferry/<run id>`), never another program's
 * sessions that share a user-chosen application_name. Busy ones are terminated (their work rolls
 * back), or waited for where we may not terminate them. Returns how many there were.
 */
export async function endOrphanedSessions(target: pg.Client, runId: string, waitMs = 600_000): Promise<number> {
  const suffix = runTagSuffix(runId);
  const sql = `SELECT pid FROM pg_catalog.pg_stat_activity
               WHERE datname = pg_catalog.current_database() AND pid <> pg_catalog.pg_backend_pid()
                 AND usename = session_user AND state <> 'idle'
                 AND pg_catalog.right(application_name, pg_catalog.length($1)) = $1`;
  const seen = new Set<number>();
  for (const until = Date.now() + waitMs; Date.now() < until; ) {
    const r = await target.query<{ pid: number }>(sql, [suffix]);
    if (r.rows.length === 0) return seen.size;
    for (const { pid } of r.rows) {
      seen.add(pid);
      await target.query('SELECT pg_catalog.pg_terminate_backend($1)', [pid]).catch(() => {});
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return seen.size;
}

/**
 * Ends every session of run `runId` on the target but this process's own (`keep`), idle ones
 * included: for a resume whose caller holds the run alone (a task claimed in its store), so an
 * earlier process of the run, dead or still going, holds no lock and commits nothing more here.
 * Same filter as endOrphanedSessions: this database, this role, the run's own tag. Returns how
 * many there were.
 */
export async function fenceEarlierSessions(target: pg.Client, runId: string, keep: number[]): Promise<number> {
  const r = await target.query<{ pid: number; ended: boolean }>(
    `SELECT pid, pg_catalog.pg_terminate_backend(pid) AS ended FROM pg_catalog.pg_stat_activity
      WHERE datname = pg_catalog.current_database() AND usename = session_user AND pid <> ALL ($2::int[])
        AND pg_catalog.right(application_name, pg_catalog.length($1)) = $1`,
    [runTagSuffix(runId), keep],
  );
  return r.rows.length;
}

/**
 * Removes the bookkeeping once the run is complete: its unit marks and its stream's applied
 * position (an incremental run's stream is over once it has cut over or been released). The
 * schema goes when nothing of any run is left in it: another task streaming into the same
 * database keeps its position there, and a restart of it must find that position.
 */
export async function dropUnitMarks(target: pg.Client, runId: string): Promise<void> {
  const exists = await target.query(`SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1`, [STATE_SCHEMA]);
  if (exists.rowCount === 0) return;
  await target.query(`DELETE FROM ${STATE_SCHEMA}.units WHERE run_id = $1`, [runId]);
  const positions = (await target.query<{ t: string | null }>('SELECT pg_catalog.to_regclass($1)::text AS t', [`${STATE_SCHEMA}.stream_position`])).rows[0].t !== null;
  // the run's lanes each have a position: the task's slot name, and the name with _2, _3...
  if (positions) await target.query(`DELETE FROM ${STATE_SCHEMA}.stream_position WHERE slot = $1 OR slot ~ ('^' || $1 || '_[0-9]+$')`, [streamObjectName(runId)]);
  const left = await target.query(`SELECT 1 FROM ${STATE_SCHEMA}.units${positions ? ` UNION ALL SELECT 1 FROM ${STATE_SCHEMA}.stream_position` : ''} LIMIT 1`);
  if (left.rowCount === 0) await target.query(`DROP SCHEMA ${STATE_SCHEMA} CASCADE`);
}
