-- Functions (PostgreSQL 10: no procedures, no prokind).
SELECT p.oid::int8 AS oid, n.nspname AS schema, p.proname AS name,
       CASE WHEN p.proiswindow THEN 'w' ELSE 'f' END AS kind,
       pg_get_userbyid(p.proowner) AS owner, l.lanname AS language,
       pg_get_function_identity_arguments(p.oid) AS identity_args,
       CASE WHEN l.lanname <> 'c' THEN pg_get_functiondef(p.oid) END AS definition,
       obj_description(p.oid, 'pg_proc') AS comment,
       CASE WHEN p.proacl IS NOT NULL THEN coalesce((SELECT json_agg(json_build_object('grantee', CASE WHEN x.grantee = 0 THEN NULL ELSE pg_get_userbyid(x.grantee) END, 'grantor', pg_get_userbyid(x.grantor), 'privilege', x.privilege_type, 'grantable', x.is_grantable) ORDER BY x.ord) FROM aclexplode(p.proacl) WITH ORDINALITY AS x(grantor, grantee, privilege_type, is_grantable, ord)), '[]') END AS acl
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE NOT p.proisagg
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND n.nspname !~ '^pg_(toast|temp)'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype IN ('e', 'i'))
ORDER BY 2, 3, 7;
