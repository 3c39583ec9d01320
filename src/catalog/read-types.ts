/** Reads user-defined types used by columns: enums, composites and domains. */
import type pg from 'pg';
import type { CompositeType, DomainType, EnumType } from './model.js';
import { readCatalogRows } from './run-query.js';

/** Enum types with their labels in sort order. */
export async function readEnums(client: pg.ClientBase, major: number): Promise<EnumType[]> {
  const rows = await readCatalogRows<Omit<EnumType, 'key'>>(client, 'enums', major);
  return rows.map((r) => ({ ...r, key: `pg_type:${r.oid}` }));
}

/** Standalone composite types with their attributes. */
export async function readComposites(client: pg.ClientBase, major: number): Promise<CompositeType[]> {
  const rows = await readCatalogRows<Omit<CompositeType, 'key'>>(client, 'composites', major);
  return rows.map((r) => ({ ...r, key: `pg_type:${r.oid}` }));
}

/** Domains with base type, default, NOT NULL and CHECK constraints. */
export async function readDomains(client: pg.ClientBase, major: number): Promise<DomainType[]> {
  const rows = await readCatalogRows<Omit<DomainType, 'key'>>(client, 'domains', major);
  return rows.map((r) => ({ ...r, key: `pg_type:${r.oid}` }));
}
