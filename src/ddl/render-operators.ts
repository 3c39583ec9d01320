/** DDL for operators, operator families and classes, and casts. */
import type { CastObj, OpClassObj, OpFamilyObj, OperatorObj } from '../catalog/model.js';
import { ident } from '../pg/quote.js';
import { commentOn, ownerTo, type OwnershipContext } from './common.js';

/** `"s".+` — an operator name qualified by its schema (operator names are never quoted). */
function opName(o: { schema: string; name: string }): string {
  return `${ident(o.schema)}.${o.name}`;
}

/** The operator with its argument types, as ALTER/COMMENT ON OPERATOR take it. */
export function operatorSignature(o: OperatorObj): string {
  return `${opName(o)} (${o.leftType ?? 'NONE'}, ${o.rightType ?? 'NONE'})`;
}

/**
 * CREATE OPERATOR. A commutator or negator that does not exist yet is made as a shell by this
 * statement and completed by its own CREATE OPERATOR later, as on the source. PROCEDURE = is
 * the spelling every major from 10 accepts.
 */
export function renderOperator(o: OperatorObj, ctx: OwnershipContext): string[] {
  const opts = [`PROCEDURE = ${o.function}`];
  if (o.leftType) opts.push(`LEFTARG = ${o.leftType}`);
  if (o.rightType) opts.push(`RIGHTARG = ${o.rightType}`);
  if (o.commutator) opts.push(`COMMUTATOR = ${o.commutator}`);
  if (o.negator) opts.push(`NEGATOR = ${o.negator}`);
  if (o.restrict) opts.push(`RESTRICT = ${o.restrict}`);
  if (o.join) opts.push(`JOIN = ${o.join}`);
  if (o.hashes) opts.push('HASHES');
  if (o.merges) opts.push('MERGES');
  const sig = operatorSignature(o);
  return [`CREATE OPERATOR ${opName(o)} (${opts.join(', ')})`, ...ownerTo(`OPERATOR ${sig}`, o.owner, ctx), ...commentOn(`OPERATOR ${sig}`, o.comment)];
}

const using = (o: { schema: string; name: string; method: string }) => `${ident(o.schema)}.${ident(o.name)} USING ${ident(o.method)}`;

/** CREATE OPERATOR FAMILY (its loose members come in a later step, once their operators exist). */
export function renderOpFamily(f: OpFamilyObj, ctx: OwnershipContext): string[] {
  return [`CREATE OPERATOR FAMILY ${using(f)}`, ...ownerTo(`OPERATOR FAMILY ${using(f)}`, f.owner, ctx), ...commentOn(`OPERATOR FAMILY ${using(f)}`, f.comment)];
}

/** ALTER OPERATOR FAMILY ... ADD for members that belong to the family but to none of its classes. */
export function renderOpFamilyMembers(f: OpFamilyObj): string[] {
  const items = [...f.looseOperators, ...f.looseFunctions];
  return items.length ? [`ALTER OPERATOR FAMILY ${using(f)} ADD ${items.join(', ')}`] : [];
}

/** CREATE OPERATOR CLASS in its family, with its operators, support functions and storage type. */
export function renderOpClass(c: OpClassObj, ctx: OwnershipContext): string[] {
  const items = [...c.operators, ...c.functions];
  if (c.storage) items.push(`STORAGE ${c.storage}`);
  const head = `CREATE OPERATOR CLASS ${ident(c.schema)}.${ident(c.name)}${c.isDefault ? ' DEFAULT' : ''} FOR TYPE ${c.forType} USING ${ident(c.method)} FAMILY ${c.family}`;
  return [`${head} AS ${items.join(', ')}`, ...ownerTo(`OPERATOR CLASS ${using(c)}`, c.owner, ctx), ...commentOn(`OPERATOR CLASS ${using(c)}`, c.comment)];
}

/** CREATE CAST with its method and context. */
export function renderCast(c: CastObj): string[] {
  const pair = `(${c.sourceType} AS ${c.targetType})`;
  const method = c.method === 'f' ? `WITH FUNCTION ${c.function}` : c.method === 'i' ? 'WITH INOUT' : 'WITHOUT FUNCTION';
  const context = c.context === 'i' ? ' AS IMPLICIT' : c.context === 'a' ? ' AS ASSIGNMENT' : '';
  return [`CREATE CAST ${pair} ${method}${context}`, ...commentOn(`CAST ${pair}`, c.comment)];
}

