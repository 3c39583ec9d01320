/** The target role can create schemas in the database and objects in the schemas that exist there. */
import { firstOf, type PrecheckCheck } from './precheck-model.js';

export const checkTargetPrivileges: PrecheckCheck = async ({ target, catalog, targetContext }) => {
  const r = await target.query<{ db: boolean; superuser: boolean }>(
    "SELECT pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE') AS db, (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) AS superuser",
  );
  const existing = catalog.schemas.map((s) => s.name).filter((n) => targetContext.schemas.has(n));
  const s = await target.query<{ name: string }>(
    "SELECT n.nspname AS name FROM pg_catalog.pg_namespace n WHERE n.nspname = ANY($1::text[]) AND NOT pg_catalog.has_schema_privilege(n.oid, 'CREATE')",
    [existing],
  );
  const problems = [...(r.rows[0].db ? [] : ['CREATE on the database']), ...s.rows.map((x) => `CREATE on schema ${x.name}`)];
  if (!problems.length) {
    return { id: 'target-privileges', title: 'Target privileges', status: 'pass', detail: r.rows[0].superuser ? 'the target role is a superuser' : 'CREATE on the database and on the existing schemas used' };
  }
  return {
    id: 'target-privileges',
    title: 'Target privileges',
    status: 'fail',
    detail: `the target role lacks ${problems.join(', ')}`,
    fix: 'GRANT CREATE ON DATABASE ... / GRANT CREATE ON SCHEMA ... to the target role, or connect as the database owner',
    objects: firstOf(problems),
  };
};
