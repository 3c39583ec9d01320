-- Casts users created (built-in ones have OIDs below 16384).
-- Casts made with a type (multirange casts: an internal dependency) are left out.
SELECT c.oid::int8 AS oid, format_type(c.castsource, NULL) AS source_type, format_type(c.casttarget, NULL) AS target_type,
       c.castmethod AS method, CASE WHEN c.castfunc <> 0 THEN c.castfunc::regprocedure::text END AS function,
       c.castcontext AS context, obj_description(c.oid, 'pg_cast') AS comment
FROM pg_cast c
WHERE c.oid >= 16384
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_cast'::regclass AND e.objid = c.oid AND e.deptype IN ('e', 'i'))
ORDER BY 2, 3;
