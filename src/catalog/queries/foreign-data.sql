-- Foreign data wrappers, foreign servers and user mappings (options of mappings come from the
-- pg_user_mappings view, which shows them only where the reader may see them).
SELECT 'wrapper' AS fd_kind, w.oid::int8 AS oid, w.fdwname AS name, pg_get_userbyid(w.fdwowner) AS owner,
       obj_description(w.oid, 'pg_foreign_data_wrapper') AS comment,
       CASE WHEN w.fdwacl IS NOT NULL THEN coalesce((SELECT json_agg(json_build_object('grantee', CASE WHEN x.grantee = 0 THEN NULL ELSE pg_get_userbyid(x.grantee) END, 'grantor', pg_get_userbyid(x.grantor), 'privilege', x.privilege_type, 'grantable', x.is_grantable) ORDER BY x.ord) FROM aclexplode(w.fdwacl) WITH ORDINALITY AS x(grantor, grantee, privilege_type, is_grantable, ord)), '[]') END AS acl,
       json_build_object('handler', nullif(w.fdwhandler::oid, 0)::regproc::text, 'validator', nullif(w.fdwvalidator::oid, 0)::regproc::text) AS parts,
       w.fdwoptions AS options
FROM pg_foreign_data_wrapper w
WHERE NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_foreign_data_wrapper'::regclass AND e.objid = w.oid AND e.deptype = 'e')
UNION ALL
SELECT 'server', s.oid::int8, s.srvname, pg_get_userbyid(s.srvowner), obj_description(s.oid, 'pg_foreign_server'),
       CASE WHEN s.srvacl IS NOT NULL THEN coalesce((SELECT json_agg(json_build_object('grantee', CASE WHEN x.grantee = 0 THEN NULL ELSE pg_get_userbyid(x.grantee) END, 'grantor', pg_get_userbyid(x.grantor), 'privilege', x.privilege_type, 'grantable', x.is_grantable) ORDER BY x.ord) FROM aclexplode(s.srvacl) WITH ORDINALITY AS x(grantor, grantee, privilege_type, is_grantable, ord)), '[]') END,
       json_build_object('wrapper', w.fdwname, 'type', s.srvtype, 'version', s.srvversion, 'wrapper_oid', w.oid::int8),
       s.srvoptions
FROM pg_foreign_server s JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
WHERE NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_foreign_server'::regclass AND e.objid = s.oid AND e.deptype = 'e')
UNION ALL
SELECT 'user mapping', u.umid::int8, u.srvname, CASE WHEN u.umuser = 0 THEN NULL ELSE u.usename::text END, NULL, NULL,
       json_build_object('server_oid', u.srvid::int8), u.umoptions
FROM pg_user_mappings u
ORDER BY 1, 3;
