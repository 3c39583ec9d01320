/** DDL for sequences, tables, views and materialized views (pre-data only: no keys or indexes). */
import type { Column, Relation, SequenceObj } from '../catalog/model.js';
import { ident, qualified } from '../pg/quote.js';
import { commentOn, ownerAndPrivileges, stripSemicolon, withOptions, type OwnershipContext } from './common.js';

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
 * from the parent).
 */
export function renderTable(t: Relation, identitySeqs: Map<string, SequenceObj>, ctx: OwnershipContext): string[] {
  const q = qualified(t.schema, t.name);
  const checks = t.constraints.filter((c) => c.type === 'c' && c.isLocal && c.validated);
  const checkDefs = checks.map((c) => `CONSTRAINT ${ident(c.name)} ${c.definition}`);
  const unlogged = t.persistence === 'u' ? 'UNLOGGED ' : '';
  let sql: string;
  const after: string[] = [];
  if (t.isPartition && t.parents.length === 1) {
    const parent = t.parents[0];
    sql = `CREATE ${unlogged}TABLE ${q} PARTITION OF ${qualified(parent.schema, parent.name)}`;
    if (checkDefs.length) sql += ` (${checkDefs.join(', ')})`;
    sql += ` ${t.partitionBound}`;
  } else {
    const cols = t.columns
      .filter((c) => c.isLocal)
      .map((c) => columnDef(c, identitySeqs.get(`${t.oid}:${c.name}`)));
    sql = `CREATE ${unlogged}TABLE ${q} (${[...cols, ...checkDefs].join(', ')})`;
    if (t.parents.length) sql += ` INHERITS (${t.parents.map((p) => qualified(p.schema, p.name)).join(', ')})`;
    // columns inherited from a parent but with their own default or NOT NULL here
    for (const c of t.columns.filter((c) => !c.isLocal)) {
      if (c.defaultExpr !== null) after.push(`ALTER TABLE ONLY ${q} ALTER COLUMN ${ident(c.name)} SET DEFAULT ${c.defaultExpr}`);
    }
  }
  if (t.partitionKey) sql += ` PARTITION BY ${t.partitionKey}`;
  sql += withOptions(t.options);
  return [
    sql,
    ...after,
    ...ownerAndPrivileges(`TABLE ${q}`, t, ctx),
    ...commentOn(`TABLE ${q}`, t.comment),
    ...t.columns.flatMap((c) => commentOn(`COLUMN ${q}.${ident(c.name)}`, c.comment)),
    ...checks.flatMap((c) => commentOn(`CONSTRAINT ${ident(c.name)} ON ${q}`, c.comment)),
  ];
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
    ...commentOn(`${kind} ${q}`, v.comment),
    ...v.columns.flatMap((c) => commentOn(`COLUMN ${q}.${ident(c.name)}`, c.comment)),
  ];
}
