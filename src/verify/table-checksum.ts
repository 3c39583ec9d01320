/**
 * Row counts and checksums computed on the server. A row's hash is md5 of its text form (floats as
 * their exact binary image) in UTF-8 where the two sides' encodings differ, so a LATIN1 source and
 * a UTF8 target that hold the same characters hash alike; a range's checksum is md5 over its row hashes in
 * sorted order, so it does not depend on physical row order, and rows never travel to Node.
 */
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

export interface RangeSum {
  rows: number;
  sum: string;
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

/** Count and checksum of the rows of `t` in `range`, hashing the row text as `bytes` says. */
export async function rangeChecksum(client: pg.ClientBase, t: VerifyTable, range: KeyRange, bytes: RowBytes): Promise<RangeSum> {
  const where: string[] = [];
  const params: string[] = [];
  if (range.from) {
    const k = keyTuple(t, params.length + 1);
    where.push(`${k.left} >= ${k.right}`);
    params.push(...range.from);
  }
  if (range.to) {
    const k = keyTuple(t, params.length + 1);
    where.push(`${k.left} < ${k.right}`);
    params.push(...range.to);
  }
  const sql =
    `SELECT count(*)::int8 AS n, pg_catalog.md5(coalesce(string_agg(h, '' ORDER BY h COLLATE "C"), '')) AS s ` +
    `FROM (SELECT ${rowHash(t, bytes)} AS h FROM ONLY ${qualified(t.schema, t.name)} t` +
    `${where.length ? ` WHERE ${where.join(' AND ')}` : ''}) x`;
  const r = await client.query<{ n: string; s: string }>(sql, params);
  return { rows: Number(r.rows[0].n), sum: r.rows[0].s };
}

/**
 * Splits a keyed table into ranges of about `rowsPerRange` rows, from key values read on the
 * source; unkeyed or small tables are one range.
 */
export async function keyRanges(client: pg.ClientBase, t: VerifyTable, rowsPerRange: number): Promise<KeyRange[]> {
  // an estimate of 0 may mean "never analyzed": then look at the keys anyway
  if (t.key.length === 0 || (t.estimatedRows > 0 && t.estimatedRows <= rowsPerRange)) return [{ from: null, to: null }];
  const keys = t.key.map(ident).join(', ');
  const texts = t.key.map((k, i) => `${ident(k)}::text AS k${i}`).join(', ');
  const r = await client.query<Record<string, string>>(
    `SELECT ${t.key.map((_k, i) => `k${i}`).join(', ')} FROM (SELECT ${texts}, row_number() OVER (ORDER BY ${keys}) AS rn ` +
      `FROM ONLY ${qualified(t.schema, t.name)}) s WHERE rn % $1 = 0 ORDER BY rn`,
    [rowsPerRange],
  );
  const bounds = r.rows.map((row) => t.key.map((_k, i) => row[`k${i}`]));
  const ranges: KeyRange[] = [];
  let from: string[] | null = null;
  for (const b of bounds) {
    ranges.push({ from, to: b });
    from = b;
  }
  ranges.push({ from, to: null });
  return ranges;
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
