/**
 * The pre-data steps while the plan is built: each step with its place in pg_dump's rough order,
 * and the ordering edges between steps (from the catalog's dependencies and the planner's own).
 */
import type { DdlStep } from './plan-model.js';

/** Rough pg_dump order for objects that do not depend on each other. */
export const PRIORITY: Record<string, number> = {
  schema: 1, 'foreign-data wrapper': 1.2, 'foreign server': 1.3, 'user mapping': 1.4, extension: 1.5, collation: 1.7,
  'shell type': 1.8, enum: 2, composite: 3, domain: 3, 'range type': 3, function: 4, 'base type': 4.2, aggregate: 5,
  operator: 5.1, 'operator family': 5.2, 'operator class': 5.3, 'operator family members': 5.4, cast: 5.5,
  'text search parser': 5.6, 'text search template': 5.6, 'text search dictionary': 5.7, 'text search configuration': 5.8,
  sequence: 6, table: 7, 'foreign table': 7, 'check constraint': 7.5, view: 8, 'materialized view': 9, 'sequence owner': 10,
  'large object': 11, 'view definition': 8.5, index: 7.2, constraint: 7.2, language: 1.6, 'access method': 1.6, transform: 5.9, conversion: 5.9,
};

export interface PreDataNode extends DdlStep {
  priority: number;
}

export class PreDataGraph {
  readonly nodes: PreDataNode[] = [];
  /** [from, to]: `from` needs `to`. The planner's own edges, then (once the relations are in) the catalog's before them. */
  edges: [string, string][] = [];

  /** Adds a step of `kind`, placed by the kind's priority among steps it does not depend on. */
  add(key: string, kind: string, name: string, sql: string[]): PreDataNode {
    const node: PreDataNode = { key, kind, name, sql, priority: PRIORITY[kind] };
    this.nodes.push(node);
    return node;
  }
}
