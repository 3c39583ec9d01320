-- Installed extensions (plpgsql, which every database has, aside). Their member objects are
-- created by the extension itself, so every other query leaves out objects with deptype 'e'.
SELECT e.oid::int8 AS oid, e.extname AS name, n.nspname AS schema, e.extversion AS version,
       e.extrelocatable AS relocatable, pg_get_userbyid(e.extowner) AS owner,
       obj_description(e.oid, 'pg_extension') AS comment
FROM pg_extension e
JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname <> 'plpgsql'
ORDER BY e.extname;
