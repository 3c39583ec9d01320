/**
 * Object selection: schemas and tables by include and exclude lists of glob patterns (`*`, `?`).
 * A table pattern with a dot matches `schema.table`, without one it matches the table name in any
 * schema. Sequences, views and materialized views count as tables; a sequence owned by a column
 * follows its table. What is not selected is left out silently; a selected object that needs one
 * is skipped with the reason (the planner's skip closure does that). Patterns are matched by
 * glob-match.ts, never as regular expressions, and each list is held to its limits.
 */
import type { Catalog, Relation } from '../catalog/model.js';
import { PgferryError } from '../errors.js';
import { displayIdent, displayName } from '../pg/quote.js';
import { assertGlobLimits, compileGlobs, hasWildcard } from '../config/glob-match.js';
import { selectTrees, someNames, type TreeSelection } from './relation-trees.js';

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
  /**
   * Create a partition selected without its partitioned table as a plain table with its own
   * rows (default: such a selection is refused, since the partition cannot exist alone).
   */
  partitionsAsTables?: boolean;
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

function tablePatterns(p: string[] | undefined, field: string): ((schema: string, name: string) => boolean) | undefined {
  const dotted = matcher(p?.filter((x) => x.includes('.')), field);
  const bare = matcher(p?.filter((x) => !x.includes('.')), field);
  return dotted || bare ? (schema: string, name: string) => Boolean(dotted?.(`${schema}.${name}`) || bare?.(name)) : undefined;
}

/**
 * Tests a schema and a `schema.table` against the selection by name alone (a partition's or
 * child's parent is not looked at: resolveSelection does that). `excluded` is true when an
 * exclude pattern names the schema or the table.
 */
export function selectionMatchers(sel: Selection): {
  schema: (s: string) => boolean;
  table: (schema: string, name: string) => boolean;
  excluded: (schema: string, name?: string) => boolean;
} {
  assertSelectionLimits(sel);
  const incS = matcher(sel.includeSchemas, 'includeSchemas');
  const excS = matcher(sel.excludeSchemas, 'excludeSchemas');
  const incT = tablePatterns(sel.includeTables, 'includeTables');
  const excT = tablePatterns(sel.excludeTables, 'excludeTables');
  const schema = (s: string) => (!incS || incS(s)) && !excS?.(s);
  return {
    schema,
    table: (s, n) => schema(s) && (!incT || incT(s, n)) && !excT?.(s, n),
    excluded: (s, n) => Boolean(excS?.(s) || (n !== undefined && excT?.(s, n))),
  };
}

export interface ResolvedSelection {
  /** Keys of every object left out (post-data objects of a left-out table too). */
  unselected: Set<string>;
  /** Partitions selected without their partitioned table (refused unless partitionsAsTables). */
  lonePartitions: { partition: string; parent: string }[];
  /** The relations taken, and those created without some or all of their parents. */
  trees: TreeSelection<Relation>;
  /** What the selection does that the user would not guess from the patterns. */
  notes: string[];
}

/** An object that lives in a schema, with a label for notes. */
interface Placed {
  key: string;
  schema: string;
  label: string;
}

/**
 * What the selection takes, object by object. Relations by their trees (relation-trees.ts);
 * sequences owned by a column with their table; a standalone sequence when a pattern names it (or
 * its schema, when no table pattern is given) or when something selected uses it (a column's
 * nextval default). Other schema objects (types, functions, operators...) come with a schema the
 * selection takes as a whole or that holds a selected table; from any other schema only what
 * something selected needs, unless the patterns rule that schema out (an include-schema list
 * that misses it, an exclude-schema that names it). A schema is created when something selected
 * lives in it, or when include-schema names it (then even when empty).
 */
export function resolveSelection(cat: Catalog, sel: Selection): ResolvedSelection {
  const m = selectionMatchers(sel);
  const trees = selectTrees(cat.relations, { named: (r) => m.table(r.schema, r.name), excluded: (r) => m.excluded(r.schema, r.name) }, Boolean(sel.partitionsAsTables));
  const byTables = Boolean(sel.includeTables?.length);
  // schemas taken whole: named by include-schema, or every one not excluded when no pattern includes
  const whole = (s: string) => m.schema(s) && (!byTables || Boolean(sel.includeSchemas?.length));
  const state = new Map<string, 'in' | 'out' | 'wanted'>();
  const relIn = (oid: number) => trees.selected.has(oid);
  const relOids = new Set(cat.relations.map((r) => r.oid));

  const tableSchemas = new Set<string>();
  for (const r of cat.relations) {
    const on = relIn(r.oid) ? 'in' : 'out';
    state.set(r.key, on);
    for (const c of r.constraints) state.set(c.key, on);
    if (on === 'in' && m.schema(r.schema)) tableSchemas.add(r.schema);
  }
  for (const o of [...cat.indexes, ...cat.triggers, ...cat.rules, ...cat.policies]) state.set(o.key, relIn(o.relOid) ? 'in' : 'out');
  const placed: Placed[] = [];
  for (const s of cat.sequences) {
    placed.push({ key: s.key, schema: s.schema, label: `sequence ${displayName(s.schema, s.name)}` });
    if (s.ownedBy && relOids.has(s.ownedBy.tableOid)) state.set(s.key, relIn(s.ownedBy.tableOid) ? 'in' : 'out');
    else if (m.table(s.schema, s.name)) {
      state.set(s.key, 'in');
      tableSchemas.add(s.schema);
    } else state.set(s.key, m.schema(s.schema) && !m.excluded(s.schema, s.name) ? 'wanted' : 'out');
  }
  const label = (kind: string) => (o: { key: string; schema: string | null; name: string }) => ({ key: o.key, schema: o.schema!, label: `${kind} ${displayName(o.schema!, o.name)}` });
  const inSchemas: Placed[] = [
    ...cat.enums.map(label('type')), ...cat.composites.map(label('type')), ...cat.domains.map(label('domain')), ...cat.ranges.map(label('range type')),
    ...cat.baseTypes.map(label('type')), ...cat.collations.map(label('collation')), ...cat.functions.map(label('function')),
    ...cat.aggregates.map(label('aggregate')), ...cat.operators.map(label('operator')), ...cat.opFamilies.map(label('operator family')),
    ...cat.opClasses.map(label('operator class')), ...cat.textSearch.map(label('text search object')),
    ...cat.procedural.filter((p) => p.schema !== null).map(label('conversion')),
  ];
  for (const o of inSchemas) state.set(o.key, whole(o.schema) || tableSchemas.has(o.schema) ? 'in' : m.schema(o.schema) ? 'wanted' : 'out');
  // extended statistics belong to their table, and live in a schema of their own
  for (const st of cat.statistics) state.set(st.key, relIn(st.relOid) && m.schema(st.schema) ? 'in' : 'out');
  placed.push(...inSchemas, ...cat.statistics.map(label('statistics')));

  // what selected objects need, from schemas the patterns do not rule out, comes with them
  const needs = new Map<string, string[]>();
  for (const [from, to] of cat.depends) {
    if (!needs.has(from)) needs.set(from, []);
    needs.get(from)!.push(to);
  }
  const owner = (key: string) => key.split(':').slice(0, 2).join(':');
  // objects outside the selection's reach (extensions, casts, event triggers...) are selected too
  const queue = [...needs.keys()].filter((k) => !k.startsWith('pg_namespace:') && (state.get(owner(k)) ?? 'in') === 'in');
  const pulled: Placed[] = [];
  const placedByKey = new Map(placed.map((p) => [p.key, p]));
  for (let i = 0; i < queue.length; i++) {
    for (const to of needs.get(queue[i]) ?? []) {
      if (state.get(to) !== 'wanted') continue;
      state.set(to, 'in');
      if (placedByKey.has(to)) pulled.push(placedByKey.get(to)!);
      queue.push(to);
    }
  }

  const unselected = new Set<string>();
  for (const [key, on] of state) if (on !== 'in') unselected.add(key);
  const used = new Set(placed.filter((p) => state.get(p.key) === 'in').map((p) => p.schema));
  for (const r of cat.relations) if (relIn(r.oid)) used.add(r.schema);
  // an extension brings its schema, unless an exclude pattern names it (then the extension is skipped)
  for (const e of cat.extensions) if (!m.excluded(e.schema)) used.add(e.schema);
  const schemas = new Set(cat.schemas.filter((s) => whole(s.name) || used.has(s.name)).map((s) => s.name));
  for (const s of cat.schemas) if (!schemas.has(s.name)) unselected.add(s.key);
  for (const d of cat.defaultPrivileges) if (d.schema !== null && !schemas.has(d.schema)) unselected.add(d.key);

  const notes = [...trees.notes];
  const bySchema = new Map<string, string[]>();
  for (const p of pulled) if (!whole(p.schema) && !tableSchemas.has(p.schema)) bySchema.set(p.schema, [...(bySchema.get(p.schema) ?? []), p.label]);
  for (const [schema, labels] of bySchema)
    notes.push(`schema ${displayIdent(schema)} is created for what the selected objects need from it: ${someNames(labels)}`);
  const lonePartitions = trees.lonePartitions.map((l) => ({ partition: displayName(l.partition.schema, l.partition.name), parent: l.parent }));
  return { unselected, lonePartitions, trees, notes };
}

/**
 * The refusal of partitions selected without their partitioned table: they cannot be created as
 * partitions, and creating them as plain tables is a choice the user makes (partitionsAsTables).
 */
export function lonePartitionsError(lone: { partition: string; parent: string }[]): PgferryError {
  const list = someNames(lone.map((l) => `${l.partition} (of ${l.parent})`));
  return new PgferryError('PGFERRY_E_USAGE', `${lone.length} partition(s) are selected without their partitioned table: ${list}`, {
    object: lone[0].partition,
    fix: LONE_PARTITIONS_FIX,
  });
}

export const LONE_PARTITIONS_FIX =
  'select the partitioned table instead (its whole partition tree comes with it), or create the selected partitions as plain tables with their own rows: --partitions-as-tables (objects.partitionsAsTables in a task spec)';
