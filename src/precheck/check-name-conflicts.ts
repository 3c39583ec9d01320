/** Objects the migration would create that already exist on the target. */
import { firstOf, type PrecheckCheck } from './precheck-model.js';

export const checkNameConflicts: PrecheckCheck = async ({ target, catalog, plan }) => {
  const planned = new Set(plan.preData.map((s) => s.key));
  const rels = catalog.relations.filter((r) => planned.has(r.key)).map((r) => [r.schema, r.name]);
  const seqs = catalog.sequences.filter((s) => !s.identity && planned.has(s.key)).map((s) => [s.schema, s.name]);
  const names = [...rels, ...seqs];
  const r = await target.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name
     FROM unnest($1::text[], $2::text[]) AS u(s, t)
     JOIN pg_catalog.pg_namespace n ON n.nspname = u.s
     JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = u.t
     ORDER BY 1`,
    [names.map((x) => x[0]), names.map((x) => x[1])],
  );
  const schemas = catalog.schemas.filter((s) => s.name !== 'public' && planned.has(s.key)).map((s) => s.name);
  const s = await target.query<{ name: string }>('SELECT nspname AS name FROM pg_catalog.pg_namespace WHERE nspname = ANY($1::text[]) ORDER BY 1', [schemas]);
  const conflicts = [...s.rows.map((x) => `schema ${x.name}`), ...r.rows.map((x) => x.name)];
  if (!conflicts.length) return { id: 'name-conflicts', title: 'Name conflicts on the target', status: 'pass', detail: 'no table, view, sequence or schema to be created exists on the target' };
  return {
    id: 'name-conflicts',
    title: 'Name conflicts on the target',
    status: 'fail',
    detail: `${conflicts.length} object(s) to be created already exist on the target`,
    fix: 'migrate into an empty database, or drop or rename these objects on the target',
    objects: firstOf(conflicts),
  };
};
