/** Reads user-defined types: enums, composites, domains, ranges, base and shell types. */
import type pg from 'pg';
import type { BaseType, CompositeType, DomainType, EnumType, RangeType } from './model.js';
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

/** Range types (and the names of their multiranges). */
export async function readRanges(client: pg.ClientBase, major: number): Promise<RangeType[]> {
  const rows = await readCatalogRows<Omit<RangeType, 'key'>>(client, 'ranges', major);
  return rows.map((r) => ({ ...r, key: `pg_type:${r.oid}` }));
}

/** Base types with their support functions, and shell types never completed. */
export async function readBaseTypes(client: pg.ClientBase, major: number): Promise<BaseType[]> {
  const rows = await readCatalogRows<Omit<BaseType, 'key'>>(client, 'base-types', major);
  return rows.map((r) => ({ ...r, ioFunctions: r.ioFunctions.map(Number), key: `pg_type:${r.oid}` }));
}
