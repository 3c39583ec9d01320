/** Reads sequences, standalone, owned by a column, or backing an identity column. */
import type pg from 'pg';
import type { SequenceObj } from './model.js';
import { readCatalogRows } from './run-query.js';

interface Row extends Omit<SequenceObj, 'key' | 'ownedBy'> {
  ownedByTable: number | null;
  ownedBySchema: string | null;
  ownedByTableName: string | null;
  ownedByColumn: string | null;
}

/** Sequences with their options and the column that owns them, if any. */
export async function readSequences(client: pg.ClientBase, major: number): Promise<SequenceObj[]> {
  const rows = await readCatalogRows<Row>(client, 'sequences', major);
  return rows.map(({ ownedByTable, ownedBySchema, ownedByTableName, ownedByColumn, ...r }) => ({
    ...r,
    identity: r.identity === true,
    key: `pg_class:${r.oid}`,
    ownedBy:
      ownedByTable !== null
        ? { tableOid: ownedByTable, schema: ownedBySchema!, table: ownedByTableName!, column: ownedByColumn! }
        : null,
  }));
}
