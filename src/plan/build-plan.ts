/**
 * Turns a Catalog into a Plan: pre-data DDL in dependency order, copy units largest first, and
 * the post-data stages (indexes, foreign keys, triggers, refreshes, final steps), then sequences,
 * ANALYZE and the renames. Each part is its own module; this one calls them in order.
 */
import type { Catalog } from '../catalog/model.js';
import { skipClosure } from './skip-closure.js';
import { attachDeps } from './step-deps.js';
import { analyzeTargets } from './analyze-targets.js';
import { extensionConfigData } from './extension-config-data.js';
import type { Plan } from './plan-model.js';
import type { PlanOptions } from './plan-options.js';
import { planScope } from './plan-scope.js';
import { targetLimits } from './target-limits.js';
import { PreDataGraph } from './pre-data-graph.js';
import { preDataSteps } from './pre-data-steps.js';
import { copiedSequences, copyUnits } from './copy-units.js';
import { keptSteps, postDataStages, postDataStepLists, refreshSteps, type StageSteps } from './post-data-stages.js';
import { finalSteps } from './final-steps.js';
import { orderPreData } from './pre-data-order.js';
import { accountEffects } from './account-effects.js';
import { planRenames } from './plan-renames.js';

export type { PlanOptions } from './plan-options.js';

/** Builds the plan for every object of the catalog (as the options select it). */
export function buildPlan(sourceCatalog: Catalog, opts: PlanOptions): Plan {
  const scope = planScope(sourceCatalog, opts);
  const { cat } = scope;
  const limits = targetLimits(scope);
  const graph = new PreDataGraph();
  const pre = preDataSteps(scope, graph);
  const units = copyUnits(scope);
  const post = postDataStepLists(scope, graph, pre.relations);
  const final = finalSteps(scope, graph);

  // skipped objects and everything that depends on them
  const steps: StageSteps = { ...post.steps, refreshes: [], final: final.steps };
  const skipped = [...cat.skipped, ...limits.skips, ...pre.skips, ...post.skips, ...final.skips, ...scope.columns.skipped];
  const postSteps = postDataStages(steps).flatMap((s) => s.steps);
  const blocked = skipClosure(skipped, [...graph.nodes, ...postSteps], graph.edges, scope.selection?.unselected ?? new Set());
  // a base type that cannot be created leaves no shell behind
  for (const t of cat.baseTypes) if (blocked.has(t.key)) blocked.set(`${t.key}:shell`, blocked.get(t.key)!);
  const account = accountEffects(scope, blocked, limits.rightsSkips, pre.changedFunctions);

  const preData = orderPreData(scope, graph, blocked, post.movedByTable);
  // extensions' configuration rows first: the data phase loads them one by one, in key order
  const extensionData = extensionConfigData(cat, blocked, opts.selection);
  const renames = planRenames(scope, blocked);
  const plan: Plan = {
    preData,
    units: [...extensionData.units, ...units.filter((u) => !blocked.has(u.key))],
    postData: postDataStages(keptSteps({ ...steps, refreshes: refreshSteps(scope, preData) }, blocked)),
    largeObjects: cat.largeObjects,
    sequences: copiedSequences(scope, blocked).concat(extensionData.sequences),
    analyze: analyzeTargets(cat, blocked, new Set(cat.statistics.map((st) => st.relOid)), opts.targetMajor),
    renames: renames.renames,
    skipped,
    notes: [...pre.notes, ...limits.notes],
    selectionNotes: [...(scope.selection?.notes ?? []), ...scope.columns.notes, ...renames.notes],
    account,
  };
  attachDeps(plan, graph.edges, cat.indexes);
  return plan;
}
