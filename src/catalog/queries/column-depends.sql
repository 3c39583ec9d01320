-- Objects that need one column of a table or view (pg_depend rows with a column number), so that
-- leaving a column out can skip what uses it. The dependent side is folded onto the object pgferry
-- creates: a view's rewrite rule onto the view, a column default or generation expression onto
-- its column ('column:<table oid>:<column number>').
SELECT DISTINCT
  CASE d.classid
    WHEN 'pg_rewrite'::regclass THEN (SELECT CASE WHEN r.rulename = '_RETURN' THEN 'pg_class:' || r.ev_class ELSE 'pg_rewrite:' || r.oid END
                                      FROM pg_rewrite r WHERE r.oid = d.objid)
    WHEN 'pg_attrdef'::regclass THEN (SELECT 'column:' || ad.adrelid || ':' || ad.adnum FROM pg_attrdef ad WHERE ad.oid = d.objid)
    ELSE d.classid::regclass::text || ':' || d.objid
  END AS key,
  d.refobjid::int8 AS rel_oid,
  a.attname AS column_name
FROM pg_depend d
JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0 AND d.refobjid >= 16384
  AND d.deptype IN ('n', 'a') AND d.classid <> 0
