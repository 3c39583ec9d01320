/** Reads tables, views and materialized views with their columns and constraints. */
import type pg from 'pg';
import type { Column, Constraint, Relation } from './model.js';
import { readCatalogRows } from './run-query.js';

/** Tables, views and materialized views, each with its columns and constraints. */
export async function readRelations(client: pg.ClientBase, major: number): Promise<Relation[]> {
  // side by side when the client is a pool of connections (each takes 0.5–1.5 s at 10,000 tables)
  const [rels, cols, cons] = await Promise.all([
    readCatalogRows<Omit<Relation, 'key' | 'columns' | 'constraints'>>(client, 'relations', major),
    readCatalogRows<Column & { relOid: number }>(client, 'columns', major),
    readCatalogRows<Omit<Constraint, 'key'>>(client, 'constraints', major),
  ]);
  const byOid = new Map<number, Relation>();
  const out = rels.map((r) => {
    const rel: Relation = { ...r, key: `pg_class:${r.oid}`, columns: [], constraints: [] };
    byOid.set(r.oid, rel);
    return rel;
  });
  for (const { relOid, ...c } of cols) byOid.get(relOid)?.columns.push(c);
  for (const c of cons) byOid.get(c.relOid)?.constraints.push({ ...c, key: `pg_constraint:${c.oid}` });
  return out;
}
