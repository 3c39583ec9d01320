/** DDL for sequences, tables, views and materialized views (pre-data only: no keys or indexes). */
import type { Column, Constraint, Relation, SequenceObj } from '../catalog/model.js';
import { ident, qualified } from '../pg/quote.js';
import { commentOn, optionsClause, ownerAndPrivileges, stripSemicolon, withOptions, type OwnershipContext } from './common.js';
import { declaresNotNull, notNullClause, notNullComments, notNullTableConstraint } from './render-not-null.js';

function sequenceOptions(s: SequenceObj): string {
  return (
    `START WITH ${s.start} INCREMENT BY ${s.increment} MINVALUE ${s.min} MAXVALUE ${s.max} CACHE ${s.cache}` +
    (s.cycle ? ' CYCLE' : '')
  );
}

/** CREATE SEQUENCE for a sequence that is not an identity column's. */
export function renderSequence(s: SequenceObj, ctx: OwnershipContext): string[] {
  const q = qualified(s.schema, s.name);
  return [
    `CREATE ${s.unlogged ? 'UNLOGGED ' : ''}SEQUENCE ${q} AS ${s.dataType} ${sequenceOptions(s)}`,
    ...ownerAndPrivileges(`SEQUENCE ${q}`, s, ctx),
    ...commentOn(`SEQUENCE ${q}`, s.comment),
  ];
}

/** ALTER SEQUENCE ... OWNED BY, run once both the sequence and its table exist. */
export function renderSequenceOwnedBy(s: SequenceObj): string[] {
  if (!s.ownedBy || s.identity) return [];
  return [
    `ALTER SEQUENCE ${qualified(s.schema, s.name)} OWNED BY ${qualified(s.ownedBy.schema, s.ownedBy.table)}.${ident(s.ownedBy.column)}`,
  ];
}

/** A column of CREATE TABLE; `notNull` false leaves its NOT NULL to a parent. */
function columnDef(c: Column, identitySeq: SequenceObj | undefined, notNull = c.notNull): string {
  let sql = `${ident(c.name)} ${c.type}`;
  if (c.collation) sql += ` COLLATE ${c.collation}`;
  if (c.generated === 's' && c.defaultExpr !== null) sql += ` GENERATED ALWAYS AS (${c.defaultExpr}) STORED`;
  // virtual (18+): computed when read, never stored nor copied
  else if (c.generated === 'v' && c.defaultExpr !== null) sql += ` GENERATED ALWAYS AS (${c.defaultExpr}) VIRTUAL`;
  else if (c.defaultExpr !== null) sql += ` DEFAULT ${c.defaultExpr}`;
  if (notNull) sql += notNullClause(c);
  if (c.identity && identitySeq) {
    const s = identitySeq;
    sql +=
      ` GENERATED ${c.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY (SEQUENCE NAME ${qualified(s.schema, s.name)} ` +
      `${sequenceOptions(s)})`;
  }
  return sql;
}

/**
 * CREATE TABLE with columns, defaults, NOT NULL (named, 18+), identity, generated columns and
 * validated CHECK constraints. Partitions are created whole and attached, typed tables with OF
 * type, foreign tables with their server and options. A partitioned table is never UNLOGGED on a
 * target of 18+, which has no such tables (before 18 the setting did nothing to its partitions).
 * `parentOf` finds a parent relation by OID (for the defaults and NOT NULL a child adds).
 */
export function renderTable(
  t: Relation,
  identitySeqs: Map<string, SequenceObj>,
  ctx: OwnershipContext,
  parentOf: (oid: number) => Relation | undefined = () => undefined,
  separateChecks: Set<string> = new Set(),
): string[] {
  const q = qualified(t.schema, t.name);
  const foreign = t.relkind === 'f';
  const kind = foreign ? 'FOREIGN TABLE' : 'TABLE';
  const checks = t.constraints.filter((c) => c.type === 'c' && c.isLocal && c.validated && !separateChecks.has(c.key));
  const parents = t.parents.map((p) => parentOf(p.oid)).filter((p): p is Relation => p !== undefined);
  const parentColumn = (name: string) => parents.map((p) => p.columns.find((pc) => pc.name === name)).filter((pc): pc is Column => pc !== undefined);
  const checkDefs = checks.map((c) => `CONSTRAINT ${ident(c.name)} ${c.definition}`);
  const unlogged = t.persistence === 'u' && !(t.relkind === 'p' && (ctx.targetMajor ?? 0) >= 18) ? 'UNLOGGED ' : '';
  const inheritedChecks = t.constraints.filter((c) => c.type === 'c' && !c.isLocal && c.validated).map((c) => `CONSTRAINT ${ident(c.name)} ${c.definition}`);
  let sql: string;
  // columns whose definition comes from elsewhere (a parent, the row type) get what they add here
  let adopted: Column[] = [];
  let attach: string | null = null;
  if (t.isPartition && t.parents.length === 1) {
    // created whole and attached, like pg_dump does: the partition keeps its own column order
    // (a table attached later may differ from its parent) and its own defaults
    // (ATTACH needs the parent's CHECK constraints on the partition already; it marks them inherited)
    const parent = t.parents[0];
    const cols = t.columns.map((c) => columnDef(c, identitySeqs.get(`${t.oid}:${c.name}`)));
    sql = `CREATE ${unlogged}${kind} ${q} (${[...cols, ...checkDefs, ...inheritedChecks].join(', ')})`;
    attach = `ALTER TABLE ONLY ${qualified(parent.schema, parent.name)} ATTACH PARTITION ${q} ${t.partitionBound}`;
  } else if (t.ofType) {
    sql = `CREATE ${unlogged}TABLE ${q} OF ${t.ofType}`;
    const notNulls = t.columns.filter((c) => c.notNull && c.notNullConstraint).map(notNullTableConstraint);
    if (checkDefs.length || notNulls.length) sql += ` (${[...notNulls, ...checkDefs].join(', ')})`;
    adopted = t.columns;
  } else if (parents.length && parents.length === t.parents.length && !inheritsKeepsOrder(t, parents)) {
    // INHERITS would put the parents' columns first, but this child's order differs (it was
    // attached with ALTER TABLE INHERIT, or its parent gained columns later): create it whole and
    // attach it, so that SELECT * and INSERT without a column list behave as on the source. Its
    // columns and inherited CHECKs are then also local on the target (pg_dump would reorder instead).
    const cols = t.columns.map((c) => columnDef(c, identitySeqs.get(`${t.oid}:${c.name}`)));
    sql = `CREATE ${unlogged}${kind} ${q} (${[...cols, ...checkDefs, ...inheritedChecks].join(', ')})`;
    attach = t.parents.map((p) => `ALTER TABLE ONLY ${q} INHERIT ${qualified(p.schema, p.name)}`).join(';\n');
  } else {
    const cols = t.columns
      .filter((c) => c.isLocal)
      // a generated column also inherited takes its expression from the parent
      .map((c) => (c.generated && parentColumn(c.name).some((pc) => pc.generated) ? { ...c, generated: '' as const, defaultExpr: null } : c))
      .map((c) => columnDef(c, identitySeqs.get(`${t.oid}:${c.name}`), declaresNotNull(c, parentColumn(c.name))));
    adopted = t.columns.filter((c) => !c.isLocal);
    // an inherited column's own NOT NULL (18+) merges with the parent's only here
    const notNulls = adopted.filter((c) => c.notNullConstraint && declaresNotNull(c, parentColumn(c.name))).map(notNullTableConstraint);
    sql = `CREATE ${unlogged}${kind} ${q} (${[...cols, ...notNulls, ...checkDefs].join(', ')})`;
    if (t.parents.length) sql += ` INHERITS (${t.parents.map((p) => qualified(p.schema, p.name)).join(', ')})`;
  }
  if (t.partitionKey) sql += ` PARTITION BY ${t.partitionKey}`;
  if (t.accessMethod && t.accessMethod !== 'heap') sql += ` USING ${ident(t.accessMethod)}`;
  if (foreign) sql += ` SERVER ${ident(t.foreignServer ?? '')}${optionsClause(t.foreignOptions)}`;
  else sql += withOptions(t.options);
  const after: string[] = attach ? attach.split(';\n') : [];
  for (const c of adopted) {
    const fromParents = parentColumn(c.name);
    const col = `${ident(c.name)}`;
    if (c.generated !== '' || c.identity !== '') continue;
    // a child takes its parents' defaults when created: set its own, or drop one it does not have
    if (c.defaultExpr !== null && !fromParents.some((pc) => pc.defaultExpr === c.defaultExpr))
      after.push(`ALTER ${kind} ONLY ${q} ALTER COLUMN ${col} SET DEFAULT ${c.defaultExpr}`);
    else if (c.defaultExpr === null && fromParents.some((pc) => pc.defaultExpr !== null && pc.generated === ''))
      after.push(`ALTER ${kind} ONLY ${q} ALTER COLUMN ${col} DROP DEFAULT`);
    // (a named one, 18+, is a table constraint of CREATE TABLE)
    if (c.notNull && !c.notNullConstraint && !fromParents.some((pc) => pc.notNull)) after.push(`ALTER ${kind} ONLY ${q} ALTER COLUMN ${col} SET NOT NULL`);
  }
  // an identity sequence is created as logged as its table; the source's may differ (15+)
  for (const c of t.columns) {
    const seq = c.identity ? identitySeqs.get(`${t.oid}:${c.name}`) : undefined;
    if (seq && seq.unlogged !== (t.persistence === 'u')) after.push(`ALTER SEQUENCE ${qualified(seq.schema, seq.name)} SET ${seq.unlogged ? 'UNLOGGED' : 'LOGGED'}`);
  }
  return [
    sql,
    ...after,
    ...columnSettings(t, kind),
    ...ownerAndPrivileges(`${kind} ${q}`, t, ctx, `TABLE ${q}`),
    ...columnPrivileges(t, ctx),
    ...commentOn(`${kind === 'TABLE' ? 'TABLE' : 'FOREIGN TABLE'} ${q}`, t.comment),
    ...t.columns.flatMap((c) => commentOn(`COLUMN ${q}.${ident(c.name)}`, c.comment)),
    ...checks.flatMap((c) => commentOn(`CONSTRAINT ${ident(c.name)} ON ${q}`, c.comment)),
    ...notNullComments(q, t.columns),
  ];
}

/** Whether CREATE TABLE ... INHERITS (parents' columns first, merged by name, then the child's own) gives the source's column order. */
function inheritsKeepsOrder(t: Relation, parents: Relation[]): boolean {
  const fromParents = [...new Set(parents.flatMap((p) => p.columns.map((c) => c.name)))];
  const inParents = new Set(fromParents);
  const expected = [...fromParents, ...t.columns.filter((c) => !inParents.has(c.name)).map((c) => c.name)];
  return expected.join('\u0000') === t.columns.map((c) => c.name).join('\u0000');
}

const STORAGE: Record<string, string> = { p: 'PLAIN', e: 'EXTERNAL', x: 'EXTENDED', m: 'MAIN' };
const COMPRESSION: Record<string, string> = { p: 'pglz', l: 'lz4' };

/** Per-column storage, compression, statistics target, attribute options and FDW options. */
function columnSettings(t: Relation, kind: string): string[] {
  const q = qualified(t.schema, t.name);
  const out: string[] = [];
  for (const c of t.columns) {
    const alter = `ALTER ${kind}${kind === 'MATERIALIZED VIEW' ? '' : ' ONLY'} ${q} ALTER COLUMN ${ident(c.name)}`;
    if (c.storage && STORAGE[c.storage]) out.push(`${alter} SET STORAGE ${STORAGE[c.storage]}`);
    if (c.compression && COMPRESSION[c.compression]) out.push(`${alter} SET COMPRESSION ${COMPRESSION[c.compression]}`);
    if (c.statTarget !== null) out.push(`${alter} SET STATISTICS ${c.statTarget}`);
    const opts = withOptions(c.options);
    if (opts) out.push(`${alter} SET (${opts.slice(' WITH ('.length)}`);
    if (c.fdwOptions?.length) out.push(`${alter}${optionsClause(c.fdwOptions)}`);
  }
  return out;
}

/** GRANT ... (column) for privileges held on single columns. */
function columnPrivileges(t: Relation, ctx: OwnershipContext): string[] {
  const q = qualified(t.schema, t.name);
  const out: string[] = [];
  if (ctx.applyPrivileges === false) return out;
  for (const c of t.columns) {
    for (const e of c.acl ?? []) {
      if (e.grantee !== null && !ctx.targetRoles.has(e.grantee)) continue;
      const who = e.grantee === null ? 'PUBLIC' : ident(e.grantee);
      out.push(`GRANT ${e.privilege} (${ident(c.name)}) ON TABLE ${q} TO ${who}${e.grantable ? ' WITH GRANT OPTION' : ''}`);
    }
  }
  return out;
}

/**
 * CREATE VIEW, or CREATE MATERIALIZED VIEW ... WITH NO DATA (refreshed after the data). With
 * `placeholder`, a view of NULL columns of the right names and types stands in until
 * renderViewDefinition replaces it (for a view that needs a primary key, built after the data).
 */
export function renderView(v: Relation, ctx: OwnershipContext, placeholder = false): string[] {
  const q = qualified(v.schema, v.name);
  const def = stripSemicolon(v.viewDefinition ?? '');
  const kind = v.relkind === 'm' ? 'MATERIALIZED VIEW' : 'VIEW';
  const using = v.accessMethod && v.accessMethod !== 'heap' ? ` USING ${ident(v.accessMethod)}` : '';
  let sql: string;
  if (placeholder) {
    const cols = v.columns.map((c) => `NULL::${c.type}${c.collation ? ` COLLATE ${c.collation}` : ''} AS ${ident(c.name)}`);
    sql = `CREATE VIEW ${q} AS SELECT ${cols.join(', ')}`;
  } else if (v.relkind === 'm') sql = `CREATE MATERIALIZED VIEW ${q}${using}${withOptions(v.options)} AS ${def} WITH NO DATA`;
  else sql = `CREATE VIEW ${q}${withOptions(v.options)} AS ${def}`;
  const defaults = v.relkind === 'v' && !placeholder
    ? v.columns.filter((c) => c.defaultExpr !== null).map((c) => `ALTER VIEW ${q} ALTER COLUMN ${ident(c.name)} SET DEFAULT ${c.defaultExpr}`)
    : [];
  return [
    sql,
    ...defaults,
    ...(v.relkind === 'm' ? columnSettings(v, kind) : []),
    ...ownerAndPrivileges(`${kind} ${q}`, v, ctx, `TABLE ${q}`),
    ...columnPrivileges(v, ctx),
    ...commentOn(`${kind} ${q}`, v.comment),
    ...v.columns.flatMap((c) => commentOn(`COLUMN ${q}.${ident(c.name)}`, c.comment)),
  ];
}

/** CREATE OR REPLACE VIEW with the real definition, replacing a placeholder. */
export function renderViewDefinition(v: Relation): string[] {
  const q = qualified(v.schema, v.name);
  return [
    `CREATE OR REPLACE VIEW ${q}${withOptions(v.options)} AS ${stripSemicolon(v.viewDefinition ?? '')}`,
    ...v.columns.filter((c) => c.defaultExpr !== null).map((c) => `ALTER VIEW ${q} ALTER COLUMN ${ident(c.name)} SET DEFAULT ${c.defaultExpr}`),
  ];
}

/** ALTER TABLE ... ADD CONSTRAINT for a CHECK created after its table (it calls a function). */
export function renderCheckConstraint(c: Constraint): string[] {
  const q = qualified(c.schema, c.table);
  return [`ALTER TABLE ${q} ADD CONSTRAINT ${ident(c.name)} ${c.definition}`, ...commentOn(`CONSTRAINT ${ident(c.name)} ON ${q}`, c.comment)];
}
