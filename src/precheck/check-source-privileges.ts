/**
 * The source role can read every table, sequence and large object the migration copies (USAGE
 * on their schemas, SELECT, no row-level security hiding rows), as `migrate` checks before it
 * writes anything; what verify alone reads (materialized views) and what the catalog hides from
 * the role (user mapping options) are warnings.
 */
import { accessFix, deniedNames, deniedRelations, describeDenied, sourceAccess, type SourceAccess } from '../catalog/source-access.js';
import { displayIdent, displayName } from '../pg/quote.js';
import { type PrecheckCheck } from './precheck-model.js';
import { stageSteps } from '../plan/plan-model.js';

const ID = 'source-privileges';
const TITLE = 'Source privileges';

/** How many objects lack what, e.g. `no SELECT: 2; no USAGE on the schema: 1`. */
function whyDenied(access: SourceAccess): string {
  const count = (n: number, what: string) => (n ? `${what}: ${n}` : '');
  return [
    count(access.relations.filter((d) => d.noSchemaUsage).length, 'no USAGE on the schema'),
    count(access.relations.filter((d) => d.noSelect).length + access.largeObjects.length, 'no SELECT'),
    count(access.relations.filter((d) => d.rowSecurity).length, 'row-level security hides rows'),
  ].filter(Boolean).join('; ');
}

/** Fails naming what the migration could not read; warns for what only verify reads or the catalog hides. */
export const checkSourcePrivileges: PrecheckCheck = async ({ source, sourceVersion, catalog, plan }) => {
  const access = await sourceAccess(source, sourceVersion, catalog, plan);
  const denied = describeDenied(access);
  const { tables, sequences, largeObjects } = access.checked;
  if (denied.length)
    return {
      id: ID,
      title: TITLE,
      status: 'fail',
      detail: `the source role ${displayIdent(access.role)} cannot read ${denied.length} object(s) the migration copies (of ${tables} table(s), ${sequences} sequence(s), ${largeObjects} large object(s)): ${whyDenied(access)}; migrate refuses to start`,
      fix: accessFix(access, sourceVersion),
      objects: deniedNames(access),
    };
  // verify compares populated materialized views too; the migration itself refreshes them on the target
  const refreshed = new Set(stageSteps(plan, 'refreshes').map((x) => x.key));
  const views = catalog.relations.filter((r) => r.relkind === 'm' && r.populated && refreshed.has(`${r.key}:refresh`));
  const unreadViews = (await deniedRelations(source, views.map((v) => ({ oid: v.oid })))).map((d) => `materialized view ${displayName(d.schema, d.name)}`);
  const hidden = catalog.skipped.filter((s) => s.kind === 'user mapping').map((s) => `user mapping ${s.name}: ${s.reason}`);
  const readable = `SELECT on all ${tables} table(s) and ${sequences} sequence(s) copied, USAGE on their schemas, ${largeObjects} large object(s) readable`;
  if (!unreadViews.length && !hidden.length) return { id: ID, title: TITLE, status: 'pass', detail: readable };
  return {
    id: ID,
    title: TITLE,
    status: 'warn',
    detail: `${readable}; but ${[
      unreadViews.length ? `verify cannot compare ${unreadViews.length} materialized view(s) the role cannot read` : '',
      hidden.length ? `${hidden.length} user mapping(s) are skipped: their options are hidden from the role` : '',
    ].filter(Boolean).join(', and ')}`,
    fix: [
      unreadViews.length ? 'GRANT SELECT on the materialized views to the source role' : '',
      hidden.length ? "create the user mappings on the target by hand, or migrate as the foreign servers' owner" : '',
    ].filter(Boolean).join('; '),
    objects: [...unreadViews, ...hidden],
  };
};
