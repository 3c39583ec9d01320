/**
 * Keys and indexes built in pre-data, before their table's rows arrive: those of tables that get
 * no rows, and the plain-column ones of small tables (see moveIndexesBeforeData).
 */
import type { DdlStep } from './plan-model.js';
import { PRIORITY, type PreDataGraph } from './pre-data-graph.js';
import { dn, type PlanScope } from './plan-scope.js';

/**
 * Up to this many rows (and this size: reltuples can be 0 or -1 on a table never analyzed) a
 * table's plain-column keys and indexes are built before its rows arrive (see below).
 */
const INDEX_BEFORE_DATA_ROWS = 2000;
const INDEX_BEFORE_DATA_BYTES = 256 * 1024;

/**
 * Keys and indexes of tables that get no rows (no page in the snapshot, or no data phase) cost
 * nothing to build: they join pre-data, batched after their table on the table's connection,
 * instead of taking a post-data round trip each (10,000 empty tables: 30,000 round trips). So
 * do the plain-column ones of small tables: a key added after the data costs ~0.8 ms whatever
 * the size (catalog rows, a new file and its fsync), while keeping it up during the COPY costs
 * ~0.36 µs a row, so below ~2,000 rows it pays. Measured with 40 tables with a primary and a
 * unique key, COPY then ADD against COPY into keyed tables: 4.25 against 3.36 ms a table at
 * 1,000 rows, 6.86 against 9.14 at 4,000. shared/bench's 300 lookup tables of 1,000 rows: 600
 * post-data steps fewer.
 * Expression and partial indexes stay after the data: their expressions run the table's own
 * functions, which may read other tables that are not loaded yet.
 *
 * Moves those steps from `indexes` into `graph`; returns, by table key, the keys of the steps
 * that moved.
 */
export function moveIndexesBeforeData({ cat, opts }: PlanScope, indexes: DdlStep[], plainSteps: Set<string>, graph: PreDataGraph): Map<string, string[]> {
  const movedByTable = new Map<string, string[]>();
  if (opts.indexesWithEmptyTables === false) return movedByTable;
  const plainOnly = new Set<string>();
  const early = new Map<string, string>();
  for (const r of cat.relations) {
    if (r.relkind !== 'r' || r.isPartition || r.parents.length) continue;
    if (opts.noData || r.blocks === 0) early.set(dn(r), r.key);
    else if (r.bytes <= INDEX_BEFORE_DATA_BYTES && r.estimatedRows <= INDEX_BEFORE_DATA_ROWS) {
      early.set(dn(r), r.key);
      plainOnly.add(dn(r));
    }
  }
  const moved = new Set(indexes.filter((s) => s.table !== undefined && early.has(s.table) && (!plainOnly.has(s.table) || plainSteps.has(s.key))));
  indexes.splice(0, indexes.length, ...indexes.filter((s) => !moved.has(s)));
  for (const s of moved) {
    const tableKey = early.get(s.table!)!;
    graph.nodes.push({ ...s, priority: PRIORITY.index, lockGroup: tableKey });
    graph.edges.push([s.key, tableKey]);
    if (!movedByTable.has(tableKey)) movedByTable.set(tableKey, []);
    movedByTable.get(tableKey)!.push(s.key);
  }
  return movedByTable;
}

/**
 * Ordering edges that put whatever else needs a table in pre-data (a view reading it, a child
 * inheriting it, a sequence owned by it) after the keys and indexes of it that moved there.
 * ADD CONSTRAINT holds ACCESS EXCLUSIVE on the table until its level commits, so a view over two
 * such tables, on another connection of the same level, could wait for one session while that
 * session waits for the view's. Only ordering: an index left out does not leave out the view. No
 * edge where the index itself needs the dependent (an expression index calling a function that
 * takes the table's row type): that would be a cycle.
 */
export function afterMovedIndexes(edges: [string, string][], movedByTable: Map<string, string[]>): [string, string][] {
  if (movedByTable.size === 0) return [];
  const needs = new Map<string, string[]>();
  for (const [from, to] of edges) {
    if (!needs.has(from)) needs.set(from, []);
    needs.get(from)!.push(to);
  }
  // everything a moved step needs, directly or not: computed once a step, not once a dependent
  const ancestors = new Map<string, Set<string>>();
  const needed = (step: string): Set<string> => {
    let seen = ancestors.get(step);
    if (seen) return seen;
    seen = new Set<string>();
    const stack = [step];
    while (stack.length) {
      for (const next of needs.get(stack.pop()!) ?? []) {
        if (seen.has(next)) continue;
        seen.add(next);
        stack.push(next);
      }
    }
    ancestors.set(step, seen);
    return seen;
  };
  const moved = new Set([...movedByTable.values()].flat());
  const out: [string, string][] = [];
  for (const [from, to] of edges) {
    const steps = movedByTable.get(to);
    if (!steps || moved.has(from)) continue;
    for (const step of steps) if (!needed(step).has(from)) out.push([from, step]);
  }
  return out;
}
