-- The relations verify compares or places in a tree: plain, partitioned and foreign tables and
-- populated materialized views, each with its columns (and whether each compares in binary form),
-- primary key, row estimate and the tables it is a partition or an inheritance child of, and
-- whether this role may read every row of it
-- (USAGE on the schema, SELECT on the table or on every column, no row-level security active: it
-- would hide rows from both counts and checksums). Extension members are left out, as the
-- migration leaves them to CREATE EXTENSION.
-- binary: a built-in type whose binary form is the same wherever the value is: not the reg* types
-- (regclass, regtype... and their arrays), whose binary form is the OID, not the name, it stands for.
-- byteOrder: the column sorts the same on every server: not a composite or range type (their
-- fields may be collated), and not collatable, or collated "C" or "POSIX" (OIDs 950 and 951, and
-- 100 for the database's default, fixed in every major), or by a default that is C or POSIX under
-- libc (datlocprovider, 15 and later, read through to_jsonb so that older majors, which have only
-- libc, need no other query). collatable: the type takes a collation (a key value compared with
-- bounds outside the table is given COLLATE "C", the order a byte-ordered key sorts in).
WITH db AS (SELECT d.datcollate IN ('C', 'POSIX') AND coalesce(pg_catalog.to_jsonb(d) ->> 'datlocprovider', 'c') = 'c' AS c
            FROM pg_database d WHERE d.datname = pg_catalog.current_database())
SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS relkind, c.relispartition AS is_partition,
       greatest(c.reltuples, 0)::float8 AS est,
       coalesce((SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'typeOid', a.atttypid::int8,
                                                   'binary', a.atttypid < 16384 AND ty.typsend::oid <> 0 AND ty.typtype IN ('b', 'r', 'm')
                                                             AND (ty.typelem = 0 OR el.typtype = 'b') AND ty.typname !~ '^_?reg',
                                                   'byteOrder', ty.typtype NOT IN ('c', 'r', 'm')
                                                             AND (a.attcollation IN (0, 950, 951) OR (a.attcollation = 100 AND (SELECT db.c FROM db))),
                                                   'collatable', ty.typcollation <> 0) ORDER BY a.attnum)
                 FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid LEFT JOIN pg_type el ON el.oid = ty.typelem
                 WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]') AS columns,
       coalesce((SELECT json_agg(a.attname ORDER BY k.ord)
                 FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                 WHERE i.indexrelid = (SELECT i2.indexrelid FROM pg_index i2 WHERE i2.indrelid = c.oid AND i2.indisprimary LIMIT 1)
                   -- the key columns, not those the index INCLUDEs (indnkeyatts, 11 and later)
                   AND k.ord <= coalesce((pg_catalog.to_jsonb(i) ->> 'indnkeyatts')::int, i.indnatts)
                   -- a key sorted by an operator class other than its type's default btree one (a
                   -- type without one) cannot be ordered or compared by plain ORDER BY and <: none
                   -- (403 is btree's OID in every major)
                   AND NOT EXISTS (SELECT 1 FROM unnest(i.indclass) AS o(opc) JOIN pg_opclass oc ON oc.oid = o.opc
                                   WHERE NOT oc.opcdefault OR oc.opcmethod <> 403)), '[]') AS key,
       coalesce((SELECT json_agg(json_build_object('schema', pn.nspname, 'name', pc.relname) ORDER BY i.inhseqno)
                 FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = pc.relnamespace
                 WHERE i.inhrelid = c.oid), '[]') AS parents,
       has_schema_privilege(n.oid, 'USAGE')
         AND (has_table_privilege(c.oid, 'SELECT')
              OR (has_any_column_privilege(c.oid, 'SELECT')
                  AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                                    AND NOT has_column_privilege(c.oid, a.attnum, 'SELECT'))))
         AND NOT (c.relkind = 'r' AND row_security_active(c.oid)) AS readable
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE (c.relkind IN ('r', 'p', 'f') OR (c.relkind = 'm' AND c.relispopulated))
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND n.nspname !~ '^pg_(toast|temp)'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
ORDER BY 1, 2;
