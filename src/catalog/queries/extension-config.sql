-- Tables and sequences extensions marked as configuration (pg_extension_config_dump). CREATE
-- EXTENSION makes them empty or with the extension's own rows; the rows the extension's filter
-- (a WHERE clause, or '' for every row) selects are the user's, and are copied once the extension
-- exists, as pg_dump does. columns: what COPY moves (no generated column). refs: the other
-- configuration tables it has foreign keys to (their rows must be in first).
SELECT e.oid::int8 AS extension_oid, c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name, c.relkind AS relkind,
       coalesce(x.condition, '') AS condition,
       coalesce((SELECT json_agg(a.attname ORDER BY a.attnum) FROM pg_attribute a
                 WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                   -- attgenerated is 12+: read through JSON
                   AND coalesce((to_jsonb(a) - 'attmissingval') ->> 'attgenerated', '') = ''), '[]') AS columns,
       CASE WHEN c.relkind = 'r' THEN pg_relation_size(c.oid) + coalesce(pg_relation_size(nullif(c.reltoastrelid, 0)), 0) ELSE 0 END::int8 AS bytes,
       CASE WHEN c.relkind = 'r' THEN pg_relation_size(c.oid) / current_setting('block_size')::int ELSE 0 END::int8 AS blocks,
       greatest(c.reltuples, 0)::int8 AS estimated_rows,
       coalesce((SELECT json_agg(DISTINCT k.confrelid::int8) FROM pg_constraint k
                 WHERE k.conrelid = c.oid AND k.contype = 'f' AND k.confrelid <> c.oid AND k.confrelid = ANY (e.extconfig)), '[]') AS refs
FROM pg_extension e
CROSS JOIN LATERAL unnest(e.extconfig, e.extcondition) AS x(reloid, condition)
JOIN pg_class c ON c.oid = x.reloid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE e.extname <> 'plpgsql'
ORDER BY 3, 4;
