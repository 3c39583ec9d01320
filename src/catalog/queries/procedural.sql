-- Procedural languages not made by an extension, transforms, conversions and access methods: one
-- row each, with what the CREATE statement needs in 'parts'.
SELECT 'language' AS proc_kind, l.oid::int8 AS oid, NULL::text AS schema, l.lanname AS name, pg_get_userbyid(l.lanowner) AS owner,
       obj_description(l.oid, 'pg_language') AS comment,
       CASE WHEN l.lanacl IS NOT NULL THEN coalesce((SELECT json_agg(json_build_object('grantee', CASE WHEN x.grantee = 0 THEN NULL ELSE pg_get_userbyid(x.grantee) END, 'grantor', pg_get_userbyid(x.grantor), 'privilege', x.privilege_type, 'grantable', x.is_grantable) ORDER BY x.ord) FROM aclexplode(l.lanacl) WITH ORDINALITY AS x(grantor, grantee, privilege_type, is_grantable, ord)), '[]') END AS acl,
       json_build_object('trusted', l.lanpltrusted, 'handler', nullif(l.lanplcallfoid, 0)::regproc::text,
                         'inline', nullif(l.laninline, 0)::regproc::text, 'validator', nullif(l.lanvalidator, 0)::regproc::text) AS parts
FROM pg_language l
WHERE l.oid >= 16384
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_language'::regclass AND e.objid = l.oid AND e.deptype = 'e')
UNION ALL
SELECT 'transform', t.oid::int8, NULL, format_type(t.trftype, NULL) || ' LANGUAGE ' || quote_ident(l.lanname), '', obj_description(t.oid, 'pg_transform'), NULL,
       json_build_object('type', format_type(t.trftype, NULL), 'language', l.lanname,
                         'fromsql', nullif(t.trffromsql::oid, 0)::regprocedure::text, 'tosql', nullif(t.trftosql::oid, 0)::regprocedure::text)
FROM pg_transform t JOIN pg_language l ON l.oid = t.trflang
WHERE t.oid >= 16384
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_transform'::regclass AND e.objid = t.oid AND e.deptype = 'e')
UNION ALL
SELECT 'conversion', c.oid::int8, n.nspname, c.conname, pg_get_userbyid(c.conowner), obj_description(c.oid, 'pg_conversion'), NULL,
       json_build_object('from', pg_encoding_to_char(c.conforencoding), 'to', pg_encoding_to_char(c.contoencoding),
                         'function', c.conproc::text, 'default', c.condefault)
FROM pg_conversion c JOIN pg_namespace n ON n.oid = c.connamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND n.nspname !~ '^pg_(toast|temp)'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_conversion'::regclass AND e.objid = c.oid AND e.deptype = 'e')
UNION ALL
SELECT 'access method', a.oid::int8, NULL, a.amname, '', obj_description(a.oid, 'pg_am'), NULL,
       json_build_object('type', a.amtype, 'handler', a.amhandler::text)
FROM pg_am a
WHERE a.oid >= 16384
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_am'::regclass AND e.objid = a.oid AND e.deptype = 'e')
ORDER BY 1, 3 NULLS FIRST, 4;
