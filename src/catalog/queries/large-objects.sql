-- Large objects: owner, privileges and comment (the data is read in chunks during the copy).
SELECT m.oid::int8 AS oid, pg_get_userbyid(m.lomowner) AS owner,
       obj_description(m.oid, 'pg_largeobject') AS comment,
       CASE WHEN m.lomacl IS NOT NULL THEN coalesce((SELECT json_agg(json_build_object('grantee', CASE WHEN x.grantee = 0 THEN NULL ELSE pg_get_userbyid(x.grantee) END, 'grantor', pg_get_userbyid(x.grantor), 'privilege', x.privilege_type, 'grantable', x.is_grantable) ORDER BY x.ord) FROM aclexplode(m.lomacl) WITH ORDINALITY AS x(grantor, grantee, privilege_type, is_grantable, ord)), '[]') END AS acl
FROM pg_largeobject_metadata m
ORDER BY 1;
