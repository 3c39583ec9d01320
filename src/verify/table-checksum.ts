/**
 * Row counts and checksums. Each server streams the rows a query selects with `COPY ... TO STDOUT`,
 * which only prints them (no record quoting, no hashing on the server), in the session's client
 * encoding (UTF-8), so a LATIN1 source and a UTF8 target that hold the same characters send the
 * same bytes. pgferry hashes the bytes with xxh64 (xxhash-wasm) as they arrive and holds no row.
 * A part of a keyed table is read in key order, in COPY's binary form (cheaper to make than text
 * for dates, numerics, uuids and bytea), and hashed as one stream: no work per row in Node. A part
 * of any other table is read as COPY text, as it lies, each row (one CopyData message) hashed on
 * its own and the hashes summed, which does not depend on physical row order. Each part also
 * counts its rows and bytes. Parts add up: both sides split a table at the same key values.
 *
 * Why in Node and not on the server: at shared/bench SCALE=1 a server-side md5 of each row's
 * record text cost about 5 times what a COPY of the same rows costs, on both servers at once
 * (docs/benchmarks.md). xxh64 is the same on every machine (its input is read little-endian by
 * definition, and WebAssembly is little-endian everywhere). It is not a cryptographic hash: verify
 * guards against mistakes, not against someone forging rows; two different sets of rows with the
 * same count and bytes pass only when 64-bit hashes agree by chance (about 1 in 2^64 per part). A
 * summed duplicate row shifts the sum by its hash (A,A against A,B differs unless the hashes agree),
 * where an XOR would cancel it.
 */
import crypto from 'node:crypto';
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import xxhash from 'xxhash-wasm';
import { copyOutFramed } from '../copy/copy-passthrough.js';
import { ident, qualified } from '../pg/quote.js';
import type { VerifyTable } from './table-inventory.js';

const FLOAT4 = 700;
const FLOAT8 = 701;
const HEADER = 5; // a CopyData message's code byte and size

/** A key range [from, to) of a table; null bounds are open. */
export interface KeyRange {
  from: string[] | null;
  to: string[] | null;
}

/**
 * What a set of rows sums to: its count, the bytes the servers sent for it, and the sum of its parts'
 * hashes (of each part's stream in key order, or of each of its rows).
 */
export interface RangeSum {
  rows: number;
  bytes: number;
  sum: bigint;
}

/**
 * The expression each column is sent as. In COPY's binary form, a built-in type is its binary
 * image and any other type its text (a user type's binary form may name OIDs of its own database).
 * In text form floats are their binary image, which every major prints alike.
 */
function columnExpr(c: VerifyTable['columns'][number], binary: boolean): string {
  const col = ident(c.name);
  if (binary) return c.binary ? col : `${col}::pg_catalog.text`;
  if (c.typeOid === FLOAT8) return `pg_catalog.float8send(${col})`;
  if (c.typeOid === FLOAT4) return `pg_catalog.float4send(${col})`;
  return col;
}

/**
 * The key of `t` compared with a bound. COPY takes no bind parameters, so a bound's values are
 * set as session settings through bind parameters (`set_config`) and read back by the query
 * (`current_setting` is stable: an index scan can still use it).
 */
function keyTuple(t: VerifyTable, bound: 'from' | 'to'): { left: string; right: string; names: string[] } {
  const types = new Map(t.columns.map((c) => [c.name, c.type]));
  const names = t.key.map((_k, i) => `pgferry.verify_${bound}_${i}`);
  const left = t.key.map(ident).join(', ');
  const right = t.key.map((k, i) => `pg_catalog.current_setting('${names[i]}')::${types.get(k)}`).join(', ');
  return { left: `ROW(${left})`, right: `ROW(${right})`, names };
}

/**
 * Which rows of a table one query sums: all of them, those whose key is in a range, or those on a
 * run of its pages [from, to) (null bounds are open), so one large range or unkeyed table can be
 * summed in parts side by side.
 */
export type RowFilter = { kind: 'all' } | { kind: 'keys'; range: KeyRange } | { kind: 'pages'; from: number | null; to: number | null };

/** The rows of a key range: all of them when both bounds are open. */
export function rangeFilter(range: KeyRange): RowFilter {
  return !range.from && !range.to ? { kind: 'all' } : { kind: 'keys', range };
}

/** The sums of no rows; parts of a range are added to it. */
export const NO_ROWS: RangeSum = { rows: 0, bytes: 0, sum: 0n };

/** The sums of two disjoint sets of rows: those of their union. */
export function addSums(a: RangeSum, b: RangeSum): RangeSum {
  return { rows: a.rows + b.rows, bytes: a.bytes + b.bytes, sum: a.sum + b.sum };
}

/** Whether two sets of rows summed alike: same count, same bytes and the same sum of row hashes. */
export function sameSums(a: RangeSum, b: RangeSum): boolean {
  return a.rows === b.rows && a.bytes === b.bytes && a.sum === b.sum;
}

/** A short stable name of a sum for reports (12 hex digits). */
export function fingerprint(s: RangeSum): string {
  return crypto.createHash('md5').update(`${s.rows}:${s.bytes}:${s.sum}`).digest('hex').slice(0, 12);
}

const hasher = xxhash();

/**
 * Count, bytes and hash of the rows of `t` that `filter` selects: as one stream of COPY's binary
 * form in key order where `t` has a key, `filter` is not a run of pages and `order` allows; else
 * as COPY text, each row hashed alone and the hashes summed.
 */
export async function rowSum(client: pg.ClientBase, t: VerifyTable, filter: RowFilter, order: 'key' | 'none' = 'key'): Promise<RangeSum> {
  const { h64Raw, create64 } = await hasher;
  const where: string[] = [];
  const settings: [string, string][] = [];
  const bound = (op: string, side: 'from' | 'to', values: string[]) => {
    const k = keyTuple(t, side);
    where.push(`${k.left} ${op} ${k.right}`);
    k.names.forEach((n, i) => settings.push([n, values[i]]));
  };
  if (filter.kind === 'keys') {
    if (filter.range.from) bound('>=', 'from', filter.range.from);
    if (filter.range.to) bound('<', 'to', filter.range.to);
  }
  if (filter.kind === 'pages') {
    for (const [op, block] of [['>=', filter.from], ['<', filter.to]] as const) {
      if (block === null) continue;
      if (!Number.isSafeInteger(block) || block < 0) throw new Error(`bad page number ${block}`);
      where.push(`t.ctid ${op} '(${block},0)'::pg_catalog.tid`);
    }
  }
  if (settings.length) {
    const calls = settings.map((_s, i) => `pg_catalog.set_config($${2 * i + 1}, $${2 * i + 2}, false)`);
    await client.query(`SELECT ${calls.join(', ')}`, settings.flat());
  }
  // a keyed part in key order, in binary form; anything else row by row, as text
  const ordered = order === 'key' && t.key.length > 0 && filter.kind !== 'pages';
  const sql =
    `COPY (SELECT ${t.columns.map((c) => columnExpr(c, ordered)).join(', ')} FROM ONLY ${qualified(t.schema, t.name)} t` +
    `${where.length ? ` WHERE ${where.join(' AND ')}` : ''}${ordered ? ` ORDER BY ${t.key.map(ident).join(', ')}) TO STDOUT (FORMAT binary)` : ') TO STDOUT'}`;
  const out: RangeSum = { rows: 0, bytes: 0, sum: 0n };
  // the CopyData messages ('d', int32 size, payload; one per row) byte for byte, cut where reads fell
  const messages = client.query(copyOutFramed(sql, true));
  // 'data' events hand on each read as it came; an async iterator would join reads (a copy)
  const each = async (fn: (buf: Buffer) => void) => {
    messages.on('data', fn);
    await finished(messages);
  };
  if (ordered) {
    // headers too: equal rows in equal order make equal bytes, however they were cut
    const h = create64(0n);
    await each((buf) => {
      h.update(buf);
      out.bytes += buf.length;
    });
    // binary rows have no terminator to count: the server's count comes with its CommandComplete
    await messages.settled;
    out.rows = messages.rowCount;
    out.sum = h.digest();
    return out;
  }
  const add = (hash: bigint, bytes: number) => {
    out.sum += hash;
    out.rows++;
    out.bytes += bytes + HEADER;
  };
  // a row cut off by the end of a read: its header so far, or its hash so far and what is still due
  let head: Buffer | null = null;
  let cut: { hash: ReturnType<typeof create64>; bytes: number; left: number } | null = null;
  const finish = () => {
    if (cut && cut.left === 0) {
      add(cut.hash.digest(), cut.bytes);
      cut = null;
    }
  };
  await each((buf) => {
    let i = 0;
    if (head) {
      i = Math.min(HEADER - head.length, buf.length);
      head = Buffer.concat([head, buf.subarray(0, i)]);
      if (head.length < HEADER) return;
      cut = { hash: create64(0n), bytes: 0, left: head.readUInt32BE(1) - 4 };
      head = null;
    }
    if (cut) {
      // a long row is hashed piece by piece, never held whole
      const n = Math.min(cut.left, buf.length - i);
      cut.hash.update(buf.subarray(i, i + n));
      cut.bytes += n;
      cut.left -= n;
      i += n;
      finish();
      if (cut) return;
    }
    while (i < buf.length) {
      if (buf.length - i < HEADER) {
        head = Buffer.from(buf.subarray(i));
        return;
      }
      const start = i + HEADER;
      const end = i + 1 + buf.readUInt32BE(i + 1);
      if (end > buf.length) {
        cut = { hash: create64(0n).update(buf.subarray(start)), bytes: buf.length - start, left: end - buf.length };
        return;
      }
      // a plain view, not Buffer.subarray: a Buffer per row costs more than hashing it
      add(h64Raw(new Uint8Array(buf.buffer, buf.byteOffset + start, end - start), 0n), end - start);
      i = end;
    }
  });
  if (head || cut) throw new Error(`COPY of ${qualified(t.schema, t.name)} ended inside a row`);
  return out;
}

/** How many pages the table's main fork has now (its rows sit on pages [0, n)). */
export async function pageCount(client: pg.ClientBase, t: VerifyTable): Promise<number> {
  const r = await client.query<{ n: string }>(
    "SELECT (pg_catalog.pg_relation_size($1::pg_catalog.regclass) / pg_catalog.current_setting('block_size')::pg_catalog.int8)::pg_catalog.text AS n",
    [qualified(t.schema, t.name)],
  );
  return Number(r.rows[0].n);
}

/**
 * Key values of a keyed table every `step` rows in key order, read on the source: the bounds of its
 * ranges and of their parts. Each is found from the last by skipping `step` keys in the key's
 * index, which reads keys only and costs far less than numbering every row with a window function.
 * A table of more than `exactRows` rows (estimated) is cut at quantiles of a sample of its pages
 * instead (about 20 pages a part, the same pages every time), which reads a few percent of it: its
 * parts and ranges hold about `step` rows, not exactly.
 */
export async function keyBounds(client: pg.ClientBase, t: VerifyTable, step: number, exactRows: number): Promise<string[][]> {
  const types = new Map(t.columns.map((c) => [c.name, c.type]));
  const keys = t.key.map(ident).join(', ');
  const texts = t.key.map((k, i) => `${ident(k)}::text AS k${i}`).join(', ');
  const values = (row: Record<string, string>) => t.key.map((_k, i) => row[`k${i}`]);
  if (t.estimatedRows > exactRows) {
    const parts = Math.ceil(t.estimatedRows / step);
    const pages = await pageCount(client, t);
    const percent = Math.min(100, (100 * 20 * parts) / Math.max(1, pages));
    const r = await client.query<Record<string, string>>(
      `SELECT ${texts} FROM ONLY ${qualified(t.schema, t.name)} TABLESAMPLE SYSTEM ($1) REPEATABLE (0) ORDER BY ${keys}`,
      [percent],
    );
    // the sample's keys are distinct: a quantile is a bound unless a small sample repeats it
    const picks = new Set(Array.from({ length: parts - 1 }, (_p, i) => Math.floor(((i + 1) * r.rows.length) / parts)));
    return [...picks].filter((i) => i < r.rows.length).map((i) => values(r.rows[i]));
  }
  const after = `ROW(${keys}) > ROW(${t.key.map((k, i) => `$${i + 2}::text::${types.get(k)}`).join(', ')})`;
  const bounds: string[][] = [];
  for (;;) {
    const last = bounds.at(-1);
    // the bound lies `step` rows past the last one (the first row of the part it begins)
    const r = await client.query<Record<string, string>>(
      `SELECT ${texts} FROM ONLY ${qualified(t.schema, t.name)}${last ? ` WHERE ${after}` : ''} ORDER BY ${keys} OFFSET $1 LIMIT 1`,
      [step - 1, ...(last ?? [])],
    );
    if (r.rows.length === 0) return bounds;
    bounds.push(values(r.rows[0]));
  }
}

/** How a range reads in a report: `id >= 1000 AND id < 2000`. */
export function describeRange(t: VerifyTable, range: KeyRange): string {
  const key = t.key.length === 1 ? t.key[0] : `(${t.key.join(', ')})`;
  const val = (v: string[]) => (v.length === 1 ? v[0] : `(${v.join(', ')})`);
  if (!range.from && !range.to) return 'all rows';
  return [range.from ? `${key} >= ${val(range.from)}` : '', range.to ? `${key} < ${val(range.to)}` : ''].filter(Boolean).join(' and ');
}

/** The rows of `t` (itself only): what a table that has no counterpart to compare with holds. */
export async function rowCount(client: pg.ClientBase, t: VerifyTable): Promise<number> {
  const r = await client.query<{ n: string }>(`SELECT count(*)::int8 AS n FROM ONLY ${qualified(t.schema, t.name)}`);
  return Number(r.rows[0].n);
}
