/** Reads user schemas. */
import type pg from 'pg';
import type { SchemaObj } from './model.js';
import { readCatalogRows } from './run-query.js';

export async function readSchemas(client: pg.ClientBase, major: number): Promise<SchemaObj[]> {
  const rows = await readCatalogRows<Omit<SchemaObj, 'key' | 'schema'>>(client, 'schemas', major);
  return rows.map((r) => ({ ...r, schema: r.name, key: `pg_namespace:${r.oid}` }));
}
