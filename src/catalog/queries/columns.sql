-- Columns of user tables, views, materialized views and foreign tables, in attnum order.
-- binary_ok says COPY can use binary format for the column: the type (or a domain's base type) is
-- built in, or an enum, and has binary I/O; arrays must have a built-in element type (their wire
-- format embeds its OID). Columns newer than PostgreSQL 10 (attgenerated 12+, attcompression
-- 14+) are read from the row as JSON, so one query serves every major.
-- From 18 a column's NOT NULL is a constraint of its own (pg_constraint contype 'n', one per
-- column): not_null is only a valid one (a NOT VALID one, also attnotnull, is added after the
-- data from constraints.sql), not_null_constraint its name, whether it is the table's own or
-- only inherited, NO INHERIT and comment. Older servers have no such rows: NULL.
SELECT a.attrelid::int8 AS rel_oid, a.attnum AS num, a.attname AS name,
       format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AND coalesce(nn.convalidated, true) AS not_null,
       CASE WHEN nn.convalidated THEN json_build_object('name', nn.conname, 'isLocal', nn.conislocal, 'noInherit', nn.connoinherit,
                                                      'comment', obj_description(nn.oid, 'pg_constraint')) END AS not_null_constraint,
       pg_get_expr(ad.adbin, ad.adrelid) AS default_expr,
       a.attidentity AS identity, coalesce(j.v ->> 'attgenerated', '') AS generated,
       a.attislocal AS is_local,
       CASE WHEN a.attcollation <> t.typcollation
            THEN (SELECT format('%I.%I', cn.nspname, co.collname) FROM pg_collation co
                  JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END AS collation,
       col_description(a.attrelid, a.attnum) AS comment,
       (bt.typsend <> 0 AND bt.typreceive <> 0
        AND (bt.oid < 16384 OR bt.typtype = 'e')
        -- reg* types travel as OIDs in binary, which differ between servers: names (text) move
        AND bt.typname !~ '^_?reg'
        AND (bt.typelem = 0 OR bt.typelem < 16384 OR bt.typcategory <> 'A')) AS binary_ok,
       CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage END AS storage,
       nullif(j.v ->> 'attcompression', '') AS compression,
       nullif((j.v ->> 'attstattarget')::int, -1) AS stat_target,
       a.attoptions AS options, a.attfdwoptions AS fdw_options,
       CASE WHEN a.attacl IS NOT NULL THEN coalesce((SELECT json_agg(json_build_object('grantee', CASE WHEN x.grantee = 0 THEN NULL ELSE pg_get_userbyid(x.grantee) END, 'grantor', pg_get_userbyid(x.grantor), 'privilege', x.privilege_type, 'grantable', x.is_grantable) ORDER BY x.ord) FROM aclexplode(a.attacl) WITH ORDINALITY AS x(grantor, grantee, privilege_type, is_grantable, ord)), '[]') END AS acl
FROM pg_attribute a
CROSS JOIN LATERAL (SELECT to_jsonb(a) - 'attmissingval' AS v) j
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_constraint nn ON nn.conrelid = a.attrelid AND nn.contype = 'n' AND nn.conkey = ARRAY[a.attnum]
WHERE a.attnum > 0 AND NOT a.attisdropped
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND n.nspname !~ '^pg_(toast|temp)'
ORDER BY 1, 2;
