/**
 * Net changes of a group of source transactions, written to the target as a few set statements
 * per table instead of one statement per row. Nothing reads the target before the cutover, and
 * the group commits as one target transaction, so only each row's state at the group's end
 * matters: 30,000 updates of pgbench's 10 branch rows become 10 row writes.
 *
 * A table is coalesced by key when its replica identity is a key (primary key or the index set
 * as identity) and that key's index is the only unique index or exclusion constraint the target
 * table has: rows written in another order than the source's can then never meet a unique check
 * on the way. Per key the buffer keeps one net change (update these columns / delete / insert this
 * row, deleting the old one first or not); a flush runs the deletes, then the updates (one
 * statement per set of columns), then the inserts, each as one statement over arrays of text
 * values (unnest, cast to the column types), and checks that each touched exactly its rows. Any
 * other table only has its INSERTs gathered (an UPDATE or DELETE there must see the rows before
 * it): the caller flushes a table before it changes it row by row, everything before a TRUNCATE
 * and at commit. Order between tables does not matter: the apply session runs in the replica
 * role, where foreign keys are not checked and ordinary triggers do not fire.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { ident } from '../pg/quote.js';
import { PgferryError } from '../errors.js';
import { UNCHANGED, type ColumnValue } from './pgoutput.js';

/**
 * A row as the change sent it: values by the position of the column in the table's Relation
 * message (text, null for NULL, UNCHANGED for a TOAST value not sent). Arrays, not maps by name:
 * a backlog is hundreds of thousands of rows, and each row's shape is its table's.
 */
export type Row = ColumnValue[];

export type Net =
  | { kind: 'update'; row: Row }
  | { kind: 'delete' }
  | { kind: 'insert'; row: Row; replaces: boolean };

/** A table's changes are read by the positions of its Relation message: each position's target column, undefined when not migrated. */
export type Columns = readonly (string | undefined)[];

interface TableBuffer {
  /** The target table, quoted. */
  table: string;
  columns: Columns;
  /** Positions of the key columns for a coalesced table; empty: inserts only, in order. */
  keyAt: number[];
  byKey: Map<string, { key: string[]; net: Net }>;
  inserts: Row[];
}

/** What a buffer held when it was detached: written later, in one go. */
export interface NetBatch {
  tables: TableBuffer[];
}

/** Where to bound a buffer: past this many entries, or this many bytes of values, the caller flushes within the transaction. */
export const NET_CHANGES_LIMIT = 20_000;
const NET_CHANGES_BYTES = 2 * 1024 * 1024;

/** About what a row's values hold in memory (UTF-16 strings, a slot per value). */
function rowBytes(row: Row): number {
  let n = 16 * row.length;
  for (const v of row) if (typeof v === 'string') n += 2 * v.length;
  return n;
}

export class NetChanges {
  private readonly tables = new Map<string, TableBuffer>();
  private entries = 0;
  /** Bytes of the rows taken since the last flush (rows a later change replaced included: a bound, not a count). */
  private bytes = 0;
  /** Column types per target table (quoted name), read once from the target. */
  private readonly types = new Map<string, Map<string, string>>();
  /** Whether each target table's only unique index is on exactly these key columns. */
  private readonly keyOnly = new Map<string, boolean>();

  constructor(private readonly target: pg.Client) {}

  /** Whether the buffer is at its bound: flush it before taking more. */
  full(): boolean {
    return this.entries >= NET_CHANGES_LIMIT || this.bytes >= NET_CHANGES_BYTES;
  }

  /**
   * Whether changes of `table` may be coalesced by `key` (target column names): its only unique
   * index or exclusion constraint is a plain one on exactly those columns.
   */
  async coalescable(table: string, key: string[]): Promise<boolean> {
    if (!key.length) return false;
    const id = `${table}\0${key.join('\0')}`;
    let ok = this.keyOnly.get(id);
    if (ok === undefined) {
      const r = await this.target.query<{ cols: string[] | null; exclusion: boolean; partial: boolean }>(
        `SELECT (SELECT array_agg(a.attname::text ORDER BY a.attname::text) FROM pg_catalog.unnest(i.indkey) AS k(n)
                   JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n) AS cols,
                i.indisexclusion AS exclusion, (i.indpred IS NOT NULL OR i.indexprs IS NOT NULL) AS partial
           FROM pg_catalog.pg_index i WHERE i.indrelid = $1::pg_catalog.regclass AND (i.indisunique OR i.indisexclusion)`,
        [table],
      );
      const want = [...key].sort().join('\0');
      ok = r.rows.length === 1 && !r.rows[0].exclusion && !r.rows[0].partial && (r.rows[0].cols ?? []).join('\0') === want;
      this.keyOnly.set(id, ok);
    }
    return ok;
  }

  private buffer(table: string, columns: Columns, keyAt: number[]): TableBuffer {
    let b = this.tables.get(table);
    if (!b) {
      b = { table, columns, keyAt, byKey: new Map(), inserts: [] };
      this.tables.set(table, b);
    }
    return b;
  }

  /** An INSERT into a table that is not coalesced: kept in order, written at the flush. */
  append(table: string, columns: Columns, row: Row): void {
    this.buffer(table, columns, []).inserts.push(row);
    this.entries++;
    this.bytes += rowBytes(row);
  }

  /**
   * A change of a row of a table coalesced by the key at positions `keyAt`, whose values are
   * `key` (text, never null); `row` is the new row (none for a delete). False when it cannot
   * follow what the buffer holds for that key (an insert over a row that exists, a change of a
   * row that is gone): the caller flushes the table and applies it row by row, which reports it.
   */
  add(table: string, columns: Columns, keyAt: number[], key: string[], change: { kind: 'insert' | 'update'; row: Row } | { kind: 'delete' }): boolean {
    const b = this.buffer(table, columns, keyAt);
    // text values never hold a NUL byte: joined with one, distinct keys stay distinct
    const k = key.length === 1 ? key[0] : key.join('\0');
    const had = b.byKey.get(k);
    const merged = combine(had?.net, change);
    if (merged === false) return false;
    if (change.kind !== 'delete') this.bytes += rowBytes(change.row);
    if (merged === null) {
      b.byKey.delete(k);
      if (had) this.entries--;
    } else if (had) had.net = merged;
    else {
      this.entries++;
      b.byKey.set(k, { key, net: merged });
    }
    return true;
  }

  /** Writes what is buffered for `table` (every table when none is given). */
  async flush(table?: string): Promise<void> {
    if (!this.tables.size) return;
    if (table === undefined) this.bytes = 0;
    const list = table === undefined ? [...this.tables.values()] : [this.tables.get(table)].filter((b): b is TableBuffer => b !== undefined);
    for (const b of list) {
      this.tables.delete(b.table);
      this.entries -= b.byKey.size + b.inserts.length;
      await this.write(b);
    }
  }

  /** Whether anything of `table` is buffered. */
  holds(table: string): boolean {
    return this.tables.has(table);
  }

  /**
   * Takes everything buffered, to be written by writeBatch while the buffer takes the next
   * group's changes (each batch keeps the columns its rows were read with).
   */
  detach(): NetBatch {
    const batch = { tables: [...this.tables.values()] };
    this.clear();
    return batch;
  }

  /** Writes a detached batch, table by table. */
  async writeBatch(batch: NetBatch): Promise<void> {
    for (const b of batch.tables) await this.write(b);
  }

  /** Forgets everything buffered (the transaction is rolled back). */
  clear(): void {
    this.tables.clear();
    this.entries = 0;
    this.bytes = 0;
  }

  private async columnTypes(table: string): Promise<Map<string, string>> {
    let t = this.types.get(table);
    if (!t) {
      const r = await this.target.query<{ n: string; t: string }>(
        `SELECT a.attname AS n, pg_catalog.format_type(a.atttypid, a.atttypmod) AS t FROM pg_catalog.pg_attribute a
          WHERE a.attrelid = $1::pg_catalog.regclass AND a.attnum > 0 AND NOT a.attisdropped`,
        [table],
      );
      t = new Map(r.rows.map((row) => [row.n, row.t]));
      this.types.set(table, t);
    }
    return t;
  }

  private async write(b: TableBuffer): Promise<void> {
    const types = await this.columnTypes(b.table);
    const cols = b.columns;
    const deletes: string[][] = [];
    // rows that set the same columns go in one statement: grouped by the positions they set
    const updates = new Map<string, { at: number[]; rows: { key: string[]; row: Row }[] }>();
    const inserts: Row[] = b.inserts;
    const isKey = new Set(b.keyAt);
    for (const { key, net } of b.byKey.values()) {
      if (net.kind === 'delete' || (net.kind === 'insert' && net.replaces)) deletes.push(key);
      if (net.kind === 'insert') inserts.push(net.row);
      if (net.kind === 'update') {
        const at = setPositions(cols, net.row, isKey);
        if (!at.length) continue;
        const sig = at.join(',');
        let u = updates.get(sig);
        if (!u) updates.set(sig, (u = { at, rows: [] }));
        u.rows.push({ key, row: net.row });
      }
    }
    const cast = (i: number, col: string) => `v.c${i}::${types.get(col) ?? 'text'}`;
    // ROWS FROM: one column per array, side by side (unnest with several arguments is its shorthand)
    const unnest = (n: number) => `ROWS FROM (${Array.from({ length: n }, (_c, i) => `pg_catalog.unnest($${i + 1}::text[])`).join(', ')}) AS v(${Array.from({ length: n }, (_c, i) => `c${i}`).join(', ')})`;
    const keyNames = b.keyAt.map((p) => cols[p]!);
    const match = keyNames.map((k, i) => `t.${ident(k)} = ${cast(i, k)}`).join(' AND ');
    const text = (v: ColumnValue) => (v === UNCHANGED ? null : v);
    if (deletes.length) {
      const r = await this.target.query(`DELETE FROM ${b.table} t USING ${unnest(keyNames.length)} WHERE ${match}`, keyNames.map((_k, i) => deletes.map((d) => d[i])));
      this.expect(b.table, 'delete', r.rowCount ?? 0, deletes.length);
    }
    for (const u of updates.values()) {
      const n = keyNames.length;
      const set = u.at.map((p, j) => `${ident(cols[p]!)} = ${cast(n + j, cols[p]!)}`).join(', ');
      const params = [...keyNames.map((_k, i) => u.rows.map((r) => r.key[i])), ...u.at.map((p) => u.rows.map((r) => text(r.row[p])))];
      const r = await this.target.query(`UPDATE ${b.table} t SET ${set} FROM ${unnest(n + u.at.length)} WHERE ${match}`, params);
      this.expect(b.table, 'update', r.rowCount ?? 0, u.rows.length);
    }
    // inserts that set the same columns in one statement each, in their order
    const none = new Set<number>();
    let i = 0;
    while (i < inserts.length) {
      const at = setPositions(cols, inserts[i], none);
      const sig = at.join(',');
      let j = i + 1;
      while (j < inserts.length && setPositions(cols, inserts[j], none).join(',') === sig) j++;
      const rows = inserts.slice(i, j);
      const names = at.map((p) => ident(cols[p]!)).join(', ');
      if (rows.length >= COPY_FROM) await this.copyRows(b.table, names, at, rows);
      else
        await this.target.query(
          `INSERT INTO ${b.table} (${names}) OVERRIDING SYSTEM VALUE SELECT ${at.map((p, k) => cast(k, cols[p]!)).join(', ')} FROM ${unnest(at.length)}`,
          at.map((p) => rows.map((r) => text(r[p]))),
        );
      i = j;
    }
  }

  /**
   * Many inserts go in by COPY (text format): the target reads each value with its type's input
   * function, as the cast of the INSERT does, without building and parsing arrays (measured on a
   * 200,000-row source transaction). COPY writes identity columns as given, as OVERRIDING SYSTEM
   * VALUE does.
   */
  private async copyRows(table: string, names: string, at: number[], rows: Row[]): Promise<void> {
    const copy = this.target.query(copyFrom(`COPY ${table} (${names}) FROM STDIN`));
    async function* lines(): AsyncGenerator<string> {
      let chunk = '';
      for (const r of rows) {
        for (let k = 0; k < at.length; k++) {
          const v = r[at[k]];
          chunk += (k ? '\t' : '') + (typeof v === 'string' ? copyText(v) : '\\N');
        }
        chunk += '\n';
        if (chunk.length >= 256 * 1024) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk) yield chunk;
    }
    await pipeline(Readable.from(lines()), copy);
    this.expect(table, 'insert', copy.rowCount, rows.length);
  }

  private expect(table: string, what: string, got: number, want: number): void {
    if (got !== want)
      throw new PgferryError('PGFERRY_E_APPLY', `a ${what} of ${want} row(s) of ${table} found ${got} of them on the target`, {
        object: table,
        fix: 'the target no longer holds what the source held before these changes (was it written to?); verify, then migrate the table again',
      });
  }
}

/** From this many rows of one table with the same columns, inserts go by COPY rather than one INSERT. */
const COPY_FROM = 200;

/** A text value as COPY's text format reads it: backslash, and the row and column separators, escaped. */
function copyText(v: string): string {
  return /[\\\n\r\t]/.test(v) ? v.replace(/[\\\n\r\t]/g, (c) => COPY_ESCAPES[c]) : v;
}
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** The positions a row sets on the target: migrated columns it sent (not unchanged TOAST), keys left out when `skip` holds them. */
function setPositions(columns: Columns, row: Row, skip: Set<number>): number[] {
  const at: number[] = [];
  for (let p = 0; p < row.length; p++) if (columns[p] !== undefined && row[p] !== UNCHANGED && !skip.has(p)) at.push(p);
  return at;
}

/** `next` over `base`: a value `next` did not send (unchanged TOAST) keeps the one `base` had. */
function over(base: Row, next: Row): Row {
  const out = next.slice();
  for (let p = 0; p < out.length; p++) if (out[p] === UNCHANGED && p < base.length) out[p] = base[p];
  return out;
}

/**
 * One key's net change after `next`, given what the buffer held (`had`): null when nothing is
 * left to do (a row inserted and deleted in the group), false when `next` cannot follow it.
 */
export function combine(had: Net | undefined, next: { kind: 'insert' | 'update'; row: Row } | { kind: 'delete' }): Net | null | false {
  if (!had) {
    if (next.kind === 'insert') return { kind: 'insert', row: next.row, replaces: false };
    if (next.kind === 'update') return { kind: 'update', row: next.row };
    return { kind: 'delete' };
  }
  switch (had.kind) {
    case 'update':
      if (next.kind === 'update') return { kind: 'update', row: over(had.row, next.row) };
      if (next.kind === 'delete') return { kind: 'delete' };
      return false;
    case 'delete':
      return next.kind === 'insert' ? { kind: 'insert', row: next.row, replaces: true } : false;
    case 'insert':
      // columns an UPDATE left out (unchanged TOAST) keep the inserted row's values
      if (next.kind === 'update') return { kind: 'insert', row: over(had.row, next.row), replaces: had.replaces };
      if (next.kind === 'delete') return had.replaces ? { kind: 'delete' } : null;
      return false;
  }
}
