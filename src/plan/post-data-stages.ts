/**
 * Everything after the data, as the stages of Plan.postData: the one place their order is
 * written, with how each runs. Keys and indexes first (keyAndIndexSteps), then foreign keys,
 * triggers, the tables' extras, materialized view refreshes and the final steps.
 */
import type { SkippedObject } from '../catalog/model.js';
import { renderTrigger } from '../ddl/render-post-data.js';
import { renderPolicy, renderRowSecurity, renderRule, renderStatistics } from '../ddl/render-table-extras.js';
import { renderViewDefinition } from '../ddl/render-relations.js';
import { displayIdent, displayName, qualified } from '../pg/quote.js';
import { moveIndexesBeforeData } from './indexes-before-data.js';
import { keyAndIndexSteps } from './key-and-index-steps.js';
import type { DdlStep, PostDataStage, PostDataStageName } from './plan-model.js';
import type { PreDataGraph } from './pre-data-graph.js';
import { dn, type PlanScope } from './plan-scope.js';
import type { RelationSteps } from './relation-steps.js';

/** The stages in the order they run, and how each runs. */
const STAGES: Omit<PostDataStage, 'steps'>[] = [
  // keys and indexes of partitioned tables: no data of their own, instant
  { stage: 'parent-indexes', run: 'parallel' },
  // keys and indexes of tables with data, largest table first; each table analyzed once they are built
  { stage: 'indexes', run: 'indexes' },
  // partition index attachments, CLUSTER and REPLICA IDENTITY settings
  { stage: 'index-finish', run: 'serial' },
  // foreign keys of large tables added NOT VALID (no scan; a moment's lock on both tables), so
  // that the next stage validates them side by side
  { stage: 'foreign-key-adds', run: 'parallel' },
  // foreign keys, NOT VALID checks, and the validations of the keys added before
  { stage: 'foreign-keys', run: 'parallel' },
  { stage: 'triggers', run: 'serial' },
  // view definitions that needed keys, rules, row-level security, policies, extended statistics
  { stage: 'table-extras', run: 'serial' },
  // materialized views populated on the source, in dependency order
  { stage: 'refreshes', run: 'serial', needsData: true },
  // event triggers (which would fire on pgferry's own DDL), publications, default privileges
  { stage: 'final', run: 'serial' },
];

/** Each stage's steps. */
export type StageSteps = Record<PostDataStageName, DdlStep[]>;

/** The stages of `steps`, in the order they run. */
export function postDataStages(steps: StageSteps): PostDataStage[] {
  return STAGES.map((s) => ({ ...s, steps: steps[s.stage] }));
}

export interface PostDataStepLists {
  steps: Omit<StageSteps, 'refreshes' | 'final'>;
  /** By table key, the keys and indexes moved into pre-data (see indexes-before-data.ts). */
  movedByTable: Map<string, string[]>;
  /** Policies for roles the target lacks. */
  skips: SkippedObject[];
}

/**
 * The post-data steps up to the tables' extras, before anything is left out; the keys and
 * indexes that can be built before their table's rows move into `graph`.
 */
export function postDataStepLists(scope: PlanScope, graph: PreDataGraph, relations: RelationSteps): PostDataStepLists {
  const keys = keyAndIndexSteps(scope);
  const movedByTable = moveIndexesBeforeData(scope, keys.indexes, keys.plainSteps, graph);
  const onTable = (o: { name: string; schema: string; table: string }) => `${displayIdent(o.name)} on ${displayName(o.schema, o.table)}`;
  const triggers: DdlStep[] = scope.cat.triggers.map((t) => ({ key: t.key, kind: 'trigger', name: onTable(t), sql: renderTrigger(t) }));
  const extras = tableExtraSteps(scope, relations, onTable);
  const steps = {
    'parent-indexes': keys.parentIndexes,
    indexes: keys.indexes,
    'index-finish': keys.indexFinish,
    'foreign-key-adds': keys.foreignKeyAdds,
    'foreign-keys': keys.foreignKeys,
    triggers,
    'table-extras': extras.steps,
  };
  return { steps, movedByTable, skips: extras.skips };
}

/** After the data: the definitions of views that needed keys, rules, row-level security, policies, statistics. */
function tableExtraSteps(
  { cat, own }: PlanScope,
  { postponedViews, outgoing, keyConstraints }: RelationSteps,
  onTable: (o: { name: string; schema: string; table: string }) => string,
): { steps: DdlStep[]; skips: SkippedObject[] } {
  const steps: DdlStep[] = [];
  const skips: SkippedObject[] = [];
  for (const v of postponedViews) {
    const needs = (outgoing.get(v.key) ?? []).filter((k) => keyConstraints.has(k));
    steps.push({ key: `${v.key}:definition`, kind: 'view definition', name: dn(v), sql: renderViewDefinition(v), deps: [v.key, ...needs] });
  }
  for (const r of cat.rules) steps.push({ key: r.key, kind: 'rule', name: onTable(r), sql: renderRule(r) });
  for (const r of cat.relations) {
    const sql = renderRowSecurity(r);
    if (sql.length) steps.push({ key: `${r.key}:row-security`, kind: 'row security', name: dn(r), sql, deps: [r.key] });
  }
  for (const p of cat.policies) {
    const missing = p.roles.filter((r): r is string => r !== null && !own.targetRoles.has(r));
    if (missing.length) skips.push({ key: p.key, kind: 'policy', name: onTable(p), reason: `role ${missing.join(', ')} does not exist on the target (a policy for fewer roles would change who sees which rows)` });
    else steps.push({ key: p.key, kind: 'policy', name: onTable(p), sql: renderPolicy(p) });
  }
  for (const st of cat.statistics) steps.push({ key: st.key, kind: 'statistics', name: dn(st), sql: renderStatistics(st, own) });
  return { steps, skips };
}

/** A REFRESH for each materialized view populated on the source, in pre-data's (dependency) order. */
export function refreshSteps({ relByOid }: PlanScope, preData: DdlStep[]): DdlStep[] {
  return preData
    .filter((s) => s.kind === 'materialized view')
    .map((s) => relByOid.get(Number(s.key.split(':')[1]))!)
    .filter((r) => r.populated)
    .map((r) => ({ key: `${r.key}:refresh`, kind: 'refresh', name: dn(r), sql: [`REFRESH MATERIALIZED VIEW ${qualified(r.schema, r.name)}`], deps: [r.key] }));
}

/** Each stage's steps without the blocked ones; a foreign key's validation goes with its key. */
export function keptSteps(steps: StageSteps, blocked: Map<string, unknown>): StageSteps {
  const keep = (list: DdlStep[]) => list.filter((st) => !blocked.has(st.key) && !(st.kind === 'foreign key check' && blocked.has(st.deps![0])));
  return Object.fromEntries(Object.entries(steps).map(([stage, list]) => [stage, keep(list)])) as StageSteps;
}
