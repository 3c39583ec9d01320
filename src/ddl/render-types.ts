/** DDL for schemas and user types: enums, composites and domains. */
import type { CompositeType, DomainType, EnumType, ExtensionObj, SchemaObj } from '../catalog/model.js';
import { displayIdent, ident, literal, qualified } from '../pg/quote.js';
import { commentOn, ownerAndPrivileges, type OwnershipContext } from './common.js';

/**
 * A schema. One the target has already (`public`) keeps its place: it takes the source's owner,
 * privileges and comment when the target account counts as its owner there; otherwise it is left
 * as the target has it (the account could change none of these), and the plan notes so.
 */
export function renderSchema(s: SchemaObj, ctx: OwnershipContext, ownerOnTarget: string | undefined): string[] {
  const name = ident(s.name);
  const obj = { owner: s.owner, acl: s.acl, key: s.key };
  if (ownerOnTarget !== undefined) {
    if (ctx.rights && !ctx.rights.actsAs(ownerOnTarget)) {
      ctx.rights.notes.push(`schema ${displayIdent(s.name)} exists on the target, owned by ${displayIdent(ownerOnTarget)}, which ${displayIdent(ctx.targetUser)} does not act for: its owner, privileges and comment are left as the target has them`);
      return [];
    }
    // an existing schema (public): take the source's owner, privileges and comment
    const changes = s.owner !== ownerOnTarget && ctx.applyOwners && ctx.targetRoles.has(s.owner);
    const owner = changes && (s.owner === ctx.targetUser || !ctx.rights || ctx.rights.keeps(s.owner, 'global', `SCHEMA ${name}`, s.key)) ? [`ALTER SCHEMA ${name} OWNER TO ${ident(s.owner)}`] : [];
    return [
      ...owner,
      ...ownerAndPrivileges(`SCHEMA ${name}`, obj, { ...ctx, applyOwners: false }),
      `COMMENT ON SCHEMA ${name} IS ${s.comment === null ? 'NULL' : literal(s.comment)}`,
    ];
  }
  return [`CREATE SCHEMA ${name}`, ...ownerAndPrivileges(`SCHEMA ${name}`, obj, ctx), ...commentOn(`SCHEMA ${name}`, s.comment)];
}

/** CREATE TYPE ... AS ENUM with the labels in order. */
export function renderEnum(t: EnumType, ctx: OwnershipContext): string[] {
  const q = qualified(t.schema, t.name);
  return [
    `CREATE TYPE ${q} AS ENUM (${t.labels.map(literal).join(', ')})`,
    ...ownerAndPrivileges(`TYPE ${q}`, t, ctx),
    ...commentOn(`TYPE ${q}`, t.comment),
  ];
}

/** CREATE TYPE ... AS (...) with attribute collations and comments. */
export function renderComposite(t: CompositeType, ctx: OwnershipContext): string[] {
  const q = qualified(t.schema, t.name);
  const attrs = t.attributes.map((a) => `${ident(a.name)} ${a.type}${a.collation ? ` COLLATE ${a.collation}` : ''}`);
  return [
    `CREATE TYPE ${q} AS (${attrs.join(', ')})`,
    ...ownerAndPrivileges(`TYPE ${q}`, t, ctx),
    ...commentOn(`TYPE ${q}`, t.comment),
    ...t.attributes.flatMap((a) => commentOn(`COLUMN ${q}.${ident(a.name)}`, a.comment)),
  ];
}

/**
 * CREATE DOMAIN with its validated constraints (NOT VALID ones come after the data). From 17 its
 * NOT NULL is a constraint with a name (by default `<domain>_not_null`), which it keeps.
 */
export function renderDomain(d: DomainType, ctx: OwnershipContext): string[] {
  const q = qualified(d.schema, d.name);
  const nn = d.notNull ? d.notNullConstraint : null;
  let sql = `CREATE DOMAIN ${q} AS ${d.baseType}`;
  if (d.collation) sql += ` COLLATE ${d.collation}`;
  if (d.defaultExpr !== null) sql += ` DEFAULT ${d.defaultExpr}`;
  if (nn) sql += ` CONSTRAINT ${ident(nn.name)} NOT NULL`;
  else if (d.notNull) sql += ' NOT NULL';
  for (const c of d.constraints.filter((c) => c.validated)) sql += ` CONSTRAINT ${ident(c.name)} ${c.definition}`;
  return [
    sql,
    ...ownerAndPrivileges(`DOMAIN ${q}`, d, ctx),
    ...commentOn(`DOMAIN ${q}`, d.comment),
    ...d.constraints.filter((c) => c.validated).flatMap((c) => commentOn(`CONSTRAINT ${ident(c.name)} ON DOMAIN ${q}`, c.comment)),
    ...(nn ? commentOn(`CONSTRAINT ${ident(nn.name)} ON DOMAIN ${q}`, nn.comment) : []),
  ];
}

/**
 * A NOT VALID domain constraint, added after the data like pg_dump does: rows that break it are
 * allowed to exist (pg_get_constraintdef already says NOT VALID).
 */
export function renderDomainConstraint(d: DomainType, c: DomainType['constraints'][number]): string[] {
  const q = qualified(d.schema, d.name);
  return [`ALTER DOMAIN ${q} ADD CONSTRAINT ${ident(c.name)} ${c.definition}`, ...commentOn(`CONSTRAINT ${ident(c.name)} ON DOMAIN ${q}`, c.comment)];
}

/**
 * CREATE EXTENSION in the source's schema, at the source's version when the target offers it;
 * otherwise at the target's default version (a newer major ships newer extension versions; the
 * planner notes it). `comment: false` leaves the comment out: an extension the target has
 * already, owned by a role the account does not act for, takes no COMMENT from it.
 */
export function renderExtension(e: ExtensionObj, targetVersions?: string[], opts: { comment?: boolean } = {}): string[] {
  const version = targetVersions?.includes(e.version) ? ` VERSION ${literal(e.version)}` : '';
  return [
    `CREATE EXTENSION IF NOT EXISTS ${ident(e.name)} WITH SCHEMA ${ident(e.schema)}${version}`,
    ...(opts.comment === false ? [] : commentOn(`EXTENSION ${ident(e.name)}`, e.comment)),
  ];
}
