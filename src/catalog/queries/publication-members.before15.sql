-- Tables that publications name (no row filters, column lists or schemas before 15).
SELECT pr.prpubid::int8 AS pub_oid, 'table' AS member_kind, n.nspname AS schema, c.relname AS name, c.oid::int8 AS rel_oid,
       NULL::text AS row_filter, NULL::text[] AS columns
FROM pg_publication_rel pr
JOIN pg_class c ON c.oid = pr.prrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
ORDER BY 1, 2, 3, 4;
