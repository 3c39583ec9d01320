-- Tables (plain, partitioned and foreign), views and materialized views.
SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name, c.relkind AS relkind,
       pg_get_userbyid(c.relowner) AS owner, obj_description(c.oid, 'pg_class') AS comment,
       CASE WHEN c.relacl IS NOT NULL THEN coalesce((SELECT json_agg(json_build_object('grantee', CASE WHEN x.grantee = 0 THEN NULL ELSE pg_get_userbyid(x.grantee) END, 'grantor', pg_get_userbyid(x.grantor), 'privilege', x.privilege_type, 'grantable', x.is_grantable) ORDER BY x.ord) FROM aclexplode(c.relacl) WITH ORDINALITY AS x(grantor, grantee, privilege_type, is_grantable, ord)), '[]') END AS acl,
       c.relpersistence AS persistence,
       -- the TOAST table's own options come along as toast.name=value
       array_cat(c.reloptions::text[], (SELECT array_agg('toast.' || o) FROM pg_class tc, unnest(tc.reloptions) o WHERE tc.oid = c.reltoastrelid)) AS options,
       c.relispartition AS is_partition,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
       coalesce((SELECT json_agg(json_build_object('schema', pn.nspname, 'name', pc.relname, 'oid', pc.oid::int8) ORDER BY i.inhseqno)
                 FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = pc.relnamespace
                 WHERE i.inhrelid = c.oid), '[]') AS parents,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS view_definition,
       c.relispopulated AS populated,
       c.relreplident AS replica_identity,
       CASE WHEN c.relkind IN ('r', 'm') THEN pg_relation_size(c.oid) + coalesce(pg_relation_size(nullif(c.reltoastrelid, 0)), 0) ELSE 0 END::int8 AS bytes,
       greatest(c.reltuples, 0)::int8 AS estimated_rows,
       CASE WHEN c.relkind = 'r' THEN pg_relation_size(c.oid) / current_setting('block_size')::int ELSE 0 END::int8 AS blocks,
       CASE WHEN c.reloftype <> 0 THEN format_type(c.reloftype, NULL) END AS of_type,
       -- statistics over the table and its partitions or children together (ANALYZE of the parent);
       -- pg_stats hides them from a role that may not read the table: then taken to be there
       CASE WHEN c.relhassubclass THEN EXISTS (SELECT 1 FROM pg_stats s WHERE s.schemaname = n.nspname AND s.tablename = c.relname AND s.inherited)
                                       OR NOT has_table_privilege(c.oid, 'SELECT') OR row_security_active(c.oid)
            ELSE false END AS inherited_stats,
       c.relrowsecurity AS row_security, c.relforcerowsecurity AS force_row_security,
       fs.srvname AS foreign_server, ft.ftoptions AS foreign_options,
       coalesce((to_jsonb(c) ->> 'relhasoids')::bool, false) AS has_oids,
       -- relam is 12+: read through JSON
       (SELECT am.amname FROM pg_am am WHERE am.oid = (to_jsonb(c) ->> 'relam')::oid AND c.relkind IN ('r', 'p', 'm')) AS access_method
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_foreign_table ft ON ft.ftrelid = c.oid
LEFT JOIN pg_foreign_server fs ON fs.oid = ft.ftserver
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND n.nspname !~ '^pg_(toast|temp)'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
ORDER BY 2, 3;
