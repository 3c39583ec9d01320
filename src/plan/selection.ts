/**
 * Object selection: schemas and tables by include and exclude lists of glob patterns (`*`, `?`).
 * A table pattern with a dot matches `schema.table`, without one it matches the table name in any
 * schema. Sequences, views and materialized views count as tables; a sequence owned by a column
 * follows its table. What is not selected is left out silently; a selected object that needs one
 * is skipped with the reason (the planner's skip closure does that).
 */
import type { Catalog } from '../catalog/model.js';

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

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

function matcher(patterns: string[] | undefined): ((s: string) => boolean) | undefined {
  if (!patterns?.length) return undefined;
  const res = patterns.map(globToRegExp);
  return (s) => res.some((re) => re.test(s));
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

/** Tests a column of `schema.table` against the column lists of the selection. */
export function columnMatcher(sel: Selection): (schema: string, table: string, column: string) => boolean {
  const compile = (patterns: string[] | undefined) =>
    (patterns ?? []).map(splitColumnPattern).map(({ table, column }) => {
      const t = globToRegExp(table);
      const c = globToRegExp(column);
      const dotted = table.includes('.');
      return { table: (s: string, n: string) => t.test(dotted ? `${s}.${n}` : n), column: (x: string) => c.test(x) };
    });
  const inc = compile(sel.includeColumns);
  const exc = compile(sel.excludeColumns);
  return (schema, table, column) => {
    const named = inc.filter((p) => p.table(schema, table));
    if (named.length && !named.some((p) => p.column(column))) return false;
    return !exc.some((p) => p.table(schema, table) && p.column(column));
  };
}

/** Tests a schema and a `schema.table` against the selection. */
export function selectionMatchers(sel: Selection): { schema: (s: string) => boolean; table: (schema: string, name: string) => boolean } {
  const incS = matcher(sel.includeSchemas);
  const excS = matcher(sel.excludeSchemas);
  const tablePatterns = (p: string[] | undefined) => {
    const dotted = matcher(p?.filter((x) => x.includes('.')));
    const bare = matcher(p?.filter((x) => !x.includes('.')));
    return dotted || bare ? (schema: string, name: string) => Boolean(dotted?.(`${schema}.${name}`) || bare?.(name)) : undefined;
  };
  const incT = tablePatterns(sel.includeTables);
  const excT = tablePatterns(sel.excludeTables);
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
