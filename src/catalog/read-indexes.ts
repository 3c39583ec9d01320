/** Reads indexes and triggers (post-data objects). */
import type pg from 'pg';
import type { IndexObj, TriggerObj } from './model.js';
import { readCatalogRows } from './run-query.js';

export async function readIndexes(client: pg.ClientBase, major: number): Promise<IndexObj[]> {
  const rows = await readCatalogRows<Omit<IndexObj, 'key'>>(client, 'indexes', major);
  return rows.map((r) => ({ ...r, key: `pg_class:${r.oid}` }));
}

export async function readTriggers(client: pg.ClientBase, major: number): Promise<TriggerObj[]> {
  const rows = await readCatalogRows<Omit<TriggerObj, 'key'>>(client, 'triggers', major);
  return rows.map((r) => ({ ...r, key: `pg_trigger:${r.oid}` }));
}
