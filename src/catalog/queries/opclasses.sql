-- Operator classes with the operators and support functions that belong to them.
SELECT c.oid::int8 AS oid, n.nspname AS schema, c.opcname AS name, pg_get_userbyid(c.opcowner) AS owner,
       obj_description(c.oid, 'pg_opclass') AS comment, am.amname AS method, c.opcdefault AS is_default,
       format_type(c.opcintype, NULL) AS for_type,
       format('%I.%I', fn.nspname, f.opfname) AS family,
       CASE WHEN c.opckeytype <> 0 THEN format_type(c.opckeytype, NULL) END AS storage,
       array(
         SELECT format('OPERATOR %s %s%s', ao.amopstrategy, ao.amopopr::regoperator,
                       CASE WHEN ao.amoppurpose = 'o' THEN (SELECT format(' FOR ORDER BY %I.%I', sn.nspname, sf.opfname) FROM pg_opfamily sf JOIN pg_namespace sn ON sn.oid = sf.opfnamespace WHERE sf.oid = ao.amopsortfamily) ELSE '' END)
         FROM pg_amop ao JOIN pg_depend d ON d.classid = 'pg_amop'::regclass AND d.objid = ao.oid AND d.refclassid = 'pg_opclass'::regclass AND d.refobjid = c.oid
         ORDER BY ao.amopstrategy, ao.amoplefttype, ao.amoprighttype) AS operators,
       array(
         SELECT format('FUNCTION %s (%s, %s) %s', ap.amprocnum, format_type(ap.amproclefttype, NULL), format_type(ap.amprocrighttype, NULL), ap.amproc::regprocedure)
         FROM pg_amproc ap JOIN pg_depend d ON d.classid = 'pg_amproc'::regclass AND d.objid = ap.oid AND d.refclassid = 'pg_opclass'::regclass AND d.refobjid = c.oid
         ORDER BY ap.amprocnum, ap.amproclefttype, ap.amprocrighttype) AS functions
FROM pg_opclass c
JOIN pg_namespace n ON n.oid = c.opcnamespace
JOIN pg_am am ON am.oid = c.opcmethod
JOIN pg_opfamily f ON f.oid = c.opcfamily
JOIN pg_namespace fn ON fn.oid = f.opfnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND n.nspname !~ '^pg_(toast|temp)'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_opclass'::regclass AND e.objid = c.oid AND e.deptype = 'e')
ORDER BY 2, 3, 6;
