-- ALTER DEFAULT PRIVILEGES entries: whose, in which schema (NULL = everywhere), for which kind.
SELECT d.oid::int8 AS oid, pg_get_userbyid(d.defaclrole) AS role, n.nspname AS schema, d.defaclobjtype AS obj_type,
       CASE WHEN d.defaclacl IS NOT NULL THEN coalesce((SELECT json_agg(json_build_object('grantee', CASE WHEN x.grantee = 0 THEN NULL ELSE pg_get_userbyid(x.grantee) END, 'grantor', pg_get_userbyid(x.grantor), 'privilege', x.privilege_type, 'grantable', x.is_grantable) ORDER BY x.ord) FROM aclexplode(d.defaclacl) WITH ORDINALITY AS x(grantor, grantee, privilege_type, is_grantable, ord)), '[]') END AS acl
FROM pg_default_acl d
LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
ORDER BY 2, 3 NULLS FIRST, 4;
