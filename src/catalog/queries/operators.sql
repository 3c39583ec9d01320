-- User operators (shells, which only a commutator or negator reference made, are left out: the
-- CREATE OPERATOR that names them makes them again).
SELECT o.oid::int8 AS oid, n.nspname AS schema, o.oprname AS name, pg_get_userbyid(o.oprowner) AS owner,
       obj_description(o.oid, 'pg_operator') AS comment, o.oprkind AS op_kind,
       CASE WHEN o.oprleft <> 0 THEN format_type(o.oprleft, NULL) END AS left_type,
       CASE WHEN o.oprright <> 0 THEN format_type(o.oprright, NULL) END AS right_type,
       o.oprcode::text AS function,
       (SELECT format('OPERATOR(%I.%s)', cn.nspname, c.oprname) FROM pg_operator c JOIN pg_namespace cn ON cn.oid = c.oprnamespace WHERE c.oid = o.oprcom) AS commutator,
       (SELECT format('OPERATOR(%I.%s)', cn.nspname, c.oprname) FROM pg_operator c JOIN pg_namespace cn ON cn.oid = c.oprnamespace WHERE c.oid = o.oprnegate) AS negator,
       nullif(o.oprrest::oid, 0)::regproc::text AS restrict, nullif(o.oprjoin::oid, 0)::regproc::text AS "join",
       o.oprcanhash AS hashes, o.oprcanmerge AS merges
FROM pg_operator o
JOIN pg_namespace n ON n.oid = o.oprnamespace
WHERE o.oprcode <> 0
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND n.nspname !~ '^pg_(toast|temp)'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_operator'::regclass AND e.objid = o.oid AND e.deptype = 'e')
ORDER BY 2, 3, 7, 8;
