-- Indexes, with the constraint they back (if any) and the partitioned index they are attached to.
SELECT i.indexrelid::int8 AS oid, i.indrelid::int8 AS rel_oid, n.nspname AS schema, ic.relname AS name,
       tc.relname AS "table", pg_get_indexdef(i.indexrelid) AS definition,
       ic.relkind = 'I' AS partitioned, i.indisclustered AS clustered, i.indisreplident AS replica_identity,
       k.oid::int8 AS constraint_oid,
       CASE WHEN pc.oid IS NOT NULL THEN format('%I.%I', pn.nspname, pc.relname) END AS parent_index,
       obj_description(i.indexrelid, 'pg_class') AS comment,
       -- columns only, no expression and no predicate: rows can be indexed as they arrive
       i.indexprs IS NULL AND i.indpred IS NULL AS plain_columns,
       -- statistics targets set on expression columns (ALTER INDEX ... ALTER COLUMN n SET STATISTICS)
       st.column_stats
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class tc ON tc.oid = i.indrelid
JOIN pg_namespace n ON n.oid = ic.relnamespace
-- joins, not correlated subqueries: pg_constraint has no index on conindid
LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x')
LEFT JOIN pg_inherits h ON h.inhrelid = i.indexrelid
LEFT JOIN pg_class pc ON pc.oid = h.inhparent
LEFT JOIN pg_namespace pn ON pn.oid = pc.relnamespace
-- joined, not a subquery per index: one pass over pg_attribute (attstattarget is -1, or NULL
-- from 17, unless set)
LEFT JOIN (SELECT a.attrelid, json_agg(json_build_object('num', a.attnum, 'target', a.attstattarget) ORDER BY a.attnum) AS column_stats
           FROM pg_attribute a WHERE coalesce(a.attstattarget, -1) >= 0 GROUP BY a.attrelid) st ON st.attrelid = i.indexrelid
WHERE tc.relkind IN ('r', 'p', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND n.nspname !~ '^pg_(toast|temp)'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = tc.oid AND e.deptype = 'e')
ORDER BY 3, 5, 4;
