-- Domains: base type, collation, default, NOT NULL and CHECK constraints. From 17 a domain's NOT
-- NULL is a named constraint (contype 'n'): its name and comment; NULL on older servers.
SELECT t.oid::int8 AS oid, n.nspname AS schema, t.typname AS name, pg_get_userbyid(t.typowner) AS owner,
       obj_description(t.oid, 'pg_type') AS comment,
       CASE WHEN t.typacl IS NOT NULL THEN coalesce((SELECT json_agg(json_build_object('grantee', CASE WHEN x.grantee = 0 THEN NULL ELSE pg_get_userbyid(x.grantee) END, 'grantor', pg_get_userbyid(x.grantor), 'privilege', x.privilege_type, 'grantable', x.is_grantable) ORDER BY x.ord) FROM aclexplode(t.typacl) WITH ORDINALITY AS x(grantor, grantee, privilege_type, is_grantable, ord)), '[]') END AS acl,
       format_type(t.typbasetype, t.typtypmod) AS base_type,
       CASE WHEN t.typcollation <> bt.typcollation
            THEN (SELECT format('%I.%I', cn.nspname, co.collname) FROM pg_collation co
                  JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = t.typcollation) END AS collation,
       t.typdefault AS default_expr,
       t.typnotnull AS not_null,
       (SELECT json_build_object('name', k.conname, 'comment', obj_description(k.oid, 'pg_constraint'))
        FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'n') AS not_null_constraint,
       coalesce((SELECT json_agg(json_build_object(
                  'name', k.conname, 'definition', pg_get_constraintdef(k.oid),
                  'validated', k.convalidated, 'comment', obj_description(k.oid, 'pg_constraint')) ORDER BY k.conname)
                 FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c'), '[]') AS constraints
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
JOIN pg_type bt ON bt.oid = t.typbasetype
WHERE t.typtype = 'd'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND n.nspname !~ '^pg_(toast|temp)'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid AND e.deptype = 'e')
ORDER BY 2, 3;
