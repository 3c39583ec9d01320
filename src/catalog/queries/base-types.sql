-- Base types (CREATE TYPE name (INPUT = ..., OUTPUT = ...)), not the array types made for them,
-- and shell types never completed. Support-function columns differ between majors
-- (typsubscript 14+), so the pg_type row comes whole as JSON (reg* columns print qualified).
SELECT t.oid::int8 AS oid, n.nspname AS schema, t.typname AS name, pg_get_userbyid(t.typowner) AS owner,
       obj_description(t.oid, 'pg_type') AS comment,
       CASE WHEN t.typacl IS NOT NULL THEN coalesce((SELECT json_agg(json_build_object('grantee', CASE WHEN x.grantee = 0 THEN NULL ELSE pg_get_userbyid(x.grantee) END, 'grantor', pg_get_userbyid(x.grantor), 'privilege', x.privilege_type, 'grantable', x.is_grantable) ORDER BY x.ord) FROM aclexplode(t.typacl) WITH ORDINALITY AS x(grantor, grantee, privilege_type, is_grantable, ord)), '[]') END AS acl,
       t.typisdefined AS defined,
       CASE WHEN t.typelem <> 0 THEN format_type(t.typelem, NULL) END AS element,
       CASE WHEN t.typcollation <> 0 THEN true ELSE false END AS collatable,
       to_jsonb(t) AS raw,
       array(SELECT p::int8 FROM unnest(ARRAY[t.typinput::oid, t.typoutput::oid, t.typreceive::oid, t.typsend::oid,
                                              t.typmodin::oid, t.typmodout::oid, t.typanalyze::oid,
                                              coalesce((to_jsonb(t) ->> 'typsubscript')::regproc::oid, 0)]) p WHERE p <> 0) AS io_functions
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE (t.typtype = 'b' OR (t.typtype = 'p' AND NOT t.typisdefined))
  AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.typarray = t.oid)
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND n.nspname !~ '^pg_(toast|temp)'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid AND e.deptype = 'e')
ORDER BY 2, 3;
