/**
 * Catalog: export the snapshot, read the source's catalog in it (with more readers side by side),
 * build the plan for this target, and refuse what cannot run before the target is touched.
 */
import { joinSnapshot } from '../pg/snapshot.js';
import { readCatalog } from '../catalog/read-catalog.js';
import { refuseUnreadableSource } from '../catalog/source-access.js';
import { ownersWarning } from '../ddl/owner-rights.js';
import { buildPlan } from '../plan/build-plan.js';
import { mappingProblems, needsColumnDepends } from '../plan/name-mapping.js';
import { targetContext, targetPlanOptions } from '../plan/target-context.js';
import { neededMissingRoles } from '../plan/plan-inputs.js';
import { readSequenceValues, type SequenceValue } from '../plan/sequence-values.js';
import { dataOnlyNotes, dataOnlyRights, foreignKeyOrder, type ForeignKeyOrder } from '../plan/data-only-load.js';
import type { Plan } from '../plan/plan-model.js';
import type { Catalog } from '../catalog/model.js';
import { PgferryError } from '../errors.js';
import type { Connected } from './phase-connect.js';
import type { RunContext } from './run-context.js';

export interface Planned {
  plan: Plan;
  /** The source's catalog the plan was built from (an incremental run routes its changes by it). */
  catalog: Catalog;
  sequenceValues: SequenceValue[];
  /** --data-only with session_replication_role = replica: foreign keys and triggers are off. */
  checksOff: boolean;
  /** --data-only with checks on: the waves of tables in foreign-key order. */
  loadOrder?: ForeignKeyOrder;
  /** --data-only: tables the account may not TRUNCATE, emptied with DELETE. */
  deleteRows: Set<string>;
}

export async function catalogPhase(ctx: RunContext, conn: Connected, snapshotId: string): Promise<Planned> {
  const { opts, log } = ctx;
  const { leader, target, sourceVersion, targetVersion } = conn;
  return ctx.phase('catalog', undefined, async () => {
    // more readers in the same snapshot: the big catalog queries run side by side
    const readers = await ctx.openMany('source', ctx.jobs() - 1);
    await Promise.all(readers.map((s) => joinSnapshot(s, snapshotId)));
    const cat = await readCatalog([leader, ...readers], sourceVersion, { columnDepends: needsColumnDepends(opts.selection, opts.mapping) });
    await Promise.all(readers.map((s) => s.query('COMMIT').then(() => s.end())));
    const tctx = await targetContext(target);
    const problems = opts.mapping ? mappingProblems(cat, opts.mapping, opts.selection) : [];
    if (problems.length)
      throw new PgferryError('PGFERRY_E_MAPPING', problems.join('; '), { object: 'name mapping', fix: 'correct the mapping (pgferry precheck lists every problem)' });
    const plan = buildPlan(cat, {
      ...targetPlanOptions(tctx, targetVersion, opts),
      noData: opts.schemaOnly,
      slicing: { enabled: Boolean(opts.splitTables) && !opts.dataOnly && sourceVersion >= 140000, jobs: ctx.jobs(), minBytes: opts.minSliceBytes },
    });
    // a source role that cannot read some of the data is refused here, before the target is touched
    if (!opts.schemaOnly) await refuseUnreadableSource(leader, sourceVersion, cat, plan);
    const sequenceValues = opts.schemaOnly ? [] : await readSequenceValues(leader, plan.sequences);
    // --data-only: what the account may do to the tables that exist, known before a row moves
    const checksOff = opts.dataOnly && tctx.account.replicaRole;
    let loadOrder: ForeignKeyOrder | undefined;
    let deleteRows = new Set<string>();
    if (opts.dataOnly) {
      const rights = await dataOnlyRights(target, plan);
      if (rights.problems.length)
        throw new PgferryError('PGFERRY_E_PERMISSION', `the target role ${tctx.account.user} cannot load into what exists on the target: ${rights.problems.join('; ')}`, {
          object: 'target',
          fix: 'grant the privileges named (GRANT INSERT, TRUNCATE ON ... / GRANT UPDATE ON SEQUENCE ...) to the target role, or connect as the objects\' owner; nothing was written',
        });
      deleteRows = rights.deleteRows;
      if (!checksOff) loadOrder = foreignKeyOrder(cat, plan.units.filter((u) => u.filter === undefined));
      // pre-data does not run: its fallbacks (owners, LEAKPROOF...) do not apply, the load's do
      if (plan.account) {
        plan.account.notes = dataOnlyNotes(tctx.account.user, checksOff, loadOrder, deleteRows.size);
        plan.account.ownersNotKept = [];
      }
    }
    const missing = neededMissingRoles(cat, tctx, { noOwner: Boolean(opts.noOwner), noPrivileges: Boolean(opts.noPrivileges) });
    for (const note of [...plan.notes, ...plan.selectionNotes, ...(plan.account?.notes ?? [])]) log.log('warn', note);
    // one warning for every owner that does not make it: missing roles, and roles the account may not give objects to
    const owners = ownersWarning(missing, plan.account?.ownersNotKept ?? [], tctx.account);
    if (owners) log.log('warn', owners.line);
    return { plan, catalog: cat, sequenceValues, checksOff, loadOrder, deleteRows };
  });
}
