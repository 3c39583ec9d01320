/**
 * Extensions that exist on the target already. The run leaves them as they are (CREATE EXTENSION
 * IF NOT EXISTS does nothing), which is what an ordinary account needs when the provider created
 * an untrusted extension beforehand. But objects refer to an extension's members by schema
 * (`ext.dblink_get_connections()` in a view): when the extension lives in another schema on the
 * target than on the source, and some object of the source needs one of its members that lives in
 * a schema (a function, a type, an operator, a table...), the run would fail it: a failure here,
 * with the fix. Members without a schema (a foreign-data wrapper, a language, a cast) are named
 * without one, so nothing needs moving then: a warning.
 */
import { displayIdent } from '../pg/quote.js';
import { type PrecheckCheck } from './precheck-model.js';

const title = 'Extensions that exist on the target';

/** Source objects outside the extension that need its members in a schema, described (first 20). */
const DEPENDENTS = `
SELECT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid) AS what
  FROM pg_catalog.pg_extension x
  JOIN pg_catalog.pg_depend m ON m.refclassid = 'pg_catalog.pg_extension'::regclass AND m.refobjid = x.oid AND m.deptype = 'e'
  JOIN pg_catalog.pg_depend d ON d.refclassid = m.classid AND d.refobjid = m.objid AND d.deptype IN ('n', 'a')
 WHERE x.extname = $1
   AND m.classid NOT IN ('pg_catalog.pg_foreign_data_wrapper'::regclass, 'pg_catalog.pg_language'::regclass, 'pg_catalog.pg_cast'::regclass,
                         'pg_catalog.pg_am'::regclass, 'pg_catalog.pg_foreign_server'::regclass, 'pg_catalog.pg_event_trigger'::regclass)
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = d.classid AND e.objid = d.objid AND e.deptype = 'e')
 GROUP BY 1 ORDER BY 1 LIMIT 20`;

export const checkExistingExtensions: PrecheckCheck = async ({ source, target, catalog, plan, targetContext }) => {
  const planned = new Set(plan.preData.filter((s) => s.kind === 'extension').map((s) => s.key));
  const wanted = catalog.extensions.filter((e) => planned.has(e.key));
  const r = await target.query<{ name: string; schema: string; relocatable: boolean }>(
    `SELECT e.extname AS name, n.nspname AS schema, e.extrelocatable AS relocatable
       FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
      WHERE e.extname = ANY($1::text[])`,
    [wanted.map((e) => e.name)],
  );
  if (!r.rows.length) return { id: 'existing-extensions', title, status: 'pass', detail: 'none of the extensions the plan creates exists on the target' };
  const onTarget = new Map(r.rows.map((x) => [x.name, x]));
  const elsewhere = wanted.filter((e) => onTarget.has(e.name) && onTarget.get(e.name)!.schema !== e.schema);
  const needed = new Map<string, string[]>();
  for (const e of elsewhere) {
    const d = await source.query<{ what: string }>(DEPENDENTS, [e.name]);
    // a view needs its members through its _RETURN rule: name the view
    if (d.rows.length) needed.set(e.name, d.rows.map((x) => x.what.replace(/^rule _RETURN on /, '')));
  }
  const moved = elsewhere.filter((e) => needed.has(e.name));
  const harmless = elsewhere.filter((e) => !needed.has(e.name));
  if (!moved.length && harmless.length)
    return {
      id: 'existing-extensions',
      title,
      status: 'warn',
      detail: `${harmless.length} extension(s) exist on the target in another schema than on the source; nothing of the source names their members by schema, so the run uses them there`,
      fix: 'nothing is needed; to keep the source\'s layout, move them as their owner: ' + harmless.map((e) => `ALTER EXTENSION ${displayIdent(e.name)} SET SCHEMA ${displayIdent(e.schema)}`).join('; '),
      objects: harmless.map((e) => `${e.name}: schema ${displayIdent(onTarget.get(e.name)!.schema)} on the target, ${displayIdent(e.schema)} on the source`),
    };
  if (!moved.length)
    return { id: 'existing-extensions', title, status: 'pass', detail: `${r.rows.length} exist(s) already in the source's schema and will be used as they are: ${r.rows.map((x) => x.name).join(', ')}` };
  // the schema the run would create belongs to the account, so that it may create in it too
  const schema = (e: { schema: string }) => `CREATE SCHEMA IF NOT EXISTS ${displayIdent(e.schema)} AUTHORIZATION ${displayIdent(targetContext.account.user)}`;
  const fix = moved.map((e) => {
    const t = onTarget.get(e.name)!;
    return t.relocatable
      ? `${schema(e)}; ALTER EXTENSION ${displayIdent(e.name)} SET SCHEMA ${displayIdent(e.schema)}`
      : `${schema(e)}; DROP EXTENSION ${displayIdent(e.name)}; CREATE EXTENSION ${displayIdent(e.name)} WITH SCHEMA ${displayIdent(e.schema)}`;
  });
  return {
    id: 'existing-extensions',
    title,
    status: 'fail',
    detail: `${moved.length} extension(s) exist on the target in another schema than on the source, and objects name their members by schema: they would fail (${moved.map((e) => `${e.name}: ${needed.get(e.name)!.slice(0, 3).join(', ')}`).join('; ')})`,
    fix: `as the extension's owner on the target (a superuser or the provider's admin): ${fix.join('; ')}`,
    objects: moved.map((e) => `${e.name}: schema ${displayIdent(onTarget.get(e.name)!.schema)} on the target, ${displayIdent(e.schema)} on the source`),
  };
};
