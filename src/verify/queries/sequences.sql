-- The sequences verify compares, each with the table whose column owns it (serial or identity),
-- so that an owned sequence follows its table through a selection, and whether this role may
-- read its position (SELECT on it). Extension members are left out, as the migration leaves them
-- to CREATE EXTENSION.
SELECT n.nspname AS schema, c.relname AS name, tn.nspname AS owner_schema, tc.relname AS owner_name,
       has_schema_privilege(n.oid, 'USAGE') AND has_sequence_privilege(c.oid, 'SELECT') AS readable
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
                      AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
LEFT JOIN pg_class tc ON tc.oid = d.refobjid
LEFT JOIN pg_namespace tn ON tn.oid = tc.relnamespace
WHERE c.relkind = 'S'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND n.nspname !~ '^pg_(toast|temp)'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
ORDER BY 1, 2;
