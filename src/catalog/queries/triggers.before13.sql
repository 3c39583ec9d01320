-- User triggers (before PostgreSQL 13: clones on partitions are internal).
SELECT g.oid::int8 AS oid, g.tgrelid::int8 AS rel_oid, n.nspname AS schema, c.relname AS "table",
       g.tgname AS name, pg_get_triggerdef(g.oid) AS definition, g.tgenabled AS enabled,
       obj_description(g.oid, 'pg_trigger') AS comment, '[]'::json AS clone_states
FROM pg_trigger g
JOIN pg_class c ON c.oid = g.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT g.tgisinternal
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND n.nspname !~ '^pg_(toast|temp)'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
ORDER BY 3, 4, 5;
