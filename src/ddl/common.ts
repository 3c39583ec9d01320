/** Small DDL pieces shared by the per-kind renderers. */
import { ident, literal } from '../pg/quote.js';
import { renderAcl, type AclEntry } from './render-acl.js';

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

/** `ALTER <kind> <name> OWNER TO role` when the role should own it on the target. */
export function ownerTo(kindAndName: string, owner: string, ctx: OwnershipContext): string[] {
  if (!ctx.applyOwners || owner === ctx.targetUser || !ctx.targetRoles.has(owner)) return [];
  return [`ALTER ${kindAndName} OWNER TO ${ident(owner)}`];
}

/** What the target offers for ownership: its roles and the role pgferry connects as. */
export interface OwnershipContext {
  applyOwners: boolean;
  targetUser: string;
  targetRoles: Set<string>;
  /** The source's major version: default privileges differ between majors. */
  sourceMajor?: number;
  /** false with --no-privileges: no GRANT/REVOKE at all. */
  applyPrivileges?: boolean;
}

/** Strips the trailing semicolon the server's deparse functions add. */
export function stripSemicolon(sql: string): string {
  return sql.trim().replace(/;\s*$/, '');
}

/** Ownership, then privileges, of one object (`kindAndName` like `TABLE "s"."t"`). */
export function ownerAndPrivileges(
  kindAndName: string,
  obj: { owner: string; acl: AclEntry[] | null },
  ctx: OwnershipContext,
  aclTarget = kindAndName,
): string[] {
  const acl = ctx.applyPrivileges === false ? [] : renderAcl(aclTarget, obj.owner, obj.acl, ctx.targetRoles, ctx.sourceMajor);
  return [...ownerTo(kindAndName, obj.owner, ctx), ...acl];
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
