-- Indexes, with the constraint they back (if any) and the partitioned index they are attached to.
SELECT i.indexrelid::int8 AS oid, i.indrelid::int8 AS rel_oid, n.nspname AS schema, ic.relname AS name,
       tc.relname AS "table", pg_get_indexdef(i.indexrelid) AS definition,
       ic.relkind = 'I' AS partitioned, i.indisclustered AS clustered, i.indisreplident AS replica_identity,
       (SELECT k.oid::int8 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid
          AND k.contype IN ('p', 'u', 'x') LIMIT 1) AS constraint_oid,
       (SELECT format('%I.%I', pn.nspname, pc.relname) FROM pg_inherits h JOIN pg_class pc ON pc.oid = h.inhparent
          JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE h.inhrelid = i.indexrelid) AS parent_index,
       pg_relation_size(i.indrelid)::int8 AS table_bytes,
       obj_description(i.indexrelid, 'pg_class') AS comment
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class tc ON tc.oid = i.indrelid
JOIN pg_namespace n ON n.oid = ic.relnamespace
WHERE tc.relkind IN ('r', 'p', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND n.nspname !~ '^pg_(toast|temp)'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = tc.oid AND e.deptype = 'e')
ORDER BY 3, 5, 4;
