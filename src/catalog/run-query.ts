/**
 * Runs a catalog query and returns rows with camelCase keys and int8 values as numbers (OIDs,
 * sizes and counts all fit in a double).
 */
import type pg from 'pg';
import pgTypes from 'pg';
import { catalogQuery } from './query-files.js';
import { PgferryError } from '../errors.js';

const INT8_OID = 20;
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (v: string) => Number(v);
    return pgTypes.types.getTypeParser(oid, format);
  },
};

function camel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Rows of catalog query `name` (version variant chosen by `major`). */
export async function readCatalogRows<T>(client: pg.ClientBase, name: string, major: number): Promise<T[]> {
  const text = catalogQuery(name, major);
  try {
    // rows as arrays, keyed once per query: 10,000 tables give ~100,000 catalog rows, and
    // renaming every row's keys cost 0.6 s of CPU and as much again in garbage collection
    const res = await client.query<unknown[]>({ text, types: typeParsers, rowMode: 'array' });
    const keys = res.fields.map((f) => camel(f.name));
    return res.rows.map((values) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) out[keys[i]] = values[i];
      return out as T;
    });
  } catch (err) {
    throw new PgferryError('PGFERRY_E_CATALOG', `catalog query ${name} failed: ${(err as Error).message}`, {
      object: `source catalog (${name}.sql)`,
      fix: 'check that the source role can read the system catalogs; run with --debug for details',
      cause: err,
    });
  }
}
