/**
 * The target role can create schemas in the database (and pgferry's bookkeeping schema) and
 * objects in the schemas that exist there. What it may do with owners, and what it cannot create
 * for want of being a superuser, are the roles and account-objects items.
 */
import { type PrecheckCheck } from './precheck-model.js';

export const checkTargetPrivileges: PrecheckCheck = async ({ target, catalog, targetContext }) => {
  const account = targetContext.account;
  const existing = catalog.schemas.map((s) => s.name).filter((n) => targetContext.schemas.has(n));
  const s = await target.query<{ name: string; create: boolean; usage: boolean }>(
    `SELECT n.nspname AS name, pg_catalog.has_schema_privilege(n.oid, 'CREATE') AS create, pg_catalog.has_schema_privilege(n.oid, 'USAGE') AS usage
       FROM pg_catalog.pg_namespace n WHERE n.nspname = ANY($1::text[]) ORDER BY 1`,
    [existing],
  );
  const problems = [
    ...(account.createOnDatabase ? [] : ['CREATE on the database']),
    ...s.rows.filter((x) => !x.create || !x.usage).map((x) => `${[...(x.usage ? [] : ['USAGE']), ...(x.create ? [] : ['CREATE'])].join(' and ')} on schema ${x.name}`),
  ];
  if (!problems.length) {
    return {
      id: 'target-privileges',
      title: 'Target privileges',
      status: 'pass',
      detail: account.superuser ? 'the target role is a superuser' : `${account.user} is not a superuser; it has CREATE on the database and on the existing schemas used`,
    };
  }
  return {
    id: 'target-privileges',
    title: 'Target privileges',
    status: 'fail',
    detail: `the target role lacks ${problems.join(', ')}`,
    fix: 'GRANT CREATE ON DATABASE ... / GRANT USAGE, CREATE ON SCHEMA ... to the target role, or connect as the database owner',
    objects: problems,
  };
};
