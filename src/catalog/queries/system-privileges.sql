-- Privileges granted or revoked since they were created on objects pgferry does not create:
-- tables, columns and functions of pg_catalog, members of extensions, built-in languages. The
-- difference between the current ACL and the one pg_init_privs recorded (or the built-in
-- default), as one row per privilege to grant or revoke.
WITH objs AS (
  SELECT c.oid AS objoid, 'pg_class'::regclass AS classoid, 0 AS subid, format('TABLE %I.%I', n.nspname, c.relname) AS target,
         NULL::text AS column_name, coalesce(c.relacl, acldefault('r', c.relowner)) AS acl, c.relowner AS owner
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE (n.nspname = 'pg_catalog' OR EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e'))
    AND c.relkind IN ('r', 'v', 'm', 'S', 'f', 'p')
  UNION ALL
  SELECT c.oid, 'pg_class'::regclass, a.attnum, format('TABLE %I.%I', n.nspname, c.relname), a.attname::text,
         a.attacl, c.relowner
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE (n.nspname = 'pg_catalog' OR EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e'))
    AND a.attnum > 0 AND NOT a.attisdropped
    AND (a.attacl IS NOT NULL OR EXISTS (SELECT 1 FROM pg_init_privs ip WHERE ip.objoid = c.oid AND ip.classoid = 'pg_class'::regclass AND ip.objsubid = a.attnum))
  UNION ALL
  SELECT p.oid, 'pg_proc'::regclass, 0, format('FUNCTION %s', p.oid::regprocedure), NULL, coalesce(p.proacl, acldefault('f', p.proowner)), p.proowner
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname = 'pg_catalog' OR EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e')
  UNION ALL
  SELECT l.oid, 'pg_language'::regclass, 0, format('LANGUAGE %I', l.lanname), NULL, coalesce(l.lanacl, acldefault('l', l.lanowner)), l.lanowner
  FROM pg_language l
  WHERE l.oid < 16384 OR EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_language'::regclass AND e.objid = l.oid AND e.deptype = 'e')
),
changed AS (
  SELECT o.*, coalesce(ip.initprivs, CASE WHEN o.subid = 0 THEN acldefault(CASE o.classoid WHEN 'pg_proc'::regclass THEN 'f' WHEN 'pg_language'::regclass THEN 'l' ELSE 'r' END::"char", o.owner) ELSE NULL END) AS init
  FROM objs o LEFT JOIN pg_init_privs ip ON ip.objoid = o.objoid AND ip.classoid = o.classoid AND ip.objsubid = o.subid
),
diff AS (
  SELECT ch.target, ch.column_name, 'grant' AS action, x.grantee, x.privilege_type, x.is_grantable
  FROM changed ch, aclexplode(ch.acl) x
  WHERE ch.acl IS DISTINCT FROM ch.init
    AND NOT EXISTS (SELECT 1 FROM aclexplode(ch.init) y WHERE y.grantee = x.grantee AND y.privilege_type = x.privilege_type AND y.is_grantable = x.is_grantable)
  UNION ALL
  SELECT ch.target, ch.column_name, 'revoke', y.grantee, y.privilege_type, y.is_grantable
  FROM changed ch, aclexplode(ch.init) y
  WHERE ch.acl IS DISTINCT FROM ch.init
    AND NOT EXISTS (SELECT 1 FROM aclexplode(ch.acl) x WHERE x.grantee = y.grantee AND x.privilege_type = y.privilege_type)
)
SELECT target, column_name, action, CASE WHEN grantee = 0 THEN NULL ELSE pg_get_userbyid(grantee) END AS grantee,
       privilege_type AS privilege, is_grantable AS grantable
FROM diff
ORDER BY 1, 2 NULLS FIRST, 3 DESC, 4, 5;
