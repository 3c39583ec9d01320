/** The source role can read every table and sequence it must copy, and use their schemas. */
import { firstOf, type PrecheckCheck } from './precheck-model.js';

export const checkSourcePrivileges: PrecheckCheck = async ({ source, catalog, plan }) => {
  const copied = new Set(plan.units.map((u) => u.key));
  const refreshed = new Set(plan.refreshes.map((x) => x.key));
  const seqs = new Set(plan.sequences.map((s) => `${s.schema}\u0000${s.name}`));
  const rels = [
    ...catalog.relations.filter((r) => copied.has(r.key) || refreshed.has(`${r.key}:refresh`)),
    ...catalog.sequences.filter((s) => seqs.has(`${s.schema}\u0000${s.name}`)),
  ];
  const r = await source.query<{ name: string }>(
    `SELECT format('%s', c.oid::regclass) AS name FROM pg_catalog.pg_class c
     WHERE c.oid = ANY($1::oid[]) AND NOT (pg_catalog.has_table_privilege(c.oid, 'SELECT')
       AND pg_catalog.has_schema_privilege(c.relnamespace, 'USAGE'))`,
    [rels.map((x) => x.oid)],
  );
  const denied = r.rows.map((x) => x.name).sort();
  if (!denied.length) return { id: 'source-privileges', title: 'Source privileges', status: 'pass', detail: `SELECT on all ${rels.length} tables and sequences, USAGE on their schemas` };
  return {
    id: 'source-privileges',
    title: 'Source privileges',
    status: 'fail',
    detail: `the source role cannot read ${denied.length} table(s) or sequence(s)`,
    fix: 'GRANT USAGE ON SCHEMA ... and GRANT SELECT ON ALL TABLES IN SCHEMA ... (and ALL SEQUENCES) to the source role, or connect as the owner',
    objects: firstOf(denied),
  };
};
