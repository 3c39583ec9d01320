/**
 * The order pre-data runs in: the planned steps sorted by their dependencies, in levels of steps
 * that do not depend on each other, steps that lock a common object grouped on one connection.
 */
import { dependencySort } from '../ddl/dependency-sort.js';
import { afterMovedIndexes } from './indexes-before-data.js';
import type { DdlStep } from './plan-model.js';
import type { PreDataGraph } from './pre-data-graph.js';
import type { PlanScope } from './plan-scope.js';

/** Sets each step's level from the steps before it that it depends on (cycle-broken edges are ignored). */
function assignLevels(steps: DdlStep[], edges: [string, string][]): void {
  const position = new Map(steps.map((s, i) => [s.key, i]));
  const deps = new Map<string, string[]>();
  for (const [from, to] of edges) {
    if (!position.has(from) || !position.has(to) || from === to) continue;
    if (!deps.has(from)) deps.set(from, []);
    deps.get(from)!.push(to);
  }
  const level = new Map<string, number>();
  for (const s of steps) {
    let l = 0;
    for (const d of deps.get(s.key) ?? []) if (position.get(d)! < position.get(s.key)!) l = Math.max(l, level.get(d)! + 1);
    level.set(s.key, l);
    s.level = l;
  }
}

/**
 * The pre-data steps of `graph` that are not blocked, in dependency order with their levels;
 * `movedByTable` (keys and indexes moved before the data) adds ordering edges.
 */
export function orderPreData({ cat }: PlanScope, graph: PreDataGraph, blocked: Map<string, unknown>, movedByTable: Map<string, string[]>): DdlStep[] {
  const sortEdges = [...graph.edges, ...afterMovedIndexes(graph.edges, movedByTable)];
  const preData = dependencySort(
    graph.nodes.filter((n) => !blocked.has(n.key)),
    sortEdges,
  ).map(({ priority: _p, ...step }) => step);
  assignLevels(preData, sortEdges);
  const stepByKey = new Map(preData.map((s) => [s.key, s]));
  for (const r of cat.relations) {
    // partitions and inheritance children lock their parent: keep siblings on one connection
    const step = stepByKey.get(r.key);
    if (step && r.parents.length) step.lockGroup = `pg_class:${r.parents[0].oid}`;
  }
  return preData;
}
