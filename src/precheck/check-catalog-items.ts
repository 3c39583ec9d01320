/**
 * Items read from the source's catalog and the plan alone: tables without a key, objects that
 * cannot move (C functions and what needs them), what the target's version lacks, roles missing
 * on the target or owners the target account cannot keep, extensions the target cannot install.
 */
import { displayName } from '../pg/quote.js';
import { neededMissingRoles } from '../plan/plan-inputs.js';
import { LONE_PARTITIONS_FIX, resolveSelection, selects } from '../plan/selection.js';
import { ownersWarning } from '../ddl/owner-rights.js';
import { type PrecheckCheck } from './precheck-model.js';
import { rootCauses } from './skip-causes.js';

export const checkPrimaryKeys: PrecheckCheck = async ({ catalog, plan }) => {
  const planned = new Set(plan.preData.map((s) => s.key));
  const tables = catalog.relations.filter((r) => (r.relkind === 'r' || r.relkind === 'p') && planned.has(r.key));
  // partitions carry their own copy of the parent's key, so each leaf is judged by itself
  const keyless = tables
    .filter((t) => t.relkind === 'r' && !t.constraints.some((c) => c.type === 'p' || c.type === 'u'))
    .map((t) => displayName(t.schema, t.name));
  if (!keyless.length) return { id: 'primary-keys', title: 'Tables without a primary key', status: 'pass', detail: 'every table has a primary or unique key' };
  return {
    id: 'primary-keys',
    title: 'Tables without a primary key',
    status: 'warn',
    detail: `${keyless.length} table(s) have no primary or unique key: they migrate exactly once all the same (each table is copied in one transaction), but verify compares them whole and later incremental sync will need a key`,
    fix: 'add a primary key on the source where one makes sense',
    objects: keyless,
  };
};

export const checkSkippedObjects: PrecheckCheck = async ({ plan }) => {
  // grouped by first cause: what needs a right the target account lacks is its own item
  const root = rootCauses(plan.skipped);
  const c = plan.skipped.filter((s) => /C-language/.test(root(s).reason));
  if (!c.length) return { id: 'c-functions', title: 'C-language functions', status: 'pass', detail: 'no C-language function, nothing depends on one' };
  return {
    id: 'c-functions',
    title: 'C-language functions',
    status: 'warn',
    detail: `${c.length} object(s) will not be migrated: C-language functions (their shared library cannot be moved) and the objects that need them`,
    fix: 'install the library on the target and create these objects there yourself, or drop them on the source',
    objects: c.map((s) => `${s.kind} ${s.name}: ${s.reason}`),
  };
};

/**
 * Selected objects that need something the selection leaves out. A foreign key to a table left
 * out fails (its rows could not be checked); so does a partition selected without its
 * partitioned table (it cannot be created as a partition: the user chooses between the parent
 * and partitionsAsTables); other objects (views, functions) warn.
 */
export const checkSelection: PrecheckCheck = async ({ plan, catalog, selection }) => {
  const lone = selects(selection) ? resolveSelection(catalog, selection).lonePartitions : [];
  const cut = plan.skipped.filter((s) => /which is not selected/.test(s.reason));
  if (!cut.length && !lone.length) return { id: 'selection', title: 'Selection consistency', status: 'pass', detail: 'no selected object needs one that is left out' };
  // a foreign key to a table left out fails; what needs a column left out is skipped knowingly
  const keys = cut.filter((s) => s.kind === 'constraint' && s.reason.startsWith('depends on'));
  const details = [
    ...(lone.length ? [`${lone.length} partition(s) are selected without their partitioned table and cannot be created as partitions`] : []),
    ...(keys.length ? [`${keys.length} foreign key(s) point at tables the selection leaves out`] : []),
    ...(cut.length - keys.length ? [`${cut.length - keys.length} ${keys.length ? 'other ' : ''}selected object(s) need objects the selection leaves out and will be skipped`] : []),
  ];
  const fixes = [
    ...(lone.length ? [`for the partitions: ${LONE_PARTITIONS_FIX}`] : []),
    ...(keys.length ? ['add the referenced (parent) tables to the selection, or leave the referencing (child) tables out too, or drop the foreign key on the source'] : []),
    ...(!lone.length && !keys.length ? ['add what they need to the selection, or leave them out too'] : []),
  ];
  return {
    id: 'selection',
    title: 'Selection consistency',
    status: keys.length || lone.length ? 'fail' : 'warn',
    detail: details.join('; '),
    fix: fixes.join('; '),
    objects: [
      ...lone.map((l) => `partition ${l.partition} is selected without its partitioned table ${l.parent}`),
      ...cut.map((s) => `${s.kind} ${s.name}: ${s.reason}`),
    ],
  };
};

export const checkTargetVersionGaps: PrecheckCheck = async ({ plan, targetVersion }) => {
  const gaps = plan.skipped.filter((s) => /PostgreSQL 1\d and later|removed in PostgreSQL/.test(s.reason));
  const notes = plan.notes.filter((n) => !n.startsWith('extension '));
  if (!gaps.length && !notes.length) return { id: 'target-version', title: 'Objects the target version lacks', status: 'pass', detail: `PostgreSQL ${Math.floor(targetVersion / 10000)} takes every object of the source` };
  return {
    id: 'target-version',
    title: 'Objects the target version lacks',
    status: gaps.length ? 'fail' : 'warn',
    detail: `${gaps.length} object(s) cannot be created on PostgreSQL ${Math.floor(targetVersion / 10000)}${notes.length ? `; ${notes.length} note(s)` : ''}`,
    fix: gaps.length ? 'change these objects on the source (each line says how), or accept that they are skipped' : undefined,
    objects: [...gaps.map((s) => `${s.kind} ${s.name}: ${s.reason}`), ...notes],
  };
};

/**
 * Owners and grantees: roles missing on the target, and owners the target account may not give
 * objects to (not a member, or the role lacks CREATE in the schema). Either way the objects
 * belong to the account, as with --no-owner; one item lists both, with how to keep them.
 */
export const checkRoles: PrecheckCheck = async ({ catalog, plan, targetContext, inputs }) => {
  const missing = neededMissingRoles(catalog, targetContext, inputs);
  const w = ownersWarning(missing, plan.account?.ownersNotKept ?? [], targetContext.account);
  if (!w) return { id: 'roles', title: 'Roles on the target', status: 'pass', detail: 'every role that owns objects or holds privileges on the source exists on the target, and the target account may give objects to each owner' };
  return { id: 'roles', title: 'Roles on the target', status: 'warn', detail: w.detail, fix: w.fix, objects: w.objects };
};

export const checkExtensions: PrecheckCheck = async ({ catalog, targetContext }) => {
  const available = targetContext.extensions;
  if (!catalog.extensions.length) return { id: 'extensions', title: 'Extensions', status: 'pass', detail: 'the source uses no extension besides plpgsql' };
  if (!available) return { id: 'extensions', title: 'Extensions', status: 'warn', detail: 'the target cannot list its available extensions (pg_available_extension_versions failed)', fix: 'check by hand that the target has these extensions', objects: catalog.extensions.map((e) => `${e.name} ${e.version}`) };
  const missing = catalog.extensions.filter((e) => !available.has(e.name)).map((e) => `${e.name} ${e.version}`);
  const otherVersion = catalog.extensions.filter((e) => available.has(e.name) && !available.get(e.name)!.includes(e.version)).map((e) => `${e.name} ${e.version} (target offers ${available.get(e.name)!.join(', ')})`);
  if (missing.length) return { id: 'extensions', title: 'Extensions', status: 'fail', detail: `${missing.length} extension(s) cannot be installed on the target`, fix: "install the extensions' packages on the target server (e.g. postgresql-NN-postgis)", objects: [...missing, ...otherVersion] };
  if (otherVersion.length) return { id: 'extensions', title: 'Extensions', status: 'warn', detail: 'some extensions will be installed at another version', fix: 'check the extensions\' release notes for changes between these versions', objects: otherVersion };
  return { id: 'extensions', title: 'Extensions', status: 'pass', detail: `all ${catalog.extensions.length} extension(s) available at the source's version: ${catalog.extensions.map((e) => `${e.name} ${e.version}`).join(', ')}` };
};
