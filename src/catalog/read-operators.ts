/** Reads operators, operator families and classes, casts, languages, transforms, conversions and access methods. */
import type pg from 'pg';
import type { CastObj, OpClassObj, OpFamilyObj, OperatorObj, ProceduralObj, SkippedObject } from './model.js';
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

const PROC_CATALOG = { language: 'pg_language', transform: 'pg_transform', conversion: 'pg_conversion', 'access method': 'pg_am' } as const;

/** Procedural languages not made by extensions, transforms, conversions and access methods. */
export async function readProcedural(client: pg.ClientBase, major: number): Promise<ProceduralObj[]> {
  const rows = await readCatalogRows<Omit<ProceduralObj, 'key'>>(client, 'procedural', major);
  return rows.map((r) => ({ ...r, key: `${PROC_CATALOG[r.procKind]}:${r.oid}` }));
}

/** Subscriptions, reported as skipped. */
export async function readSubscriptions(client: pg.ClientBase, major: number): Promise<SkippedObject[]> {
  const rows = await readCatalogRows<{ name: string }>(client, 'subscriptions', major);
  return rows.map((r) => ({
    kind: 'subscription',
    name: r.name,
    reason: 'subscriptions are not migrated: on the target it would connect to its publisher and start copying; create it there when ready',
  }));
}
