/**
 * Copies one unit: COPY TO STDOUT on the source piped into COPY FROM STDIN on the target, the
 * source's CopyData messages written on unchanged (copy-passthrough.ts). The target side runs
 * TRUNCATE, COPY ... FREEZE and the completion mark in one transaction, so the unit is either
 * wholly there and marked, or absent.
 */
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { copyInFramed, copyOutFramed } from './copy-passthrough.js';
import type { CopyUnit } from '../plan/plan-model.js';
import { ident, qualified } from '../pg/quote.js';
import { PgferryError, messageOf } from '../errors.js';
import { isConnectionLoss } from '../pg/session.js';
import type { RateLimiter } from './rate-limit.js';

/**
 * What the target table may hold before the unit: 'existing' (--data-only: old rows), 'created'
 * (by pgferry, maybe in an earlier attempt of this run, whose other units may have left rows),
 * 'empty' (created by this attempt of a run that had done nothing before).
 */
export type TargetTables = 'existing' | 'created' | 'empty';

/**
 * Below this a table just created empty is loaded as it is. TRUNCATE + COPY FREEZE cost ~5 ms a
 * table in a new file and its sync at commit (measured: 11.3 → 6.5 ms per 120 kB table); below
 * the default wal_skip_threshold (2 MB) the new file goes to WAL at commit anyway, so freezing
 * saves no WAL, and the rows are few.
 */
const SMALL_UNIT_BYTES = 2 * 1024 * 1024;

export interface UnitResult {
  rows: number;
  bytes: number;
  seconds: number;
}

/** Writes a unit's completion mark with `target`, in the transaction that holds its rows. */
export type UnitMarker = (target: pg.ClientBase, rows: number, bytes: number) => Promise<void>;

/** Copies `unit`; `source` must already sit in the shared snapshot. */
export async function copyUnit(
  unit: CopyUnit,
  source: pg.Client,
  target: pg.Client,
  /**
   * Records the unit as done inside its transaction (the engine's unit marks), so that the rows
   * and the mark commit together or not at all.
   */
  markDone: UnitMarker,
  onBytes: (bytes: number) => void,
  tables: TargetTables = 'created',
  /** The --max-rate limit shared by all workers. */
  limiter?: RateLimiter,
): Promise<UnitResult> {
  const started = Date.now();
  const sql = unitStatements(unit, tables);
  let bytes = 0;
  let inTx = false;
  try {
    await target.query('BEGIN');
    inTx = true;
    // the extended protocol takes one statement: an extension's filter cannot smuggle in statements of its own
    if (sql.clear !== undefined) await target.query(unit.filter === undefined ? sql.clear : ({ text: sql.clear, queryMode: 'extended' } as pg.QueryConfig));
    if (unit.columns.length === 0) {
      // a table without columns can still hold rows; COPY cannot name zero columns
      const n = await source.query({ text: sql.read, queryMode: 'extended' } as pg.QueryConfig);
      const count = Number(n.rows[0].n);
      if (count > 0) await target.query(sql.write, [count]);
      await markDone(target, count, 0);
      await target.query('COMMIT');
      return { rows: count, bytes: 0, seconds: (Date.now() - started) / 1000 };
    }
    const reader = source.query(copyOutFramed(sql.read));
    const writer = target.query(copyInFramed(sql.write));
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        // COPY data without the message frames it travels in
        const payload = reader.payloadBytes - bytes;
        bytes = reader.payloadBytes;
        onBytes(payload);
        if (!limiter) cb(null, chunk);
        else limiter.take(chunk.length).then(() => cb(null, chunk), cb);
      },
    });
    await pipeline(reader, counter, writer);
    bytes = reader.payloadBytes;
    const rows = Number((writer as unknown as { rowCount: number }).rowCount ?? 0);
    await markDone(target, rows, bytes);
    await target.query('COMMIT');
    inTx = false;
    return { rows, bytes, seconds: (Date.now() - started) / 1000 };
  } catch (err) {
    if (inTx) await target.query('ROLLBACK').catch(() => {});
    const lost = isConnectionLoss(err);
    const where = (err as { where?: string }).where;
    throw new PgferryError(lost ? 'PGFERRY_E_CONNECTION_LOST' : 'PGFERRY_E_COPY', `copy failed: ${messageOf(err)}${where ? ` (${where.split('\n')[0]})` : ''}`, {
      object: `table ${unit.id}`,
      fix: lost
        ? 'a server went away mid-copy; the table was rolled back on the target — once both servers are up, run the same command with --resume'
        : 'check the error above; the table was rolled back on the target and nothing partial is left',
      cause: err,
    });
  }
}

/** The statements that move one unit, as copyUnit runs them (and `pgferry schema` prints them). */
export interface UnitStatements {
  /** On the source, in the run's snapshot: COPY ... TO STDOUT; for a table without columns, a count of its rows. */
  read: string;
  /**
   * First on the target, in the unit's transaction: TRUNCATE, or DELETE, of the rows the unit
   * replaces (none for a slice, or a small table that cannot hold a row yet).
   */
  clear?: string;
  /** On the target: COPY ... FROM STDIN; for a table without columns, an INSERT of `$1` (the count) empty rows. */
  write: string;
}

/**
 * A table without a single page holds no row in any snapshot: nothing to copy into a table
 * pgferry created empty (into an existing one, with --data-only, its old rows must still go).
 */
export function copiesNothing(unit: CopyUnit, tables: TargetTables): boolean {
  return unit.blocks === 0 && tables !== 'existing';
}

/**
 * The statements of `unit` into target tables in the state `tables` says: what copyUnit runs,
 * written once so that what `pgferry schema` shows is what a run does.
 */
export function unitStatements(unit: CopyUnit, tables: TargetTables = 'created'): UnitStatements {
  const table = qualified(unit.schema, unit.table);
  const cols = unit.columns.map(ident).join(', ');
  const format = unit.binary ? 'binary' : 'text';
  // an extension's filter is SQL the extension wrote into the source's catalog, run as pg_dump runs it
  const filter = unit.filter;
  // FREEZE needs the table truncated in this transaction; a slice shares its table and relies
  // on the transaction alone, and so does a small table that cannot hold a row yet; an
  // extension's configuration table keeps the extension's own rows, only the filter's are replaced
  const truncate = filter === undefined && !unit.slice && !(tables === 'empty' && unit.bytes < SMALL_UNIT_BYTES);
  const freshTables = tables !== 'existing'; // pgferry made them: no foreign key exists yet
  // --data-only: TRUNCATE is refused for a referenced table, and needs its own privilege
  const deletes = (unit.referenced || unit.deleteRows === true) && !freshTables;
  const freeze = truncate && !deletes ? ', FREEZE' : '';
  const clear = truncate ? (deletes ? `DELETE FROM ONLY ${table}` : `TRUNCATE ONLY ${table}`) : filter !== undefined ? `DELETE FROM ONLY ${table} ${filter}` : undefined;
  // a table without columns can still hold rows; COPY cannot name zero columns
  if (unit.columns.length === 0)
    return { read: `SELECT count(*)::int8 AS n FROM ONLY ${table} ${filter ?? ''}`, clear, write: `INSERT INTO ${table} SELECT FROM generate_series(1, $1::int8)` };
  const read =
    filter !== undefined ? `COPY (SELECT ${cols} FROM ONLY ${table} ${filter}) TO STDOUT (FORMAT ${format})`
    : unit.slice ? `COPY (SELECT ${cols} FROM ONLY ${table} WHERE ${ctidRange(unit.slice)}) TO STDOUT (FORMAT ${format})`
    : `COPY ${table} (${cols}) TO STDOUT (FORMAT ${format})`;
  return { read, clear, write: `COPY ${table} (${cols}) FROM STDIN (FORMAT ${format}${freeze})` };
}

/** `ctid >= '(a,0)' AND ctid < '(b,0)'`: a block range the server scans directly (14+). */
function ctidRange(slice: NonNullable<CopyUnit['slice']>): string {
  const from = `ctid >= '(${Math.trunc(slice.fromBlock)},0)'::pg_catalog.tid`;
  return slice.toBlock === null ? from : `${from} AND ctid < '(${Math.trunc(slice.toBlock)},0)'::pg_catalog.tid`;
}
