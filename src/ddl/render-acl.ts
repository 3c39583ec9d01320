/**
 * GRANT/REVOKE that give an object on the target the same privileges as on the source. A NULL ACL
 * means the built-in default and needs nothing; otherwise the default is cleared and every
 * privilege granted again in the source's order, so the target's ACL lists them the same way.
 */
import { ident } from '../pg/quote.js';

export interface AclEntry {
  grantee: string | null; // null = PUBLIC
  grantor: string;
  privilege: string;
  grantable: boolean;
}

/** `target` is e.g. `TABLE "s"."t"`, `SCHEMA "s"`, `FUNCTION "s"."f"(integer)`. */
export function renderAcl(target: string, owner: string, acl: AclEntry[] | null, roles: Set<string>): string[] {
  if (acl === null) return [];
  const out = [`REVOKE ALL ON ${target} FROM PUBLIC`];
  if (roles.has(owner)) out.push(`REVOKE ALL ON ${target} FROM ${ident(owner)}`);
  const order: string[] = [];
  const privs = new Map<string, { plain: string[]; grantable: string[] }>();
  for (const e of acl) {
    const who = e.grantee === null ? 'PUBLIC' : ident(e.grantee);
    if (e.grantee !== null && !roles.has(e.grantee)) continue;
    if (!privs.has(who)) {
      privs.set(who, { plain: [], grantable: [] });
      order.push(who);
    }
    const p = privs.get(who)!;
    (e.grantable ? p.grantable : p.plain).push(e.privilege);
  }
  for (const who of order) {
    const p = privs.get(who)!;
    if (p.plain.length) out.push(`GRANT ${p.plain.join(', ')} ON ${target} TO ${who}`);
    if (p.grantable.length) out.push(`GRANT ${p.grantable.join(', ')} ON ${target} TO ${who} WITH GRANT OPTION`);
  }
  return out;
}
