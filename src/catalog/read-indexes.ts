/** Reads indexes and triggers (post-data objects). */
import type pg from 'pg';
import type { IndexObj, TriggerObj } from './model.js';
import { readCatalogRows } from './run-query.js';

/** Indexes, with the constraint they back and the partitioned index they attach to. */
export async function readIndexes(client: pg.ClientBase, major: number): Promise<IndexObj[]> {
  const rows = await readCatalogRows<Omit<IndexObj, 'key'>>(client, 'indexes', major);
  return rows.map((r) => ({ ...r, key: `pg_class:${r.oid}` }));
}

/** User triggers (not internal ones, not clones on partitions). */
export async function readTriggers(client: pg.ClientBase, major: number): Promise<TriggerObj[]> {
  const rows = await readCatalogRows<Omit<TriggerObj, 'key'>>(client, 'triggers', major);
  return rows.map((r) => ({ ...r, key: `pg_trigger:${r.oid}` }));
}
