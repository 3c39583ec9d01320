/** Reads user schemas and installed extensions. */
import type pg from 'pg';
import type { ExtensionObj, SchemaObj } from './model.js';
import { readCatalogRows } from './run-query.js';

/** User schemas (not system schemas, not extension members). */
export async function readSchemas(client: pg.ClientBase, major: number): Promise<SchemaObj[]> {
  const rows = await readCatalogRows<Omit<SchemaObj, 'key' | 'schema'>>(client, 'schemas', major);
  return rows.map((r) => ({ ...r, schema: r.name, key: `pg_namespace:${r.oid}` }));
}

/** Installed extensions except plpgsql. */
export async function readExtensions(client: pg.ClientBase, major: number): Promise<ExtensionObj[]> {
  const rows = await readCatalogRows<Omit<ExtensionObj, 'key'>>(client, 'extensions', major);
  return rows.map((r) => ({ ...r, key: `pg_extension:${r.oid}` }));
}
