/** Small DDL pieces shared by the per-kind renderers. */
import { ident, literal } from '../pg/quote.js';
import { renderAcl } from './render-acl.js';
import type { AclEntry } from '../catalog/model.js';
import type { OwnerPlace, OwnerRights } from './owner-rights.js';

/** `WITH (fillfactor=70, check_option='local')` from a reloptions array; '' when none. */
export function withOptions(options: string[] | null, omit: string[] = []): string {
  const parts = (options ?? [])
    .map((opt) => {
      const eq = opt.indexOf('=');
      const name = eq < 0 ? opt : opt.slice(0, eq);
      const value = eq < 0 ? '' : opt.slice(eq + 1);
      return { name, value };
    })
    .filter((o) => !omit.includes(o.name))
    .map(({ name, value }) => `${name}=${/^[A-Za-z0-9_.+-]+$/.test(value) ? value : literal(value)}`);
  return parts.length ? ` WITH (${parts.join(', ')})` : '';
}

/** `COMMENT ON <target> IS '...'`, or nothing when there is no comment. */
export function commentOn(target: string, comment: string | null): string[] {
  return comment === null ? [] : [`COMMENT ON ${target} IS ${literal(comment)}`];
}

/**
 * `ALTER <kind> <name> OWNER TO role` when the role should own it on the target: it exists there
 * and the target account may hand the object to it at `place` (see owner-rights.ts); otherwise
 * the object stays with the account and the owner is recorded for the run's warning.
 */
export function ownerTo(kindAndName: string, owner: string, ctx: OwnershipContext, place: OwnerPlace = 'global', key?: string): string[] {
  if (!ctx.applyOwners || owner === ctx.targetUser || !ctx.targetRoles.has(owner)) return [];
  if (ctx.rights && !ctx.rights.keeps(owner, place, kindAndName, key)) return [];
  return [`ALTER ${kindAndName} OWNER TO ${ident(owner)}`];
}

/** The place of an object in schema `schema` (null: not in a schema). */
export function inSchema(schema: string | null | undefined): OwnerPlace {
  return schema ? { schema } : 'global';
}

/** What the target offers for ownership: its roles and the role pgferry connects as. */
export interface OwnershipContext {
  applyOwners: boolean;
  targetUser: string;
  targetRoles: Set<string>;
  /** The source's major version: default privileges differ between majors. */
  sourceMajor?: number;
  /** The target's major version, when known: what it no longer takes is left out. */
  targetMajor?: number;
  /** false with --no-privileges: no GRANT/REVOKE at all. */
  applyPrivileges?: boolean;
  /**
   * What the target account may do with owners; absent when no target is asked (`pgferry
   * schema`), where every role of the source is taken to be assignable.
   */
  rights?: OwnerRights;
}

/** Strips the trailing semicolon the server's deparse functions add. */
export function stripSemicolon(sql: string): string {
  return sql.trim().replace(/;\s*$/, '');
}

/**
 * Ownership, then privileges, of one object (`kindAndName` like `TABLE "s"."t"`); `obj.schema`,
 * when given, is the schema the new owner needs CREATE in. The grants go to roles that exist on
 * the target: the account owns the object or acts for its owner, so it may give them.
 */
export function ownerAndPrivileges(
  kindAndName: string,
  obj: { owner: string; acl: AclEntry[] | null; schema?: string | null; key?: string },
  ctx: OwnershipContext,
  aclTarget = kindAndName,
): string[] {
  const acl = ctx.applyPrivileges === false ? [] : renderAcl(aclTarget, obj.owner, obj.acl, ctx.targetRoles, ctx.sourceMajor);
  return [...ownerTo(kindAndName, obj.owner, ctx, inSchema(obj.schema), obj.key), ...acl];
}

/** `OPTIONS (host 'db1', port '5432')` from an options array of `name=value`; '' when none. */
export function optionsClause(options: string[] | null, prefix = ''): string {
  if (!options?.length) return '';
  const parts = options.map((opt) => {
    const eq = opt.indexOf('=');
    return `${prefix}${ident(eq < 0 ? opt : opt.slice(0, eq))} ${literal(eq < 0 ? '' : opt.slice(eq + 1))}`;
  });
  return ` OPTIONS (${parts.join(', ')})`;
}
