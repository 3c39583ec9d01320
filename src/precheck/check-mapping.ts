/** Object name mapping: possible at all, and what it does to other objects. */
import { mappingProblems, renamesAnything } from '../plan/name-mapping.js';
import { displayIdent } from '../pg/quote.js';
import { type PrecheckCheck } from './precheck-model.js';

const title = 'Object name mapping';

export const checkMapping: PrecheckCheck = async ({ catalog, plan, mapping, selection, targetContext }) => {
  if (!renamesAnything(mapping)) return { id: 'mapping', title, status: 'pass', detail: 'no object is renamed' };
  const problems = mappingProblems(catalog, mapping, selection);
  if (problems.length)
    return { id: 'mapping', title, status: 'fail', detail: `${problems.length} problem(s) in the mapping`, fix: 'correct the mapping: map only selected objects that exist, to distinct names of at most 63 bytes', objects: problems };
  const renamedSchemas = (mapping.schemas ?? []).filter((s) => s.from !== s.to);
  // pgferry builds under the source's names and renames at the end: an existing schema (public) goes with it
  const existing = renamedSchemas.filter((s) => targetContext.schemas.has(s.from)).map((s) =>
    `schema ${displayIdent(s.from)} exists on the target and is renamed to ${displayIdent(s.to)} with the migrated objects in it; the target then has no schema ${displayIdent(s.from)} (CREATE SCHEMA ${displayIdent(s.from)} makes a new, empty one)`);
  const stale = plan.selectionNotes.filter((n) => n.includes('which a rename does not rewrite'));
  const renames = plan.renames.reduce((a, s) => a + s.sql.length, 0);
  if (existing.length || stale.length)
    return {
      id: 'mapping',
      title,
      status: 'warn',
      detail: `${renames} rename(s) at the end of the migration; ${stale.length} with function bodies that keep the old name, ${existing.length} of a schema the target has`,
      fix: 'change the functions listed on the target after the migration (or on the source before it); for a schema the target already has, map into a new name and move objects later if the old one must stay',
      objects: [...existing, ...stale],
    };
  return { id: 'mapping', title, status: 'pass', detail: `${renames} rename(s) at the end of the migration; PostgreSQL rewrites every view, key, index, trigger and policy that refers to them` };
};
