/** DDL for collations, range types, base types and shell types. */
import type { BaseType, CollationObj, RangeType } from '../catalog/model.js';
import { literal, qualified } from '../pg/quote.js';
import { commentOn, ownerAndPrivileges, type OwnershipContext } from './common.js';

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** CREATE COLLATION with the provider's locale settings (libc, icu, builtin). */
export function renderCollation(c: CollationObj, ctx: OwnershipContext): string[] {
  const q = qualified(c.schema, c.name);
  const raw = c.raw;
  const provider = str(raw.collprovider) ?? 'c';
  const opts: string[] = [];
  const collate = str(raw.collcollate);
  const ctype = str(raw.collctype);
  // the ICU/builtin locale moved between columns: collcollate (10-14), colliculocale (15-16), colllocale (17+)
  const locale = str(raw.colllocale) ?? str(raw.colliculocale);
  if (provider === 'i') opts.push('provider = icu', `locale = ${literal(locale ?? collate ?? '')}`);
  else if (provider === 'b') opts.push('provider = builtin', `locale = ${literal(locale ?? '')}`);
  else if (collate === ctype) opts.push('provider = libc', `locale = ${literal(collate ?? '')}`);
  else opts.push('provider = libc', `lc_collate = ${literal(collate ?? '')}`, `lc_ctype = ${literal(ctype ?? '')}`);
  if (raw.collisdeterministic === false) opts.push('deterministic = false');
  const rules = str(raw.collicurules);
  if (rules !== null) opts.push(`rules = ${literal(rules)}`);
  return [`CREATE COLLATION ${q} (${opts.join(', ')})`, ...ownerAndPrivileges(`COLLATION ${q}`, c, ctx), ...commentOn(`COLLATION ${q}`, c.comment)];
}

/** CREATE TYPE ... AS RANGE with every option the source sets. */
export function renderRange(r: RangeType, ctx: OwnershipContext): string[] {
  const q = qualified(r.schema, r.name);
  const opts = [`subtype = ${r.subtype}`];
  if (r.opclass) opts.push(`subtype_opclass = ${r.opclass}`);
  if (r.collation) opts.push(`collation = ${r.collation}`);
  if (r.canonical) opts.push(`canonical = ${r.canonical}`);
  if (r.subdiff) opts.push(`subtype_diff = ${r.subdiff}`);
  if (r.multirange) opts.push(`multirange_type_name = ${r.multirange}`);
  return [`CREATE TYPE ${q} AS RANGE (${opts.join(', ')})`, ...ownerAndPrivileges(`TYPE ${q}`, r, ctx), ...commentOn(`TYPE ${q}`, r.comment)];
}

/** `CREATE TYPE name`: the shell a base type's I/O functions are declared against. */
export function renderShellType(t: BaseType): string[] {
  return [`CREATE TYPE ${qualified(t.schema, t.name)}`];
}

const ALIGN: Record<string, string> = { c: 'char', s: 'int2', i: 'int4', d: 'double' };
const STORAGE: Record<string, string> = { p: 'plain', e: 'external', x: 'extended', m: 'main' };

/** CREATE TYPE name (INPUT = ..., OUTPUT = ..., ...) completing the shell. */
export function renderBaseType(t: BaseType, ctx: OwnershipContext): string[] {
  const q = qualified(t.schema, t.name);
  const raw = t.raw;
  const fn = (col: string) => {
    const v = str(raw[col]);
    return v && v !== '-' && v !== '0' ? v : null;
  };
  const opts = [`INPUT = ${fn('typinput')}`, `OUTPUT = ${fn('typoutput')}`];
  for (const [col, opt] of [['typreceive', 'RECEIVE'], ['typsend', 'SEND'], ['typmodin', 'TYPMOD_IN'], ['typmodout', 'TYPMOD_OUT'], ['typanalyze', 'ANALYZE'], ['typsubscript', 'SUBSCRIPT']]) {
    const v = fn(col);
    if (v) opts.push(`${opt} = ${v}`);
  }
  const len = Number(raw.typlen);
  opts.push(`INTERNALLENGTH = ${len === -1 ? 'VARIABLE' : len}`);
  if (raw.typbyval === true) opts.push('PASSEDBYVALUE');
  opts.push(`ALIGNMENT = ${ALIGN[String(raw.typalign)] ?? 'int4'}`, `STORAGE = ${STORAGE[String(raw.typstorage)] ?? 'plain'}`);
  if (raw.typcategory !== 'U') opts.push(`CATEGORY = ${literal(String(raw.typcategory))}`);
  if (raw.typispreferred === true) opts.push('PREFERRED = true');
  const def = str(raw.typdefault);
  if (def !== null) opts.push(`DEFAULT = ${literal(def)}`);
  if (t.element) opts.push(`ELEMENT = ${t.element}`);
  if (raw.typdelim !== ',') opts.push(`DELIMITER = ${literal(String(raw.typdelim))}`);
  if (t.collatable) opts.push('COLLATABLE = true');
  return [`CREATE TYPE ${q} (${opts.join(', ')})`, ...ownerAndPrivileges(`TYPE ${q}`, t, ctx), ...commentOn(`TYPE ${q}`, t.comment)];
}
