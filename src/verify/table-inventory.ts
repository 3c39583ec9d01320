/** Lists the user tables verify compares, with the columns and key it needs to checksum them. */
import type pg from 'pg';
import { displayName } from '../pg/quote.js';

export interface VerifyTable {
  id: string;
  schema: string;
  name: string;
  columns: { name: string; type: string; typeOid: number }[];
  /** Primary key (or unique not-null) columns, used to split large tables into ranges. */
  key: string[];
  estimatedRows: number;
  /**
   * The role may read every row: USAGE on the schema, SELECT on the table (or on every column),
   * and no row-level security active for it (it would hide rows from both counts and checksums).
   */
  readable: boolean;
}

const INVENTORY_SQL = `
SELECT n.nspname AS schema, c.relname AS name, greatest(c.reltuples, 0)::float8 AS est,
       coalesce((SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'typeOid', a.atttypid::int8) ORDER BY a.attnum)
                 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]') AS columns,
       coalesce((SELECT json_agg(a.attname ORDER BY k.ord)
                 FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                 WHERE i.indexrelid = (SELECT i2.indexrelid FROM pg_index i2 WHERE i2.indrelid = c.oid AND i2.indisprimary LIMIT 1)), '[]') AS key,
       has_schema_privilege(n.oid, 'USAGE')
         AND (has_table_privilege(c.oid, 'SELECT')
              OR (has_any_column_privilege(c.oid, 'SELECT')
                  AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                                    AND NOT has_column_privilege(c.oid, a.attnum, 'SELECT'))))
         AND NOT (c.relkind = 'r' AND row_security_active(c.oid)) AS readable
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE (c.relkind = 'r' OR (c.relkind = 'm' AND c.relispopulated))
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND n.nspname !~ '^pg_(toast|temp)'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
ORDER BY 1, 2`;

/** Every table and populated materialized view, by `schema.name`. */
export async function listTables(client: pg.Client): Promise<Map<string, VerifyTable>> {
  const r = await client.query<{ schema: string; name: string; est: number; columns: VerifyTable['columns']; key: string[]; readable: boolean }>(INVENTORY_SQL);
  return new Map(
    r.rows.map((row) => {
      const id = displayName(row.schema, row.name);
      return [id, { id, schema: row.schema, name: row.name, columns: row.columns, key: row.key, estimatedRows: row.est, readable: row.readable }];
    }),
  );
}

const SEQUENCES_SQL = `
SELECT n.nspname AS schema, c.relname AS name,
       has_schema_privilege(n.oid, 'USAGE') AND has_sequence_privilege(c.oid, 'SELECT') AS readable
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'S' AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND n.nspname !~ '^pg_(toast|temp)'
ORDER BY 1, 2`;

/** Every user sequence; readable: the role may read its position (SELECT on it). */
export async function listSequences(client: pg.Client): Promise<{ schema: string; name: string; readable: boolean }[]> {
  return (await client.query<{ schema: string; name: string; readable: boolean }>(SEQUENCES_SQL)).rows;
}
