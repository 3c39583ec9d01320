/**
 * The source's schemas, tables and columns, for choosing what to migrate (the console's
 * Available tree). Partitions are listed under their partitioned table (every level, whatever
 * schema they live in), since selecting the table takes them all; a partitioned table's rows are
 * the sum of its partitions'. Extension members, system schemas and sequences owned by a column
 * (they follow their table) are left out.
 */
import type pg from 'pg';

export interface ObjectTreeTable {
  name: string;
  kind: 'table' | 'view' | 'materialized view' | 'foreign table' | 'sequence';
  hasKey: boolean;
  rows: number;
  /** Bytes on disk with its TOAST (0 for a view or a sequence; a partitioned table's are its partitions'). */
  bytes: number;
  columns: { name: string; type: string }[];
  /** A partitioned table's partitions, each possibly partitioned in turn. */
  partitions?: ObjectTreePartition[];
}

/** A partition: it may live in another schema than its parent, and has a bound (`FOR VALUES ...`, `DEFAULT`). */
export interface ObjectTreePartition extends ObjectTreeTable {
  schema: string;
  bound: string;
}

export interface ObjectTree {
  schemas: { name: string; tables: ObjectTreeTable[] }[];
}

const SQL = `
SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name, c.relkind AS kind, greatest(c.reltuples, 0)::float8 AS rows,
       CASE WHEN c.relkind IN ('r', 'm') THEN pg_catalog.pg_relation_size(c.oid) + coalesce(pg_catalog.pg_relation_size(nullif(c.reltoastrelid, 0)), 0) ELSE 0 END::float8 AS bytes,
       CASE WHEN c.relispartition THEN (SELECT i.inhparent::int8 FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid) END AS parent,
       pg_catalog.pg_get_expr(c.relpartbound, c.oid) AS bound,
       EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid AND (i.indisprimary OR i.indisunique)) AS has_key,
       coalesce((SELECT json_agg(json_build_object('name', a.attname, 'type', pg_catalog.format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)
                 FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind <> 'S'), '[]') AS columns
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND n.nspname !~ '^pg_(toast|temp)'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = 'pg_catalog.pg_class'::regclass AND e.objid = c.oid AND (e.deptype = 'e' OR (c.relkind = 'S' AND e.deptype IN ('a', 'i'))))
ORDER BY 2, 3`;

const KINDS = { r: 'table', p: 'table', v: 'view', m: 'materialized view', f: 'foreign table', S: 'sequence' } as const;

interface Row {
  oid: string;
  schema: string;
  name: string;
  kind: keyof typeof KINDS;
  rows: number;
  bytes: number;
  parent: string | null;
  bound: string | null;
  has_key: boolean;
  columns: { name: string; type: string }[];
}

/** Every user schema (empty ones too) with its tables, views and sequences, their columns and partitions. */
export async function listObjects(client: pg.ClientBase): Promise<ObjectTree> {
  const schemas = await client.query<{ name: string }>(
    "SELECT nspname AS name FROM pg_catalog.pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND nspname !~ '^pg_(toast|temp)' ORDER BY 1",
  );
  const rels = (await client.query<Row>(SQL)).rows;
  const nodes = new Map<string, ObjectTreePartition>();
  for (const r of rels) {
    const node: ObjectTreePartition = { schema: r.schema, name: r.name, kind: KINDS[r.kind], hasKey: r.has_key, rows: Math.round(r.rows), bytes: r.bytes, columns: r.columns, bound: r.bound ?? '' };
    if (r.kind === 'p') node.partitions = [];
    nodes.set(r.oid, node);
  }
  const bySchema = new Map(schemas.rows.map((s) => [s.name, [] as ObjectTreeTable[]]));
  for (const r of rels) {
    const node = nodes.get(r.oid)!;
    const parent = r.parent !== null ? nodes.get(r.parent) : undefined;
    if (parent) parent.partitions?.push(node);
    else if (r.parent === null) {
      // the same partitions array: partitions found later land in it too
      const { schema: _s, bound: _b, ...table } = node;
      bySchema.get(r.schema)?.push(table);
    }
  }
  // a partitioned table holds no rows itself: its count and size are its partitions'
  const total = (t: ObjectTreeTable): void => {
    if (!t.partitions) return;
    t.partitions.forEach(total);
    t.rows = t.partitions.reduce((a, p) => a + p.rows, 0);
    t.bytes = t.partitions.reduce((a, p) => a + p.bytes, 0);
  };
  for (const tables of bySchema.values()) for (const t of tables) total(t);
  return { schemas: [...bySchema].map(([name, tables]) => ({ name, tables })) };
}
