-- Foreign data wrappers, foreign servers and user mappings. Options of mappings come from the
-- pg_user_mappings view, which shows them only to a superuser, to the server's owner (a PUBLIC
-- mapping or any) and to the mapped user with USAGE on the server; options_visible repeats the
-- view's own test, so that hidden options are not taken for none.
SELECT 'wrapper' AS fd_kind, w.oid::int8 AS oid, w.fdwname AS name, pg_get_userbyid(w.fdwowner) AS owner,
       obj_description(w.oid, 'pg_foreign_data_wrapper') AS comment,
       CASE WHEN w.fdwacl IS NOT NULL THEN coalesce((SELECT json_agg(json_build_object('grantee', CASE WHEN x.grantee = 0 THEN NULL ELSE pg_get_userbyid(x.grantee) END, 'grantor', pg_get_userbyid(x.grantor), 'privilege', x.privilege_type, 'grantable', x.is_grantable) ORDER BY x.ord) FROM aclexplode(w.fdwacl) WITH ORDINALITY AS x(grantor, grantee, privilege_type, is_grantable, ord)), '[]') END AS acl,
       json_build_object('handler', nullif(w.fdwhandler::oid, 0)::regproc::text, 'validator', nullif(w.fdwvalidator::oid, 0)::regproc::text) AS parts,
       w.fdwoptions AS options, true AS options_visible
FROM pg_foreign_data_wrapper w
WHERE NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_foreign_data_wrapper'::regclass AND e.objid = w.oid AND e.deptype = 'e')
UNION ALL
SELECT 'server', s.oid::int8, s.srvname, pg_get_userbyid(s.srvowner), obj_description(s.oid, 'pg_foreign_server'),
       CASE WHEN s.srvacl IS NOT NULL THEN coalesce((SELECT json_agg(json_build_object('grantee', CASE WHEN x.grantee = 0 THEN NULL ELSE pg_get_userbyid(x.grantee) END, 'grantor', pg_get_userbyid(x.grantor), 'privilege', x.privilege_type, 'grantable', x.is_grantable) ORDER BY x.ord) FROM aclexplode(s.srvacl) WITH ORDINALITY AS x(grantor, grantee, privilege_type, is_grantable, ord)), '[]') END,
       json_build_object('wrapper', w.fdwname, 'type', s.srvtype, 'version', s.srvversion, 'wrapper_oid', w.oid::int8),
       s.srvoptions, true
FROM pg_foreign_server s JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
WHERE NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_foreign_server'::regclass AND e.objid = s.oid AND e.deptype = 'e')
UNION ALL
SELECT 'user mapping', u.umid::int8, u.srvname, CASE WHEN u.umuser = 0 THEN NULL ELSE u.usename::text END, NULL, NULL,
       json_build_object('server_oid', u.srvid::int8), u.umoptions,
       (u.umuser <> 0 AND u.usename = current_user AND (pg_has_role(s.srvowner, 'USAGE') OR has_server_privilege(s.oid, 'USAGE')))
         OR (u.umuser = 0 AND pg_has_role(s.srvowner, 'USAGE'))
         OR coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user), false)
FROM pg_user_mappings u JOIN pg_foreign_server s ON s.oid = u.srvid
ORDER BY 1, 3;
