/**
 * The source's schemas, tables and columns, for choosing what to migrate (the console's
 * Available tree). Extension members, system schemas, partitions (they follow their parent) and
 * sequences owned by a column (they follow their table) are left out.
 */
import type pg from 'pg';

export interface ObjectTree {
  schemas: {
    name: string;
    tables: { name: string; kind: 'table' | 'view' | 'materialized view' | 'foreign table' | 'sequence'; hasKey: boolean; rows: number; columns: { name: string; type: string }[] }[];
  }[];
}

const SQL = `
SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind, greatest(c.reltuples, 0)::float8 AS rows,
       EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid AND (i.indisprimary OR i.indisunique)) AS has_key,
       coalesce((SELECT json_agg(json_build_object('name', a.attname, 'type', pg_catalog.format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)
                 FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind <> 'S'), '[]') AS columns
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND n.nspname !~ '^pg_(toast|temp)'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = 'pg_catalog.pg_class'::regclass AND e.objid = c.oid AND (e.deptype = 'e' OR (c.relkind = 'S' AND e.deptype IN ('a', 'i'))))
ORDER BY 1, 2`;

const KINDS = { r: 'table', p: 'table', v: 'view', m: 'materialized view', f: 'foreign table', S: 'sequence' } as const;

/** Every user schema (empty ones too) with its tables, views and sequences and their columns. */
export async function listObjects(client: pg.ClientBase): Promise<ObjectTree> {
  const schemas = await client.query<{ name: string }>(
    "SELECT nspname AS name FROM pg_catalog.pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND nspname !~ '^pg_(toast|temp)' ORDER BY 1",
  );
  const rels = await client.query<{ schema: string; name: string; kind: keyof typeof KINDS; rows: number; has_key: boolean; columns: { name: string; type: string }[] }>(SQL);
  const bySchema = new Map(schemas.rows.map((s) => [s.name, [] as ObjectTree['schemas'][number]['tables']]));
  for (const r of rels.rows) bySchema.get(r.schema)?.push({ name: r.name, kind: KINDS[r.kind], hasKey: r.has_key, rows: Math.round(r.rows), columns: r.columns });
  return { schemas: [...bySchema].map(([name, tables]) => ({ name, tables })) };
}
