/**
 * What verify compares under a selection. Tables are selected by name as the migration selects
 * them, and a partition of a partitioned table in scope is in scope too, whatever its name (a
 * partition is part of its table: `SELECT ... FROM parent` reads it), unless an exclude list names
 * it. A sequence owned by a column follows its table; other sequences are selected by name.
 * Names are always tested as the source's: a target name is mapped back first.
 */
import { displayName } from '../pg/quote.js';
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
  const memo = new Map<string, boolean>();
  const inScope = (t: VerifyTable): boolean => {
    let v = memo.get(t.id);
    if (v === undefined) {
      memo.set(t.id, false); // a cycle cannot happen in pg_inherits; this only guards the recursion
      const s = sourceName(t.schema, t.name);
      const parent = t.isPartition && t.parents[0] ? all.get(displayName(t.parents[0].schema, t.parents[0].name)) : undefined;
      v = rules.table(s.schema, s.name) || (parent !== undefined && inScope(parent) && !rules.excluded(s.schema, s.name));
      memo.set(t.id, v);
    }
    return v;
  };
  return new Map([...all].filter(([, t]) => inScope(t)));
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
