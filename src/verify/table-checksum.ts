/**
 * Row counts and checksums computed on the server. A row's hash is md5 of its text form (floats as
 * their exact binary image) in UTF-8 where the two sides' encodings differ, so a LATIN1 source and
 * a UTF8 target that hold the same characters hash alike. A range is summed, not sorted: its row
 * count and the exact sums of the two signed 64-bit halves of its row hashes. Sums do not depend on
 * physical row order, a range can be summed in parts that add up, and rows never travel to Node.
 * A duplicated row shifts the sums by its hash (A,A against A,B differs unless md5(A) = md5(B)),
 * where an XOR would cancel it. md5 stays the row hash although it is most of a row's cost: the
 * cheaper hashtext/hashtextextended are internal (no promise to stay the same across majors),
 * read the row in the machine's byte order (a big-endian server hashes differently), and
 * hashtextextended does not exist in 10.
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import { ident, qualified } from '../pg/quote.js';
import type { VerifyTable } from './table-inventory.js';

const FLOAT4 = 700;
const FLOAT8 = 701;

/** A key range [from, to) of a table; null bounds are open. */
export interface KeyRange {
  from: string[] | null;
  to: string[] | null;
}

/** What a set of rows sums to: its count and the sums of its row hashes' two 64-bit halves. */
export interface RangeSum {
  rows: number;
  hi: bigint;
  lo: bigint;
}

/**
 * How a server's row text becomes the bytes that are hashed: as it is where both sides store the
 * same encoding, where those bytes are already the UTF-8 form (UTF8), or where the encoding is
 * undeclared (SQL_ASCII: bytes that are valid UTF-8 then compare with a UTF8 side as such, others
 * differ from anything a UTF8 side can hold) or cannot be converted (MULE_INTERNAL); converted to
 * UTF-8 on the server otherwise.
 */
export type RowBytes = 'as-stored' | 'to-utf8';

/** The RowBytes of a server whose `server_encoding` is `encoding`, compared with one in `other`. */
export function rowBytesFor(encoding: string, other: string): RowBytes {
  return encoding === other || ['UTF8', 'SQL_ASCII', 'MULE_INTERNAL'].includes(encoding) ? 'as-stored' : 'to-utf8';
}

function rowHash(t: VerifyTable, bytes: RowBytes): string {
  const parts = t.columns.map((c) => {
    const col = ident(c.name);
    if (c.typeOid === FLOAT8) return `pg_catalog.float8send(${col})`;
    if (c.typeOid === FLOAT4) return `pg_catalog.float4send(${col})`;
    return col;
  });
  const text = `ROW(${parts.join(', ')})::text`;
  return bytes === 'to-utf8' ? `pg_catalog.md5(pg_catalog.convert_to(${text}, 'UTF8'))` : `pg_catalog.md5(${text})`;
}

function keyTuple(t: VerifyTable, offset: number): { left: string; right: string } {
  const types = new Map(t.columns.map((c) => [c.name, c.type]));
  const left = t.key.map(ident).join(', ');
  const right = t.key.map((k, i) => `$${offset + i}::text::${types.get(k)}`).join(', ');
  return { left: `ROW(${left})`, right: `ROW(${right})` };
}

/**
 * Which rows of a table one query sums: all of them, those whose key is in a range, or those on a
 * run of its pages [from, to) (null bounds are open), so one large range or unkeyed table can be
 * summed in parts side by side.
 */
export type RowFilter = { kind: 'all' } | { kind: 'keys'; range: KeyRange } | { kind: 'pages'; from: number | null; to: number | null };

/** The sums of no rows; parts of a range are added to it. */
export const NO_ROWS: RangeSum = { rows: 0, hi: 0n, lo: 0n };

/** The sums of two disjoint sets of rows: those of their union. */
export function addSums(a: RangeSum, b: RangeSum): RangeSum {
  return { rows: a.rows + b.rows, hi: a.hi + b.hi, lo: a.lo + b.lo };
}

/** Whether two sets of rows summed alike: same count and same sums of both hash halves. */
export function sameSums(a: RangeSum, b: RangeSum): boolean {
  return a.rows === b.rows && a.hi === b.hi && a.lo === b.lo;
}

/** A short stable name of a sum for reports (12 hex digits). */
export function fingerprint(s: RangeSum): string {
  return crypto.createHash('md5').update(`${s.rows}:${s.hi}:${s.lo}`).digest('hex').slice(0, 12);
}

/**
 * Count of the rows of `t` that `filter` selects, and the sums (exact, as numeric) of the two
 * signed 64-bit halves of each row's md5, hashing the row text as `bytes` says. Addition does not
 * depend on order, so no side sorts anything, and parts add up to their whole.
 */
export async function rowSum(client: pg.ClientBase, t: VerifyTable, filter: RowFilter, bytes: RowBytes): Promise<RangeSum> {
  const where: string[] = [];
  const params: string[] = [];
  const bound = (op: string, values: string[]) => {
    const k = keyTuple(t, params.length + 1);
    where.push(`${k.left} ${op} ${k.right}`);
    params.push(...values);
  };
  if (filter.kind === 'keys') {
    if (filter.range.from) bound('>=', filter.range.from);
    if (filter.range.to) bound('<', filter.range.to);
  }
  if (filter.kind === 'pages') {
    for (const [op, block] of [['>=', filter.from], ['<', filter.to]] as const) {
      if (block === null) continue;
      params.push(`(${block},0)`);
      where.push(`t.ctid ${op} $${params.length}::pg_catalog.tid`);
    }
  }
  const half = (from: number) => `pg_catalog.sum(('x' || pg_catalog.substr(h, ${from}, 16))::pg_catalog.bit(64)::pg_catalog.int8)`;
  // OFFSET 0 keeps the subquery whole: pulled up, each half would hash the row again
  const sql =
    `SELECT pg_catalog.count(*)::pg_catalog.int8 AS n, coalesce(${half(1)}, 0)::pg_catalog.text AS hi, coalesce(${half(17)}, 0)::pg_catalog.text AS lo ` +
    `FROM (SELECT ${rowHash(t, bytes)} AS h FROM ONLY ${qualified(t.schema, t.name)} t` +
    `${where.length ? ` WHERE ${where.join(' AND ')}` : ''} OFFSET 0) x`;
  const r = await client.query<{ n: string; hi: string; lo: string }>(sql, params);
  return { rows: Number(r.rows[0].n), hi: BigInt(r.rows[0].hi), lo: BigInt(r.rows[0].lo) };
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
 * ranges and of their parts.
 */
export async function keyBounds(client: pg.ClientBase, t: VerifyTable, step: number): Promise<string[][]> {
  const keys = t.key.map(ident).join(', ');
  const texts = t.key.map((k, i) => `${ident(k)}::text AS k${i}`).join(', ');
  const r = await client.query<Record<string, string>>(
    `SELECT ${t.key.map((_k, i) => `k${i}`).join(', ')} FROM (SELECT ${texts}, row_number() OVER (ORDER BY ${keys}) AS rn ` +
      `FROM ONLY ${qualified(t.schema, t.name)}) s WHERE rn % $1 = 0 ORDER BY rn`,
    [step],
  );
  return r.rows.map((row) => t.key.map((_k, i) => row[`k${i}`]));
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
