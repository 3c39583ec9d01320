-- User triggers with their enabled state; triggers cloned onto partitions are left out.
SELECT g.oid::int8 AS oid, g.tgrelid::int8 AS rel_oid, n.nspname AS schema, c.relname AS "table",
       g.tgname AS name, pg_get_triggerdef(g.oid) AS definition, g.tgenabled AS enabled,
       obj_description(g.oid, 'pg_trigger') AS comment,
       -- clones on partitions whose state may not follow from the partitioned table's trigger: one
       -- that differs from it, or any when that one is not plainly enabled (whether ALTER TABLE
       -- recurses to partitions for triggers changed between majors)
       (WITH RECURSIVE clones AS (
          SELECT k.oid, k.tgrelid, k.tgenabled, g.tgenabled AS parent_enabled, 1 AS depth FROM pg_trigger k WHERE k.tgparentid = g.oid
          UNION ALL
          SELECT k.oid, k.tgrelid, k.tgenabled, cl.tgenabled, cl.depth + 1 FROM pg_trigger k JOIN clones cl ON k.tgparentid = cl.oid)
        SELECT coalesce(json_agg(json_build_object('schema', kn.nspname, 'table', kc.relname, 'enabled', cl.tgenabled) ORDER BY cl.depth, kc.relname), '[]')
        FROM clones cl JOIN pg_class kc ON kc.oid = cl.tgrelid JOIN pg_namespace kn ON kn.oid = kc.relnamespace
        WHERE cl.tgenabled <> g.tgenabled OR g.tgenabled <> 'O') AS clone_states
FROM pg_trigger g
JOIN pg_class c ON c.oid = g.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT g.tgisinternal AND g.tgparentid = 0
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND n.nspname !~ '^pg_(toast|temp)'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
ORDER BY 3, 4, 5;
