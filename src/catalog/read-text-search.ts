/** Reads text search parsers, templates, dictionaries and configurations. */
import type pg from 'pg';
import type { TextSearchObj } from './model.js';
import { readCatalogRows } from './run-query.js';

const CATALOG = { parser: 'pg_ts_parser', template: 'pg_ts_template', dictionary: 'pg_ts_dict', configuration: 'pg_ts_config' } as const;

/** Every text search object, parsers and templates first. */
export async function readTextSearch(client: pg.ClientBase, major: number): Promise<TextSearchObj[]> {
  const rows = await readCatalogRows<Omit<TextSearchObj, 'key' | 'acl' | 'owner'> & { owner: string | null }>(client, 'text-search', major);
  return rows.map((r) => ({ ...r, owner: r.owner ?? '', acl: null, key: `${CATALOG[r.tsKind]}:${r.oid}` }));
}
