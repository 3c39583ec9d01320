/**
 * Lists what verify compares on one side: tables (with their place in partition and inheritance
 * trees) and sequences (with the table that owns them). The queries live in queries/*.sql and
 * run unchanged in psql.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { displayName } from '../pg/quote.js';

export interface VerifyTable {
  id: string;
  schema: string;
  name: string;
  /** r plain, p partitioned (holds no rows itself), m materialized view, f foreign (never hashed). */
  relkind: 'r' | 'p' | 'm' | 'f';
  isPartition: boolean;
  /** The tables it is a partition or inheritance child of. */
  parents: { schema: string; name: string }[];
  /**
   * `binary`: a built-in base, range or multirange type (or an array of a built-in base type) with
   * a binary send function, whose binary form is the same on every major and names no
   * database-specific OID; other columns are compared as text. `byteOrder`: the column sorts the
   * same on every server (not collatable, or in byte order), so both sides read a key in one order.
   * `collatable`: the type takes a collation.
   */
  columns: { name: string; type: string; typeOid: number; binary: boolean; byteOrder: boolean; collatable: boolean }[];
  /** Primary key columns, used to split large tables into ranges. */
  key: string[];
  estimatedRows: number;
  /**
   * The role may read every row: USAGE on the schema, SELECT on the table (or on every column),
   * and no row-level security active for it (it would hide rows from both counts and checksums).
   */
  readable: boolean;
}

export interface VerifySequence {
  schema: string;
  name: string;
  /** The table whose column owns it (serial, identity), if any. */
  owner: { schema: string; name: string } | null;
  /** The role may read its position (SELECT on it). */
  readable: boolean;
}

// src/verify (tsx) and dist/verify (compiled) both sit two levels below the package root
const QUERY_DIR = fileURLToPath(new URL('../../src/verify/queries/', import.meta.url));
const queries = new Map<string, string>();

function query(name: string): string {
  let text = queries.get(name);
  if (text === undefined) {
    text = fs.readFileSync(`${QUERY_DIR}${name}.sql`, 'utf8');
    queries.set(name, text);
  }
  return text;
}

/** Every table, partitioned table, foreign table and populated materialized view, by `schema.name`. */
export async function listTables(client: pg.ClientBase): Promise<Map<string, VerifyTable>> {
  const r = await client.query<{
    schema: string; name: string; relkind: VerifyTable['relkind']; is_partition: boolean; est: number;
    columns: VerifyTable['columns']; key: string[]; parents: VerifyTable['parents']; readable: boolean;
  }>(query('relations'));
  return new Map(
    r.rows.map((row) => {
      const id = displayName(row.schema, row.name);
      return [id, {
        id, schema: row.schema, name: row.name, relkind: row.relkind, isPartition: row.is_partition, parents: row.parents,
        columns: row.columns, key: row.key, estimatedRows: row.est, readable: row.readable,
      }];
    }),
  );
}

/** Every user sequence, with its owning table. */
export async function listSequences(client: pg.ClientBase): Promise<VerifySequence[]> {
  const r = await client.query<{ schema: string; name: string; owner_schema: string | null; owner_name: string | null; readable: boolean }>(query('sequences'));
  return r.rows.map((row) => ({
    schema: row.schema,
    name: row.name,
    readable: row.readable,
    owner: row.owner_schema !== null && row.owner_name !== null ? { schema: row.owner_schema, name: row.owner_name } : null,
  }));
}
