-- User collations. Provider-specific columns differ between majors (colliculocale 15-16,
-- colllocale 17+, collicurules 16+, collisdeterministic 12+), so the row comes whole as JSON.
SELECT c.oid::int8 AS oid, n.nspname AS schema, c.collname AS name, pg_get_userbyid(c.collowner) AS owner,
       obj_description(c.oid, 'pg_collation') AS comment, to_jsonb(c) AS raw
FROM pg_collation c
JOIN pg_namespace n ON n.oid = c.collnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND n.nspname !~ '^pg_(toast|temp)'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_collation'::regclass AND e.objid = c.oid AND e.deptype = 'e')
ORDER BY 2, 3;
