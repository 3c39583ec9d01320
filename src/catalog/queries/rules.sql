-- Rewrite rules other than the _RETURN rules that make views, with their enabled state.
SELECT r.oid::int8 AS oid, c.oid::int8 AS rel_oid, n.nspname AS schema, c.relname AS "table", r.rulename AS name,
       pg_get_ruledef(r.oid) AS definition, r.ev_enabled AS enabled, obj_description(r.oid, 'pg_rewrite') AS comment
FROM pg_rewrite r
JOIN pg_class c ON c.oid = r.ev_class
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE r.rulename <> '_RETURN'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND n.nspname !~ '^pg_(toast|temp)'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
ORDER BY 3, 4, 5;
