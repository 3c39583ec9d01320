/**
 * What verify compares under a selection: the tables the migration takes, by the plan's own rule
 * (plan/relation-trees.ts): selected by name, and a partition or inheritance child of a table in
 * scope is in scope too, whatever its name (`SELECT ... FROM parent` reads it), unless an exclude
 * list names it. A partition named without its parent is compared on its own (the migration
 * refuses it, or creates it as a plain table). A sequence owned by a column follows its table;
 * other sequences are selected by name. Names are always tested as the source's: a target name
 * is mapped back first.
 */
import { displayName } from '../pg/quote.js';
import { selectTrees } from '../plan/relation-trees.js';
import { selectionMatchers, selects, type Selection } from '../plan/selection.js';
import type { VerifySequence, VerifyTable } from './table-inventory.js';

type Name = { schema: string; name: string };

export interface ScopeRules {
  schema: (schema: string) => boolean;
  /** Selected by the include and exclude lists. */
  table: (schema: string, name: string) => boolean;
  /** Named by an exclude list (schemas or tables). */
  excluded: (schema: string, name: string) => boolean;
}

const EVERYTHING: ScopeRules = { schema: () => true, table: () => true, excluded: () => false };

/** The selection's rules, or rules that take everything when it selects nothing. */
export function scopeRules(sel: Selection | undefined): ScopeRules {
  if (!selects(sel)) return EVERYTHING;
  const m = selectionMatchers(sel);
  const exclusions = selectionMatchers({ excludeSchemas: sel.excludeSchemas, excludeTables: sel.excludeTables });
  return { schema: m.schema, table: m.table, excluded: (s, n) => !exclusions.table(s, n) };
}

/**
 * The relations of one side that the rules put in scope, by id. `sourceName` gives the source's
 * name of a relation of this side (itself on the source).
 */
export function tablesInScope(all: Map<string, VerifyTable>, rules: ScopeRules, sourceName: (schema: string, name: string) => Name): Map<string, VerifyTable> {
  const list = [...all.values()];
  // selectTrees keys relations by number: this side's tables get theirs from their order here
  const oids = new Map(list.map((t, i) => [t.id, i + 1]));
  const rels = list.map((t, i) => ({
    oid: i + 1, schema: t.schema, name: t.name, isPartition: t.isPartition, table: t,
    parents: t.parents.map((p) => ({ oid: oids.get(displayName(p.schema, p.name)) ?? 0, schema: p.schema, name: p.name })),
  }));
  const source = (r: { schema: string; name: string }) => sourceName(r.schema, r.name);
  const trees = selectTrees(rels, {
    named: (r) => { const s = source(r); return rules.table(s.schema, s.name); },
    excluded: (r) => { const s = source(r); return rules.excluded(s.schema, s.name); },
  }, true);
  return new Map(rels.filter((r) => trees.selected.has(r.oid)).map((r) => [r.table.id, r.table]));
}

/**
 * The sequences of one side in scope: an owned one when its table is in `tables` (this side's
 * relations in scope) and its schema is selected, another when the rules select its name.
 */
export function sequencesInScope(all: VerifySequence[], tables: Map<string, VerifyTable>, rules: ScopeRules, sourceName: (schema: string, name: string) => Name): VerifySequence[] {
  return all.filter((q) => {
    const s = sourceName(q.schema, q.name);
    return q.owner ? tables.has(displayName(q.owner.schema, q.owner.name)) && rules.schema(s.schema) : rules.table(s.schema, s.name);
  });
}
