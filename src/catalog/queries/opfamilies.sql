-- Operator families, with the members added loosely (ALTER OPERATOR FAMILY ... ADD): those that
-- depend on the family rather than on one of its operator classes.
SELECT f.oid::int8 AS oid, n.nspname AS schema, f.opfname AS name, pg_get_userbyid(f.opfowner) AS owner,
       obj_description(f.oid, 'pg_opfamily') AS comment, am.amname AS method,
       array(
         SELECT format('OPERATOR %s %s%s', ao.amopstrategy, ao.amopopr::regoperator,
                       CASE WHEN ao.amoppurpose = 'o' THEN (SELECT format(' FOR ORDER BY %I.%I', sn.nspname, sf.opfname) FROM pg_opfamily sf JOIN pg_namespace sn ON sn.oid = sf.opfnamespace WHERE sf.oid = ao.amopsortfamily) ELSE '' END)
         FROM pg_amop ao JOIN pg_depend d ON d.classid = 'pg_amop'::regclass AND d.objid = ao.oid AND d.refclassid = 'pg_opfamily'::regclass AND d.refobjid = f.oid
         WHERE ao.amopfamily = f.oid ORDER BY ao.amopstrategy, ao.amoplefttype, ao.amoprighttype) AS loose_operators,
       array(
         SELECT format('FUNCTION %s (%s, %s) %s', ap.amprocnum, format_type(ap.amproclefttype, NULL), format_type(ap.amprocrighttype, NULL), ap.amproc::regprocedure)
         FROM pg_amproc ap JOIN pg_depend d ON d.classid = 'pg_amproc'::regclass AND d.objid = ap.oid AND d.refclassid = 'pg_opfamily'::regclass AND d.refobjid = f.oid
         WHERE ap.amprocfamily = f.oid ORDER BY ap.amprocnum, ap.amproclefttype, ap.amprocrighttype) AS loose_functions
FROM pg_opfamily f
JOIN pg_namespace n ON n.oid = f.opfnamespace
JOIN pg_am am ON am.oid = f.opfmethod
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND n.nspname !~ '^pg_(toast|temp)'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_opfamily'::regclass AND e.objid = f.oid AND e.deptype = 'e')
ORDER BY 2, 3, 6;
