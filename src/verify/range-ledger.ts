/**
 * The range ledger of an incremental run: which key ranges of the streamed tables were found equal
 * on both sides while streaming, and whether a change has touched each since. The applier tells it
 * every row a change touches (the table, the source transaction's xid, the row's key); the stream
 * checker (stream-check.ts) verifies ranges in the background and marks them clean; the cutover's
 * check reads only the ranges that are not clean and takes the others' sums from here.
 *
 * Time in the ledger is a counter of touches (`seq`). A range is clean as of `seq` S when the
 * checker found its sums equal on both sides and every change placed in it by then came from a
 * source transaction its source read could see (see markChecked); it stays clean while no touch
 * after S lands in it. Touches are placed in ranges by the source server (the key's own order),
 * in batches: the keys wait here, at most PENDING_PER_TABLE per table and PENDING_TOTAL in all; beyond that, or for a touch
 * whose key is not known (a DELETE named by another unique index, a TRUNCATE, a table without a
 * key), the touch counts for every range of its table. The ledger lives in memory: a restarted run
 * starts with every range unclean.
 */
import type pg from 'pg';
import type { ColumnValue, RelationColumn } from '../cdc/pgoutput.js';
import { newerXid, xidPrecedes, type Xid } from '../cdc/xid.js';
import { displayName } from '../pg/quote.js';
import type { KeyRange, RangeSum } from './table-checksum.js';
import type { VerifyTable } from './table-inventory.js';

const PENDING_PER_TABLE = 20_000;
/** Keys waiting over all tables: past this a touch counts for its whole table (memory stays bounded). */
const PENDING_TOTAL = 200_000;

export interface LedgerRange {
  range: KeyRange;
  /** Found equal on both sides, as of ledger time `seq`, with these sums. */
  clean: { seq: number; sums: RangeSum } | null;
  /** The last touch placed in it, and the newest source xid of all placed in it. */
  last: number;
  xid: Xid | null;
}

interface LedgerTable {
  /** The table as verify reads it on the source (its key in byte order, or none); null until the checker has planned it. */
  source: VerifyTable | null;
  ranges: LedgerRange[];
  /** Touches waiting to be placed by their key values. */
  pending: { seq: number; xid: Xid; key: string[] }[];
  /** Touches that count for every range: the last, and the newest xid. */
  whole: { seq: number; xid: Xid } | null;
  /** Where each key column sits in the Relation message last seen (by its column array). */
  keyAt: { columns: RelationColumn[]; at: number[] } | null;
}

/** How a cutover's verify may reuse what the ledger knows of a table: its ranges, with the sums of those still clean. */
export interface ReusedRanges {
  ranges: { range: KeyRange; clean: RangeSum | null }[];
}

/** Read alike: the same key, and the same columns of the same types (a column added since was never summed). */
const readAlike = (a: VerifyTable, b: VerifyTable) =>
  a.key.length === b.key.length && a.key.every((k, i) => k === b.key[i]) &&
  a.columns.length === b.columns.length && a.columns.every((c, i) => c.name === b.columns[i].name && c.type === b.columns[i].type);

export class RangeLedger {
  private seq = 0;
  private pendingTotal = 0;
  private readonly tables = new Map<string, LedgerTable>();
  private readonly byName = new Map<string, Map<string, LedgerTable>>();

  /** Ledger time now: the number of touches so far. */
  now(): number {
    return this.seq;
  }

  private entry(id: string): LedgerTable {
    let t = this.tables.get(id);
    if (!t) {
      t = { source: null, ranges: [], pending: [], whole: null, keyAt: null };
      this.tables.set(id, t);
    }
    return t;
  }

  /**
   * A change of source transaction `xid` touched a row of table schema.name: `row` holds the
   * values of `columns` it names the row by (its new row, old key or old row), null when the
   * change names no row (TRUNCATE).
   */
  touch(schema: string, name: string, xid: Xid, columns: RelationColumn[], row: ColumnValue[] | null): void {
    const seq = ++this.seq;
    // by schema, then name: a touch per changed row, so no name is built for it
    let inSchema = this.byName.get(schema);
    if (!inSchema) this.byName.set(schema, (inSchema = new Map()));
    let t = inSchema.get(name);
    if (!t) inSchema.set(name, (t = this.entry(displayName(schema, name))));
    const whole = () => {
      t.whole = { seq, xid: newerXid(t.whole?.xid ?? null, xid) };
    };
    if (!row || !t.source || t.ranges.length <= 1 || t.pending.length >= PENDING_PER_TABLE || this.pendingTotal >= PENDING_TOTAL) {
      // a batch that would grow past its bound is given up for one touch of the whole table
      if (t.pending.length >= PENDING_PER_TABLE) this.drop(t);
      return whole();
    }
    if (t.keyAt?.columns !== columns) t.keyAt = { columns, at: t.source.key.map((k) => columns.findIndex((c) => c.name === k)) };
    const key: string[] = [];
    for (const i of t.keyAt.at) {
      const v = i < 0 ? undefined : row[i];
      if (typeof v !== 'string') return whole();
      key.push(v);
    }
    t.pending.push({ seq, xid, key });
    this.pendingTotal++;
  }

  /** Forgets a table's waiting keys (they have been placed, or count for the whole table). */
  private drop(t: LedgerTable): void {
    this.pendingTotal -= t.pending.length;
    t.pending = [];
  }

  /**
   * The checker has cut `source` (as verify reads it) into `ranges`. Touches before this count for
   * every range; a table planned again (after the checker reconnected) keeps what it knew when
   * its key and ranges are the same.
   */
  setTable(source: VerifyTable, ranges: KeyRange[]): void {
    const t = this.entry(source.id);
    const same = t.source !== null && readAlike(t.source, source) && t.ranges.length === ranges.length &&
      t.ranges.every((r, i) => JSON.stringify(r.range) === JSON.stringify(ranges[i]));
    if (same) return;
    t.source = source;
    t.keyAt = null;
    const last = Math.max(t.whole?.seq ?? 0, ...t.pending.map((p) => p.seq), 0);
    const xid = t.pending.reduce<Xid | null>((x, p) => newerXid(x, p.xid), t.whole?.xid ?? null);
    t.ranges = ranges.map((range) => ({ range, clean: null, last, xid }));
    this.drop(t);
    t.whole = null;
  }

  /** Whether the checker has planned the table. */
  planned(id: string): boolean {
    return this.tables.get(id)?.source != null;
  }

  ranges(id: string): readonly LedgerRange[] {
    return this.tables.get(id)?.ranges ?? [];
  }

  /** A range is clean while nothing touched it since it was found equal. */
  static isClean(r: LedgerRange): boolean {
    return r.clean !== null && r.last <= r.clean.seq;
  }

  /** Places the touches waiting for table `id` in its ranges, asking `source` (the source server) where each key falls. */
  async place(source: pg.ClientBase, id: string): Promise<void> {
    const t = this.tables.get(id);
    if (!t || !t.source) return;
    const mark = (r: LedgerRange, seq: number, xid: Xid) => {
      r.last = Math.max(r.last, seq);
      r.xid = newerXid(r.xid, xid);
    };
    if (t.whole) for (const r of t.ranges) mark(r, t.whole.seq, t.whole.xid);
    t.whole = null;
    const batch = t.pending;
    if (!batch.length) return;
    this.drop(t);
    try {
      const at = await rangeOfKeys(source, t.source, t.ranges.slice(1).map((r) => r.range.from!), batch.map((b) => b.key));
      batch.forEach((b, i) => mark(t.ranges[at[i]], b.seq, b.xid));
    } catch (err) {
      // not placed: they count for every range
      for (const b of batch) for (const r of t.ranges) mark(r, b.seq, b.xid);
      throw err;
    }
  }

  /** Places every table's waiting touches (the cutover, before it decides what to read). */
  async placeAll(source: pg.ClientBase): Promise<void> {
    for (const id of this.tables.keys()) await this.place(source, id);
  }

  /**
   * The checker summed range `i` of table `id` on both sides: on the source in a snapshot whose
   * xmin was `xmin`, on the target once it had applied past the source's WAL position read after
   * that snapshot, and it has placed every touch up to ledger time `seq` (read after the target's
   * sums). The range is clean as of `seq` when the sums are equal and every change ever placed in
   * it is older than `xmin`: each such transaction had ended before the source's snapshot, so the
   * source read saw it, and it committed before that position, so the target read saw it too;
   * with no other change in the range up to the target's read, both read the same source state.
   * A change placed there from a transaction at or after `xmin` may have been missed by one side:
   * the range stays unclean until a later check.
   */
  markChecked(id: string, i: number, source: RangeSum, target: RangeSum, seq: number, xmin: Xid): void {
    const r = this.tables.get(id)?.ranges[i];
    if (!r) return;
    const equal = source.rows === target.rows && source.bytes === target.bytes && source.sum === target.sum;
    r.clean = equal && (r.xid === null || xidPrecedes(r.xid, xmin)) ? { seq, sums: source } : null;
  }

  /** Ranges known clean, and all ranges, over every planned table. */
  counts(): { clean: number; total: number } {
    let clean = 0;
    let total = 0;
    for (const t of this.tables.values()) {
      if (!t.source) continue;
      total += t.ranges.length;
      clean += t.ranges.filter(RangeLedger.isClean).length;
    }
    return { clean, total };
  }

  /**
   * What a verify may take from the ledger for a compare unit that reads `source` as the checker
   * did (same table, key and columns): every range, with the sums of those still clean. Call after
   * placeAll; undefined when the ledger has nothing for the table.
   */
  reuse(source: VerifyTable): ReusedRanges | undefined {
    const t = this.tables.get(source.id);
    if (!t?.source || !readAlike(t.source, source) || t.whole || t.pending.length) return undefined;
    return { ranges: t.ranges.map((r) => ({ range: r.range, clean: RangeLedger.isClean(r) ? r.clean!.sums : null })) };
  }
}

/**
 * The range each key falls in, by the source's order of the key: range 0 below the first bound,
 * range n at or above bound n. A byte-ordered key compares as COLLATE "C" (its own order).
 */
async function rangeOfKeys(client: pg.ClientBase, t: VerifyTable, bounds: string[][], keys: string[][]): Promise<number[]> {
  const cols = t.key.map((k) => t.columns.find((c) => c.name === k)!);
  const n = cols.length;
  const as = (alias: string) => `ROW(${cols.map((c, i) => `${alias}.c${i}::${c.type}${c.collatable ? ' COLLATE "C"' : ''}`).join(', ')})`;
  const names = cols.map((_c, i) => `c${i}`).join(', ');
  const arrays = (from: number) => `ROWS FROM (${cols.map((_c, i) => `pg_catalog.unnest($${from + i}::text[])`).join(', ')})`;
  const r = await client.query<{ r: number }>(
    `SELECT (SELECT count(*) FROM ${arrays(n + 1)} AS b(${names}) WHERE ${as('b')} <= ${as('k')})::int AS r
       FROM ${arrays(1)} WITH ORDINALITY AS k(${names}, i) ORDER BY k.i`,
    [...cols.map((_c, i) => keys.map((k) => k[i])), ...cols.map((_c, i) => bounds.map((b) => b[i]))],
  );
  return r.rows.map((row) => row.r);
}
