/**
 * Object name mapping: schemas, tables (any relation or sequence) and columns get other names on
 * the target. pgferry builds everything under the source's names, then renames in one last
 * transaction: PostgreSQL itself then rewrites every view, key, foreign key, index, trigger,
 * policy, default and SQL-standard function body that refers to a renamed object, because those
 * refer to it by OID. Function bodies kept as text (plpgsql, SQL with a string body) are not
 * rewritten; the plan names each one that mentions a renamed name.
 */
import type { Catalog, Relation, SequenceObj } from '../catalog/model.js';
import type { DdlStep } from './plan-model.js';
import { displayIdent, displayName, ident, qualified } from '../pg/quote.js';
import { columnMatcher, resolveSelection, selects, selectsColumns, type Selection } from './selection.js';

export interface NameMapping {
  schemas?: { from: string; to: string }[];
  tables?: { schema: string; from: string; to: string }[];
  columns?: { schema: string; table: string; from: string; to: string }[];
}

/** Whether the catalog must be read with column dependencies (columns left out or renamed). */
export function needsColumnDepends(sel: Selection | undefined, m: NameMapping | undefined): boolean {
  return selectsColumns(sel) || Boolean(m?.columns?.length);
}

/** Whether the mapping renames anything. */
export function renamesAnything(m: NameMapping | undefined): m is NameMapping {
  return Boolean(m && ((m.schemas ?? []).some((x) => x.from !== x.to) || (m.tables ?? []).some((x) => x.from !== x.to) || (m.columns ?? []).some((x) => x.from !== x.to)));
}

/** Source names to target names (and back, for verify). Unmapped names stay as they are. */
export class NameMapper {
  private readonly schemas = new Map<string, string>();
  private readonly tables = new Map<string, string>();
  private readonly columns = new Map<string, string>();
  private readonly backSchemas = new Map<string, string>();
  private readonly backTables = new Map<string, string>();

  constructor(m: NameMapping | undefined) {
    for (const s of m?.schemas ?? []) {
      this.schemas.set(s.from, s.to);
      this.backSchemas.set(s.to, s.from);
    }
    for (const t of m?.tables ?? []) {
      this.tables.set(key(t.schema, t.from), t.to);
      this.backTables.set(key(t.schema, t.to), t.from);
    }
    for (const c of m?.columns ?? []) this.columns.set(key(c.schema, c.table, c.from), c.to);
  }

  schema(s: string): string {
    return this.schemas.get(s) ?? s;
  }

  /** The target schema and name of relation `schema.name`. */
  table(schema: string, name: string): { schema: string; name: string } {
    return { schema: this.schema(schema), name: this.tables.get(key(schema, name)) ?? name };
  }

  column(schema: string, table: string, column: string): string {
    return this.columns.get(key(schema, table, column)) ?? column;
  }

  /** The source relation a target relation came from (its own name when nothing maps to it). */
  sourceOf(schema: string, name: string): { schema: string; name: string } {
    const s = this.backSchemas.get(schema) ?? (this.schemas.has(schema) ? `\0${schema}` : schema);
    return { schema: s, name: this.backTables.get(key(s, name)) ?? (this.tables.has(key(s, name)) ? `\0${name}` : name) };
  }
}

const key = (...parts: string[]) => JSON.stringify(parts);

type Named = Relation | SequenceObj;

function relationVerb(r: Named): string {
  if (!('relkind' in r)) return 'SEQUENCE';
  return { r: 'TABLE', p: 'TABLE', v: 'VIEW', m: 'MATERIALIZED VIEW', f: 'FOREIGN TABLE' }[r.relkind];
}

/**
 * The renames, as one step: columns first (under their table's source name), then relations,
 * then schemas. `planned` holds the keys of objects the plan creates.
 */
export function renameStep(cat: Catalog, m: NameMapping, planned: (key: string) => boolean): DdlStep | null {
  const sql: string[] = [];
  const deps: string[] = [];
  const rels: Named[] = [...cat.relations, ...cat.sequences.filter((s) => !s.identity)];
  const find = (schema: string, name: string) => rels.find((r) => r.schema === schema && r.name === name && planned(r.key));
  for (const c of m.columns ?? []) {
    const r = find(c.schema, c.table);
    if (!r || c.from === c.to) continue;
    sql.push(`ALTER TABLE ${qualified(r.schema, r.name)} RENAME COLUMN ${ident(c.from)} TO ${ident(c.to)}`);
    deps.push(r.key);
  }
  for (const t of m.tables ?? []) {
    const r = find(t.schema, t.from);
    if (!r || t.from === t.to) continue;
    sql.push(`ALTER ${relationVerb(r)} ${qualified(r.schema, r.name)} RENAME TO ${ident(t.to)}`);
    deps.push(r.key);
  }
  for (const s of m.schemas ?? []) {
    const obj = cat.schemas.find((x) => x.name === s.from && planned(x.key));
    if (!obj || s.from === s.to) continue;
    sql.push(`ALTER SCHEMA ${ident(s.from)} RENAME TO ${ident(s.to)}`);
    deps.push(obj.key);
  }
  return sql.length ? { key: 'renames', kind: 'rename', name: 'object name mapping', sql, deps: [...new Set(deps)] } : null;
}

const MAX_IDENT_BYTES = 63;

/**
 * What makes a mapping impossible: a name the source lacks or the selection leaves out, a target
 * name over 63 bytes (PostgreSQL would cut it), two objects given one name.
 */
export function mappingProblems(cat: Catalog, m: NameMapping, sel: Selection | undefined): string[] {
  const problems: string[] = [];
  const keepColumn = sel ? columnMatcher(sel) : () => true;
  const mapper = new NameMapper(m);
  const tooLong = (what: string, to: string) => {
    if (Buffer.byteLength(to, 'utf8') > MAX_IDENT_BYTES) problems.push(`${what} is mapped to ${displayIdent(to)}, ${Buffer.byteLength(to, 'utf8')} bytes: PostgreSQL names have at most 63`);
  };
  const rels: Named[] = [...cat.relations, ...cat.sequences.filter((s) => !s.identity)];
  // what the plan creates: a partition that follows its parent is selected, a schema nothing lives in is not
  const out = selects(sel) ? resolveSelection(cat, sel).unselected : new Set<string>();
  const schemaKeys = new Map(cat.schemas.map((x) => [x.name, x.key]));
  const relKeys = new Map(rels.map((r) => [`${r.schema}\0${r.name}`, r.key]));
  const match = {
    schema: (s: string) => !out.has(schemaKeys.get(s) ?? ''),
    table: (s: string, n: string) => !out.has(relKeys.get(`${s}\0${n}`) ?? ''),
  };
  for (const s of m.schemas ?? []) {
    const what = `schema ${displayIdent(s.from)}`;
    if (!cat.schemas.some((x) => x.name === s.from)) problems.push(`${what} is mapped, but the source has no such schema`);
    else if (!match.schema(s.from)) problems.push(`${what} is mapped, but the selection leaves it out`);
    tooLong(what, s.to);
  }
  for (const t of m.tables ?? []) {
    const what = `table ${displayName(t.schema, t.from)}`;
    if (!rels.some((r) => r.schema === t.schema && r.name === t.from)) problems.push(`${what} is mapped, but the source has no such table, view or sequence`);
    else if (!match.table(t.schema, t.from)) problems.push(`${what} is mapped, but the selection leaves it out`);
    tooLong(what, t.to);
  }
  for (const c of m.columns ?? []) {
    const what = `column ${displayName(c.schema, c.table)}.${displayIdent(c.from)}`;
    const rel = cat.relations.find((r) => r.schema === c.schema && r.name === c.table);
    if (!rel || !rel.columns.some((x) => x.name === c.from)) problems.push(`${what} is mapped, but the source has no such column`);
    else if (!match.table(c.schema, c.table) || !keepColumn(c.schema, c.table, c.from)) problems.push(`${what} is mapped, but the selection leaves it out`);
    else if (rel.columns.find((x) => x.name === c.from)!.isLocal === false) problems.push(`${what} is inherited: map it on the parent table, whose children follow`);
    tooLong(what, c.to);
  }
  // two objects, one name: schemas; relations (with indexes and types, which share their namespaces); columns
  const dup = <T>(items: T[], nameOf: (x: T) => string, label: (x: T) => string, space: string) => {
    const seen = new Map<string, T>();
    for (const x of items) {
      const n = nameOf(x);
      const other = seen.get(n);
      if (other !== undefined) problems.push(`${label(other)} and ${label(x)} would both be named ${n} ${space}`);
      else seen.set(n, x);
    }
  };
  const schemas = cat.schemas.filter((s) => match.schema(s.name));
  dup(schemas, (s) => displayIdent(mapper.schema(s.name)), (s) => `schema ${displayIdent(s.name)}`, 'on the target');
  const inRelSpace = [
    ...rels.filter((r) => match.table(r.schema, r.name)).map((r) => ({ schema: r.schema, name: r.name, label: `${displayName(r.schema, r.name)}` })),
    ...cat.indexes.filter((i) => match.schema(i.schema)).map((i) => ({ schema: i.schema, name: i.name, label: `index ${displayName(i.schema, i.name)}` })),
  ];
  dup(inRelSpace, (r) => displayName(mapper.table(r.schema, r.name).schema, mapper.table(r.schema, r.name).name), (r) => r.label, '(tables, views, sequences and indexes share one namespace)');
  // a table's or view's row type shares pg_type's namespace with the schema's own types (which
  // are never renamed: only a renamed relation can run into one)
  const rowTypes = new Map(
    cat.relations.filter((r) => match.table(r.schema, r.name)).map((r) => {
      const to = mapper.table(r.schema, r.name);
      return [displayName(to.schema, to.name), displayName(r.schema, r.name)] as const;
    }),
  );
  for (const t of [...cat.enums, ...cat.composites, ...cat.domains, ...cat.ranges, ...cat.baseTypes].filter((x) => match.schema(x.schema))) {
    const name = displayName(mapper.schema(t.schema), t.name);
    const rel = rowTypes.get(name);
    if (rel) problems.push(`${rel} and type ${displayName(t.schema, t.name)} would both be named ${name} (a table's or view's row type and the schema's types share one namespace)`);
  }
  for (const r of cat.relations.filter((x) => match.table(x.schema, x.name))) {
    const cols = r.columns.filter((c) => keepColumn(r.schema, r.name, c.name));
    dup(cols, (c) => displayIdent(mapper.column(r.schema, r.name, c.name)), (c) => `column ${displayName(r.schema, r.name)}.${displayIdent(c.name)}`, 'in one table');
  }
  return problems;
}

/**
 * What happens to the objects that refer to renamed ones: PostgreSQL rewrites those that refer by
 * OID; functions with text bodies that mention a renamed name keep the old name.
 */
export function mappingNotes(cat: Catalog, m: NameMapping, planned: (key: string) => boolean): string[] {
  const notes: string[] = [];
  const dependents = new Map<string, string[]>();
  for (const [from, to] of cat.depends) {
    if (!dependents.has(to)) dependents.set(to, []);
    dependents.get(to)!.push(from);
  }
  const labelOf = new Map<string, string>();
  for (const r of cat.relations) labelOf.set(r.key, `${r.relkind === 'v' ? 'view' : r.relkind === 'm' ? 'materialized view' : 'table'} ${displayName(r.schema, r.name)}`);
  for (const r of cat.relations) for (const c of r.constraints) labelOf.set(c.key, `constraint ${displayIdent(c.name)} on ${displayName(r.schema, r.name)}`);
  for (const f of cat.functions) labelOf.set(f.key, `function ${displayName(f.schema, f.name)}(${f.identityArgs})`);
  for (const t of cat.triggers) labelOf.set(t.key, `trigger ${displayIdent(t.name)} on ${displayName(t.schema, t.table)}`);
  for (const p of cat.policies) labelOf.set(p.key, `policy ${displayIdent(p.name)} on ${displayName(p.schema, p.table)}`);
  const textBodies = cat.functions.filter((f) => planned(f.key) && f.definition !== null && !/\bBEGIN\s+ATOMIC\b/i.test(f.definition));
  const mentions = (name: string) => {
    const re = new RegExp(`(^|[^A-Za-z0-9_$])("?)${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\2(?![A-Za-z0-9_$])`, 'i');
    return textBodies.filter((f) => re.test(f.definition!)).map((f) => `${displayName(f.schema, f.name)}(${f.identityArgs})`);
  };
  const report = (what: string, to: string, dependentKeys: string[], oldName: string) => {
    const rewritten = [...new Set(dependentKeys)].filter(planned).map((k) => labelOf.get(k)).filter((x): x is string => Boolean(x));
    const stale = mentions(oldName);
    let note = `${what} is renamed to ${displayIdent(to)} after the migration`;
    if (rewritten.length) note += `; ${rewritten.slice(0, 10).join(', ')}${rewritten.length > 10 ? ` and ${rewritten.length - 10} more` : ''} ${rewritten.length === 1 ? 'follows the rename (PostgreSQL rewrites it)' : 'follow the rename (PostgreSQL rewrites them)'}`;
    if (stale.length) note += `; function ${stale.join(', ')} mention${stale.length === 1 ? 's' : ''} ${displayIdent(oldName)} in a text body, which a rename does not rewrite: change ${stale.length === 1 ? 'it' : 'them'} on the target`;
    notes.push(note);
  };
  for (const s of m.schemas ?? []) if (s.from !== s.to) report(`schema ${displayIdent(s.from)}`, s.to, [], s.from);
  for (const t of m.tables ?? []) {
    if (t.from === t.to) continue;
    const r = [...cat.relations, ...cat.sequences].find((x) => x.schema === t.schema && x.name === t.from);
    report(`${displayName(t.schema, t.from)}`, t.to, r ? (dependents.get(r.key) ?? []) : [], t.from);
  }
  for (const c of m.columns ?? []) {
    if (c.from === c.to) continue;
    const r = cat.relations.find((x) => x.schema === c.schema && x.name === c.table);
    const users = (cat.columnDepends ?? []).filter((d) => d.relOid === r?.oid && d.columnName === c.from).map((d) => d.key);
    report(`column ${displayName(c.schema, c.table)}.${displayIdent(c.from)}`, c.to, users, c.from);
  }
  return notes;
}
