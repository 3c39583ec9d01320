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
    const res = await client.query({ text, types: typeParsers });
    return res.rows.map((row: Record<string, unknown>) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row)) out[camel(k)] = v;
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
