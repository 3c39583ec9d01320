/** DDL for sequences, tables, views and materialized views (pre-data only: no keys or indexes). */
import type { Column, Relation, SequenceObj } from '../catalog/model.js';
import { ident, qualified } from '../pg/quote.js';
import { commentOn, optionsClause, ownerAndPrivileges, stripSemicolon, withOptions, type OwnershipContext } from './common.js';

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

function columnDef(c: Column, identitySeq: SequenceObj | undefined): string {
  let sql = `${ident(c.name)} ${c.type}`;
  if (c.collation) sql += ` COLLATE ${c.collation}`;
  if (c.generated === 's' && c.defaultExpr !== null) sql += ` GENERATED ALWAYS AS (${c.defaultExpr}) STORED`;
  else if (c.defaultExpr !== null) sql += ` DEFAULT ${c.defaultExpr}`;
  if (c.notNull) sql += ' NOT NULL';
  if (c.identity && identitySeq) {
    const s = identitySeq;
    sql +=
      ` GENERATED ${c.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY (SEQUENCE NAME ${qualified(s.schema, s.name)} ` +
      `${sequenceOptions(s)})`;
  }
  return sql;
}

/**
 * CREATE TABLE with columns, defaults, NOT NULL, identity, generated columns and validated CHECK
 * constraints. Partitions are created with PARTITION OF (columns and inherited constraints come
 * from the parent), typed tables with OF type, foreign tables with their server and options.
 * `parentOf` finds a parent relation by OID (for the defaults and NOT NULL a child adds).
 */
export function renderTable(
  t: Relation,
  identitySeqs: Map<string, SequenceObj>,
  ctx: OwnershipContext,
  parentOf: (oid: number) => Relation | undefined = () => undefined,
): string[] {
  const q = qualified(t.schema, t.name);
  const foreign = t.relkind === 'f';
  const kind = foreign ? 'FOREIGN TABLE' : 'TABLE';
  const checks = t.constraints.filter((c) => c.type === 'c' && c.isLocal && c.validated);
  const checkDefs = checks.map((c) => `CONSTRAINT ${ident(c.name)} ${c.definition}`);
  const unlogged = t.persistence === 'u' ? 'UNLOGGED ' : '';
  let sql: string;
  // columns whose definition comes from elsewhere (a parent, the row type) get what they add here
  let adopted: Column[] = [];
  if (t.isPartition && t.parents.length === 1) {
    const parent = t.parents[0];
    sql = `CREATE ${unlogged}${kind} ${q} PARTITION OF ${qualified(parent.schema, parent.name)}`;
    if (checkDefs.length) sql += ` (${checkDefs.join(', ')})`;
    sql += ` ${t.partitionBound}`;
    adopted = t.columns;
  } else if (t.ofType) {
    sql = `CREATE ${unlogged}TABLE ${q} OF ${t.ofType}`;
    if (checkDefs.length) sql += ` (${checkDefs.join(', ')})`;
    adopted = t.columns;
  } else {
    const cols = t.columns
      .filter((c) => c.isLocal)
      .map((c) => columnDef(c, identitySeqs.get(`${t.oid}:${c.name}`)));
    sql = `CREATE ${unlogged}${kind} ${q} (${[...cols, ...checkDefs].join(', ')})`;
    if (t.parents.length) sql += ` INHERITS (${t.parents.map((p) => qualified(p.schema, p.name)).join(', ')})`;
    adopted = t.columns.filter((c) => !c.isLocal);
  }
  if (t.partitionKey) sql += ` PARTITION BY ${t.partitionKey}`;
  if (foreign) sql += ` SERVER ${ident(t.foreignServer ?? '')}${optionsClause(t.foreignOptions)}`;
  else sql += withOptions(t.options);
  const parents = t.parents.map((p) => parentOf(p.oid)).filter((p): p is Relation => p !== undefined);
  const after: string[] = [];
  for (const c of adopted) {
    const fromParents = parents.map((p) => p.columns.find((pc) => pc.name === c.name)).filter((pc): pc is Column => pc !== undefined);
    const col = `${ident(c.name)}`;
    if (c.defaultExpr !== null && c.generated === '' && !fromParents.some((pc) => pc.defaultExpr === c.defaultExpr))
      after.push(`ALTER ${kind} ONLY ${q} ALTER COLUMN ${col} SET DEFAULT ${c.defaultExpr}`);
    if (c.notNull && !fromParents.some((pc) => pc.notNull)) after.push(`ALTER ${kind} ONLY ${q} ALTER COLUMN ${col} SET NOT NULL`);
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
  ];
}

const STORAGE: Record<string, string> = { p: 'PLAIN', e: 'EXTERNAL', x: 'EXTENDED', m: 'MAIN' };
const COMPRESSION: Record<string, string> = { p: 'pglz', l: 'lz4' };

/** Per-column storage, compression, statistics target, attribute options and FDW options. */
function columnSettings(t: Relation, kind: string): string[] {
  const q = qualified(t.schema, t.name);
  const out: string[] = [];
  for (const c of t.columns) {
    const alter = `ALTER ${kind} ONLY ${q} ALTER COLUMN ${ident(c.name)}`;
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
  for (const c of t.columns) {
    for (const e of c.acl ?? []) {
      if (e.grantee !== null && !ctx.targetRoles.has(e.grantee)) continue;
      const who = e.grantee === null ? 'PUBLIC' : ident(e.grantee);
      out.push(`GRANT ${e.privilege} (${ident(c.name)}) ON TABLE ${q} TO ${who}${e.grantable ? ' WITH GRANT OPTION' : ''}`);
    }
  }
  return out;
}

/** CREATE VIEW, or CREATE MATERIALIZED VIEW ... WITH NO DATA (refreshed after the data). */
export function renderView(v: Relation, ctx: OwnershipContext): string[] {
  const q = qualified(v.schema, v.name);
  const def = stripSemicolon(v.viewDefinition ?? '');
  const kind = v.relkind === 'm' ? 'MATERIALIZED VIEW' : 'VIEW';
  const sql =
    v.relkind === 'm'
      ? `CREATE MATERIALIZED VIEW ${q}${withOptions(v.options)} AS ${def} WITH NO DATA`
      : `CREATE VIEW ${q}${withOptions(v.options)} AS ${def}`;
  const defaults = v.relkind === 'v'
    ? v.columns.filter((c) => c.defaultExpr !== null).map((c) => `ALTER VIEW ${q} ALTER COLUMN ${ident(c.name)} SET DEFAULT ${c.defaultExpr}`)
    : [];
  return [
    sql,
    ...defaults,
    ...ownerAndPrivileges(`${kind} ${q}`, v, ctx, `TABLE ${q}`),
    ...columnPrivileges(v, ctx),
    ...commentOn(`${kind} ${q}`, v.comment),
    ...v.columns.flatMap((c) => commentOn(`COLUMN ${q}.${ident(c.name)}`, c.comment)),
  ];
}
