-- Tables (with row filter and column list) and schemas (15+) that publications name.
SELECT pr.prpubid::int8 AS pub_oid, 'table' AS member_kind, n.nspname AS schema, c.relname AS name, c.oid::int8 AS rel_oid,
       pg_get_expr(pr.prqual, pr.prrelid) AS row_filter,
       CASE WHEN pr.prattrs IS NOT NULL THEN array(SELECT a.attname::text FROM unnest(pr.prattrs::int2[]) WITH ORDINALITY u(num, ord)
                                                   JOIN pg_attribute a ON a.attrelid = pr.prrelid AND a.attnum = u.num ORDER BY u.ord) END AS columns
FROM pg_publication_rel pr
JOIN pg_class c ON c.oid = pr.prrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
UNION ALL
SELECT pn.pnpubid::int8, 'schema', n.nspname, NULL, NULL, NULL, NULL
FROM pg_publication_namespace pn
JOIN pg_namespace n ON n.oid = pn.pnnspid
ORDER BY 1, 2, 3, 4;
