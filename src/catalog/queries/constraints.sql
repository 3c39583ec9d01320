-- Table constraints: primary key, unique, check, exclusion, foreign key, and (18+) NOT NULL ones
-- that are NOT VALID: valid ones are part of their column (columns.sql). Constraints cloned onto
-- partitions from their parent (conparentid) come with the parent's and are left out, except
-- keys, whose indexes pgferry builds per partition and attaches like pg_dump does.
SELECT k.oid::int8 AS oid, k.conrelid::int8 AS rel_oid, n.nspname AS schema, c.relname AS "table",
       k.conname AS name, k.contype AS type, pg_get_constraintdef(k.oid) AS definition,
       k.convalidated AS validated, k.conislocal AS is_local, k.coninhcount AS inherited_count,
       k.conindid::int8 AS index_oid, k.confrelid::int8 AS ref_rel_oid,
       obj_description(k.oid, 'pg_constraint') AS comment
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE (k.contype IN ('p', 'u', 'c', 'x', 'f') OR (k.contype = 'n' AND NOT k.convalidated))
  AND (k.conparentid = 0 OR k.contype IN ('p', 'u', 'x'))
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND n.nspname !~ '^pg_(toast|temp)'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
ORDER BY 3, 4, 5;
