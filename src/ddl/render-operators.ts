/** DDL for operators, operator families and classes, and casts. */
import type { CastObj, OpClassObj, OpFamilyObj, OperatorObj, ProceduralObj } from '../catalog/model.js';
import { ident, literal, qualified } from '../pg/quote.js';
import { commentOn, inSchema, ownerAndPrivileges, ownerTo, type OwnershipContext } from './common.js';

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
  return [`CREATE OPERATOR ${opName(o)} (${opts.join(', ')})`, ...ownerTo(`OPERATOR ${sig}`, o.owner, ctx, inSchema(o.schema), o.key), ...commentOn(`OPERATOR ${sig}`, o.comment)];
}

const using = (o: { schema: string; name: string; method: string }) => `${ident(o.schema)}.${ident(o.name)} USING ${ident(o.method)}`;

/** CREATE OPERATOR FAMILY (its loose members come in a later step, once their operators exist). */
export function renderOpFamily(f: OpFamilyObj, ctx: OwnershipContext): string[] {
  return [`CREATE OPERATOR FAMILY ${using(f)}`, ...ownerTo(`OPERATOR FAMILY ${using(f)}`, f.owner, ctx, inSchema(f.schema), f.key), ...commentOn(`OPERATOR FAMILY ${using(f)}`, f.comment)];
}

/** ALTER OPERATOR FAMILY ... ADD for members that belong to the family but to none of its classes. */
export function renderOpFamilyMembers(f: OpFamilyObj): string[] {
  const items = [...f.looseOperators, ...f.looseFunctions];
  return items.length ? [`ALTER OPERATOR FAMILY ${using(f)} ADD ${items.join(', ')}`] : [];
}

/** CREATE OPERATOR CLASS in its family, with its operators, support functions and storage type. */
export function renderOpClass(c: OpClassObj, ctx: OwnershipContext): string[] {
  const items = [...c.operators, ...c.functions];
  // a class without members still needs one item: STORAGE of its own type leaves opckeytype unset
  if (c.storage || !items.length) items.push(`STORAGE ${c.storage ?? c.forType}`);
  const head = `CREATE OPERATOR CLASS ${ident(c.schema)}.${ident(c.name)}${c.isDefault ? ' DEFAULT' : ''} FOR TYPE ${c.forType} USING ${ident(c.method)} FAMILY ${c.family}`;
  return [`${head} AS ${items.join(', ')}`, ...ownerTo(`OPERATOR CLASS ${using(c)}`, c.owner, ctx, inSchema(c.schema), c.key), ...commentOn(`OPERATOR CLASS ${using(c)}`, c.comment)];
}

/** CREATE CAST with its method and context. */
export function renderCast(c: CastObj): string[] {
  const pair = `(${c.sourceType} AS ${c.targetType})`;
  const method = c.method === 'f' ? `WITH FUNCTION ${c.function}` : c.method === 'i' ? 'WITH INOUT' : 'WITHOUT FUNCTION';
  const context = c.context === 'i' ? ' AS IMPLICIT' : c.context === 'a' ? ' AS ASSIGNMENT' : '';
  return [`CREATE CAST ${pair} ${method}${context}`, ...commentOn(`CAST ${pair}`, c.comment)];
}


/** CREATE LANGUAGE / TRANSFORM / CONVERSION / ACCESS METHOD with owner, privileges and comment. */
export function renderProcedural(o: ProceduralObj, ctx: OwnershipContext): string[] {
  const p = o.parts as Record<string, string | boolean | null>;
  switch (o.procKind) {
    case 'language': {
      const name = ident(o.name);
      const inline = p.inline ? ` INLINE ${p.inline}` : '';
      const validator = p.validator ? ` VALIDATOR ${p.validator}` : '';
      return [
        `CREATE ${p.trusted ? 'TRUSTED ' : ''}PROCEDURAL LANGUAGE ${name} HANDLER ${p.handler}${inline}${validator}`,
        ...ownerAndPrivileges(`LANGUAGE ${name}`, o, ctx),
        ...commentOn(`LANGUAGE ${name}`, o.comment),
      ];
    }
    case 'transform': {
      const target = `TRANSFORM FOR ${p.type} LANGUAGE ${ident(String(p.language))}`;
      const fns = [p.fromsql ? `FROM SQL WITH FUNCTION ${p.fromsql}` : null, p.tosql ? `TO SQL WITH FUNCTION ${p.tosql}` : null].filter(Boolean);
      return [`CREATE ${target} (${fns.join(', ')})`, ...commentOn(target, o.comment)];
    }
    case 'conversion': {
      const q = qualified(o.schema!, o.name);
      return [
        `CREATE ${p.default ? 'DEFAULT ' : ''}CONVERSION ${q} FOR ${literal(String(p.from))} TO ${literal(String(p.to))} FROM ${p.function}`,
        ...ownerTo(`CONVERSION ${q}`, o.owner, ctx, inSchema(o.schema), o.key),
        ...commentOn(`CONVERSION ${q}`, o.comment),
      ];
    }
    case 'access method': {
      const name = ident(o.name);
      return [`CREATE ACCESS METHOD ${name} TYPE ${p.type === 't' ? 'TABLE' : 'INDEX'} HANDLER ${p.handler}`, ...commentOn(`ACCESS METHOD ${name}`, o.comment)];
    }
  }
}
