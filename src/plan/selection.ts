/**
 * Object selection: schemas and tables by include and exclude lists of glob patterns (`*`, `?`).
 * A table pattern with a dot matches `schema.table`, without one it matches the table name in any
 * schema. Sequences, views and materialized views count as tables; a sequence owned by a column
 * follows its table. What is not selected is left out silently; a selected object that needs one
 * is skipped with the reason (the planner's skip closure does that). Patterns are matched by
 * glob-match.ts, never as regular expressions, and each list is held to its limits.
 */
import type { Catalog } from '../catalog/model.js';
import { assertGlobLimits, compileGlobs, hasWildcard } from './glob-match.js';

export interface Selection {
  includeSchemas?: string[];
  excludeSchemas?: string[];
  includeTables?: string[];
  excludeTables?: string[];
  /**
   * Columns, as `schema.table.column` or `table.column` globs. A table named by an include
   * pattern keeps only the columns its include patterns match; other tables keep every column.
   */
  includeColumns?: string[];
  excludeColumns?: string[];
}

/** The selection's lists, named as the task spec names them (for limit errors). */
const LISTS = ['includeSchemas', 'excludeSchemas', 'includeTables', 'excludeTables', 'includeColumns', 'excludeColumns'] as const;

/** Holds every list to the glob limits, for callers that did not come through the spec or flags. */
function assertSelectionLimits(sel: Selection): void {
  for (const field of LISTS) assertGlobLimits(sel[field] ?? [], field);
}

function matcher(patterns: string[] | undefined, field: string): ((s: string) => boolean) | undefined {
  return patterns?.length ? compileGlobs(patterns, field) : undefined;
}

/** Whether a selection leaves anything out at all. */
export function selects(sel: Selection | undefined): sel is Selection {
  return Boolean(sel && (sel.includeSchemas?.length || sel.excludeSchemas?.length || sel.includeTables?.length || sel.excludeTables?.length || selectsColumns(sel)));
}

/** Whether a selection leaves columns out. */
export function selectsColumns(sel: Selection | undefined): boolean {
  return Boolean(sel?.includeColumns?.length || sel?.excludeColumns?.length);
}

/** Splits `a.b.c` or `b.c` into its table part (`a.b` / `b`) and its column part. */
function splitColumnPattern(p: string): { table: string; column: string } {
  const dot = p.lastIndexOf('.');
  return dot < 0 ? { table: '*', column: p } : { table: p.slice(0, dot), column: p.slice(dot + 1) };
}

/**
 * A column list grouped by its table parts: plain table parts are looked up, wildcard ones
 * tested; each group's column parts are one compiled matcher. The returned function gives the
 * column matchers of the patterns whose table part names `schema.table` (kept per table, since
 * it is asked once per column).
 */
function columnPatterns(patterns: string[] | undefined, field: string) {
  const groups = new Map<string, string[]>();
  for (const { table, column } of (patterns ?? []).map(splitColumnPattern)) {
    const group = groups.get(table);
    if (group) group.push(column);
    else groups.set(table, [column]);
  }
  const dotted = new Map<string, (c: string) => boolean>();
  const bare = new Map<string, (c: string) => boolean>();
  const wild: { table: (s: string, n: string) => boolean; column: (c: string) => boolean }[] = [];
  for (const [table, columns] of groups) {
    const column = compileGlobs(columns, field);
    const isDotted = table.includes('.');
    if (!hasWildcard(table)) (isDotted ? dotted : bare).set(table, column);
    else {
      const t = compileGlobs([table], field);
      wild.push({ table: (s, n) => t(isDotted ? `${s}.${n}` : n), column });
    }
  }
  const perTable = new Map<string, ((c: string) => boolean)[]>();
  return (schema: string, table: string) => {
    const key = `${schema}\0${table}`;
    let found = perTable.get(key);
    if (!found) {
      found = wild.filter((w) => w.table(schema, table)).map((w) => w.column);
      const d = dotted.get(`${schema}.${table}`);
      const b = bare.get(table);
      if (d) found.push(d);
      if (b) found.push(b);
      perTable.set(key, found);
    }
    return found;
  };
}

/** Tests a column of `schema.table` against the column lists of the selection. */
export function columnMatcher(sel: Selection): (schema: string, table: string, column: string) => boolean {
  assertSelectionLimits(sel);
  const inc = columnPatterns(sel.includeColumns, 'includeColumns');
  const exc = columnPatterns(sel.excludeColumns, 'excludeColumns');
  return (schema, table, column) => {
    const named = inc(schema, table);
    if (named.length && !named.some((c) => c(column))) return false;
    return !exc(schema, table).some((c) => c(column));
  };
}

/** Tests a schema and a `schema.table` against the selection. */
export function selectionMatchers(sel: Selection): { schema: (s: string) => boolean; table: (schema: string, name: string) => boolean } {
  assertSelectionLimits(sel);
  const incS = matcher(sel.includeSchemas, 'includeSchemas');
  const excS = matcher(sel.excludeSchemas, 'excludeSchemas');
  const tablePatterns = (p: string[] | undefined, field: string) => {
    const dotted = matcher(p?.filter((x) => x.includes('.')), field);
    const bare = matcher(p?.filter((x) => !x.includes('.')), field);
    return dotted || bare ? (schema: string, name: string) => Boolean(dotted?.(`${schema}.${name}`) || bare?.(name)) : undefined;
  };
  const incT = tablePatterns(sel.includeTables, 'includeTables');
  const excT = tablePatterns(sel.excludeTables, 'excludeTables');
  const schema = (s: string) => (!incS || incS(s)) && !excS?.(s);
  return { schema, table: (s, n) => schema(s) && (!incT || incT(s, n)) && !excT?.(s, n) };
}

/** Keys of every object the selection leaves out (post-data objects of a left-out table too). */
export function unselectedKeys(cat: Catalog, sel: Selection): Set<string> {
  const m = selectionMatchers(sel);
  const out = new Set<string>();
  const inSchemas: { key: string; schema: string | null }[] = [
    ...cat.schemas.map((s) => ({ key: s.key, schema: s.name })),
    ...cat.enums, ...cat.composites, ...cat.domains, ...cat.ranges, ...cat.baseTypes, ...cat.collations, ...cat.functions,
    ...cat.aggregates, ...cat.operators, ...cat.opFamilies, ...cat.opClasses, ...cat.textSearch, ...cat.statistics,
    ...cat.procedural.filter((p) => p.schema !== null),
  ];
  for (const o of inSchemas) if (o.schema !== null && !m.schema(o.schema)) out.add(o.key);
  const relOut = new Set<number>();
  for (const r of cat.relations) {
    if (!m.table(r.schema, r.name)) {
      out.add(r.key);
      relOut.add(r.oid);
      for (const c of r.constraints) out.add(c.key);
    }
  }
  for (const s of cat.sequences) {
    const owner = s.ownedBy ? relOut.has(s.ownedBy.tableOid) : false;
    if (owner || (!s.ownedBy && !m.table(s.schema, s.name)) || (s.ownedBy && !m.schema(s.schema))) out.add(s.key);
  }
  for (const o of [...cat.indexes, ...cat.triggers, ...cat.rules, ...cat.policies, ...cat.statistics]) if (relOut.has(o.relOid)) out.add(o.key);
  return out;
}
