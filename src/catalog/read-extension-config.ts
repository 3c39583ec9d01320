/** Reads the tables and sequences extensions keep their users' configuration in. */
import type pg from 'pg';
import type { ExtensionConfigRelation } from './model.js';
import { readCatalogRows } from './run-query.js';

/** Every extension's configuration tables and sequences (pg_extension.extconfig), with the filter of each. */
export async function readExtensionConfig(client: pg.ClientBase, major: number): Promise<ExtensionConfigRelation[]> {
  const rows = await readCatalogRows<Omit<ExtensionConfigRelation, 'extensionKey'> & { extensionOid: number }>(client, 'extension-config', major);
  return rows.map(({ extensionOid, ...r }) => ({ ...r, refs: r.refs.map(Number), extensionKey: `pg_extension:${extensionOid}` }));
}
