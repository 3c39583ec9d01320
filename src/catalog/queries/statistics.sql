-- Extended statistics objects; the statistics target column is 13+ (NULL = default from 17).
SELECT s.oid::int8 AS oid, n.nspname AS schema, s.stxname AS name, pg_get_userbyid(s.stxowner) AS owner,
       s.stxrelid::int8 AS rel_oid, pg_get_statisticsobjdef(s.oid) AS definition,
       nullif((to_jsonb(s) ->> 'stxstattarget')::int, -1) AS stat_target,
       obj_description(s.oid, 'pg_statistic_ext') AS comment
FROM pg_statistic_ext s
JOIN pg_namespace n ON n.oid = s.stxnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND n.nspname !~ '^pg_(toast|temp)'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_statistic_ext'::regclass AND e.objid = s.oid AND e.deptype = 'e')
ORDER BY 2, 3;
