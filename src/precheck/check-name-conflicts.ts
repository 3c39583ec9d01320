/** Objects the migration would create that already exist on the target. */
import { type PrecheckCheck } from './precheck-model.js';
import { NameMapper } from '../plan/name-mapping.js';

export const checkNameConflicts: PrecheckCheck = async ({ target, catalog, plan, mapping }) => {
  const planned = new Set(plan.preData.map((s) => s.key));
  const mapper = new NameMapper(mapping);
  // under the source's names while the migration runs, and under the mapped names after it
  const rels = [...catalog.relations, ...catalog.sequences.filter((s) => !s.identity)].filter((r) => planned.has(r.key));
  const names = rels.flatMap((r) => {
    const to = mapper.table(r.schema, r.name);
    return to.schema === r.schema && to.name === r.name ? [[r.schema, r.name]] : [[r.schema, r.name], [to.schema, to.name]];
  });
  const r = await target.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name
     FROM unnest($1::text[], $2::text[]) AS u(s, t)
     JOIN pg_catalog.pg_namespace n ON n.nspname = u.s
     JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = u.t
     ORDER BY 1`,
    [names.map((x) => x[0]), names.map((x) => x[1])],
  );
  // an existing schema is used as it is (the target-schemas item lists them); only a schema a
  // mapping renames onto a name the target has already would collide
  const schemas = catalog.schemas.filter((s) => planned.has(s.key) && mapper.schema(s.name) !== s.name).map((s) => mapper.schema(s.name));
  const s = await target.query<{ name: string }>('SELECT nspname AS name FROM pg_catalog.pg_namespace WHERE nspname = ANY($1::text[]) ORDER BY 1', [schemas]);
  const conflicts = [...s.rows.map((x) => `schema ${x.name}`), ...r.rows.map((x) => x.name)];
  if (!conflicts.length) return { id: 'name-conflicts', title: 'Name conflicts on the target', status: 'pass', detail: 'no table, view or sequence to be created exists on the target, and no schema is renamed onto an existing one' };
  return {
    id: 'name-conflicts',
    title: 'Name conflicts on the target',
    status: 'fail',
    detail: `${conflicts.length} object(s) to be created already exist on the target`,
    fix: 'migrate into an empty database, or drop or rename these objects on the target',
    objects: conflicts,
  };
};
