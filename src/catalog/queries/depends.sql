-- Dependency edges between user objects, each side folded onto the object pgferry creates:
-- a column default onto its table, a view's rewrite rule onto the view, an
-- array type onto its element type, a multirange onto its range, a composite's relation onto its
-- type, an operator class member onto its class (or onto its family's loose members), an
-- extension's member object onto its extension. Keys are 'class:oid'.
WITH RECURSIVE d AS (
  SELECT classid, objid, refclassid, refobjid, deptype FROM pg_depend
  WHERE deptype IN ('n', 'a') AND classid <> 0 AND refclassid <> 0 AND objid >= 16384 AND refobjid >= 16384
),
fold(classid, objid, key) AS (
  SELECT x.classid, x.objid, coalesce(
    (SELECT 'pg_extension:' || m.refobjid FROM pg_depend m
     WHERE m.classid = x.classid AND m.objid = x.objid AND m.deptype = 'e' LIMIT 1),
    CASE x.classid
      WHEN 'pg_class'::regclass THEN (SELECT CASE WHEN c.relkind = 'c' THEN 'pg_type:' || c.reltype ELSE 'pg_class:' || c.oid END
                                      FROM pg_class c WHERE c.oid = x.objid)
      WHEN 'pg_type'::regclass THEN (SELECT CASE
                                       WHEN t.typcategory = 'A' AND t.typelem <> 0 THEN
                                         (SELECT CASE WHEN et.typrelid <> 0 AND ec.relkind <> 'c' THEN 'pg_class:' || et.typrelid ELSE 'pg_type:' || et.oid END
                                          FROM pg_type et LEFT JOIN pg_class ec ON ec.oid = et.typrelid WHERE et.oid = t.typelem)
                                       WHEN t.typrelid <> 0 AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) <> 'c' THEN 'pg_class:' || t.typrelid
                                       -- pg_range.rngmultitypid is 14+: read through JSON
                                       WHEN t.typtype = 'm' THEN (SELECT 'pg_type:' || r.rngtypid FROM pg_range r WHERE (to_jsonb(r) ->> 'rngmultitypid')::oid = t.oid)
                                       ELSE 'pg_type:' || t.oid END
                                     FROM pg_type t WHERE t.oid = x.objid)
      WHEN 'pg_attrdef'::regclass THEN (SELECT 'pg_class:' || adrelid FROM pg_attrdef WHERE oid = x.objid)
      WHEN 'pg_rewrite'::regclass THEN (SELECT CASE WHEN rulename = '_RETURN' THEN 'pg_class:' || ev_class ELSE 'pg_rewrite:' || oid END
                                        FROM pg_rewrite WHERE oid = x.objid)
      WHEN 'pg_amop'::regclass THEN (SELECT CASE WHEN m.refclassid = 'pg_opclass'::regclass THEN 'pg_opclass:' || m.refobjid ELSE 'pg_opfamily:' || m.refobjid || ':members' END
                                     FROM pg_depend m WHERE m.classid = x.classid AND m.objid = x.objid
                                       AND m.refclassid IN ('pg_opclass'::regclass, 'pg_opfamily'::regclass) LIMIT 1)
      WHEN 'pg_amproc'::regclass THEN (SELECT CASE WHEN m.refclassid = 'pg_opclass'::regclass THEN 'pg_opclass:' || m.refobjid ELSE 'pg_opfamily:' || m.refobjid || ':members' END
                                       FROM pg_depend m WHERE m.classid = x.classid AND m.objid = x.objid
                                         AND m.refclassid IN ('pg_opclass'::regclass, 'pg_opfamily'::regclass) LIMIT 1)
      -- a table's CHECK constraint keeps its own key: the planner folds it onto its table unless it
      -- calls a function, which then may take the table's row type (pg_dump splits those out too)
      WHEN 'pg_constraint'::regclass THEN (SELECT CASE WHEN k.contypid <> 0 THEN 'pg_type:' || k.contypid
                                                       ELSE 'pg_constraint:' || k.oid END
                                           FROM pg_constraint k WHERE k.oid = x.objid)
      ELSE x.classid::regclass::text || ':' || x.objid
    END)
  FROM (SELECT DISTINCT classid, objid FROM d UNION SELECT DISTINCT refclassid, refobjid FROM d) x
)
SELECT DISTINCT f1.key AS key, f2.key AS ref_key
FROM d
JOIN fold f1 ON f1.classid = d.classid AND f1.objid = d.objid
JOIN fold f2 ON f2.classid = d.refclassid AND f2.objid = d.refobjid
WHERE f1.key IS NOT NULL AND f2.key IS NOT NULL AND f1.key <> f2.key
  -- a sequence's OWNED BY link is created after both, not before the table
  AND NOT (d.deptype = 'a' AND d.classid = 'pg_class'::regclass
           AND EXISTS (SELECT 1 FROM pg_class s WHERE s.oid = d.objid AND s.relkind = 'S'));
