/** Reads operators, operator families and classes, and casts. */
import type pg from 'pg';
import type { CastObj, OpClassObj, OpFamilyObj, OperatorObj } from './model.js';
import { readCatalogRows } from './run-query.js';

/** User operators (not shells). */
export async function readOperators(client: pg.ClientBase, major: number): Promise<OperatorObj[]> {
  const rows = await readCatalogRows<Omit<OperatorObj, 'key' | 'acl'>>(client, 'operators', major);
  return rows.map((r) => ({ ...r, acl: null, key: `pg_operator:${r.oid}` }));
}

/** Operator families with their loosely bound members. */
export async function readOpFamilies(client: pg.ClientBase, major: number): Promise<OpFamilyObj[]> {
  const rows = await readCatalogRows<Omit<OpFamilyObj, 'key' | 'acl'>>(client, 'opfamilies', major);
  return rows.map((r) => ({ ...r, acl: null, key: `pg_opfamily:${r.oid}` }));
}

/** Operator classes with their operators and support functions. */
export async function readOpClasses(client: pg.ClientBase, major: number): Promise<OpClassObj[]> {
  const rows = await readCatalogRows<Omit<OpClassObj, 'key' | 'acl'>>(client, 'opclasses', major);
  return rows.map((r) => ({ ...r, acl: null, key: `pg_opclass:${r.oid}` }));
}

/** User-created casts. */
export async function readCasts(client: pg.ClientBase, major: number): Promise<CastObj[]> {
  const rows = await readCatalogRows<Omit<CastObj, 'key'>>(client, 'casts', major);
  return rows.map((r) => ({ ...r, key: `pg_cast:${r.oid}` }));
}
