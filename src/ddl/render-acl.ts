/**
 * GRANT/REVOKE that give an object on the target the source's privileges. Like pg_dump, the
 * statements are the difference from the built-in default of the object's kind on the source: a
 * NULL ACL needs nothing, and privileges the source's default lacks but the target's has (MAINTAIN
 * on tables from PostgreSQL 17) stay as the target's default gives them.
 */
import { ident } from '../pg/quote.js';
import type { AclEntry } from '../catalog/model.js';

const TABLE = ['INSERT', 'SELECT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'];

/** What the owner (and PUBLIC) hold by default, by the keyword that starts the GRANT target. */
function defaultAcl(kind: string, sourceMajor: number): { owner: string[]; public: string[] } {
  switch (kind) {
    case 'TABLE':
    case 'TABLES':
      return { owner: sourceMajor >= 17 ? [...TABLE, 'MAINTAIN'] : TABLE, public: [] };
    case 'SEQUENCE':
    case 'SEQUENCES':
      return { owner: ['USAGE', 'SELECT', 'UPDATE'], public: [] };
    case 'FUNCTION':
    case 'FUNCTIONS':
    case 'PROCEDURE':
    case 'ROUTINE':
      return { owner: ['EXECUTE'], public: ['EXECUTE'] };
    case 'SCHEMA':
    case 'SCHEMAS':
      return { owner: ['USAGE', 'CREATE'], public: [] };
    case 'TYPE':
    case 'TYPES':
    case 'DOMAIN':
    case 'LANGUAGE':
      return { owner: ['USAGE'], public: ['USAGE'] };
    case 'LARGE':
      return { owner: ['SELECT', 'UPDATE'], public: [] };
    default: // FOREIGN DATA WRAPPER, FOREIGN SERVER
      return { owner: ['USAGE'], public: [] };
  }
}

/**
 * `target` is e.g. `TABLE "s"."t"`, `SCHEMA "s"`, `FUNCTION "s"."f"(integer)`. Grants to roles
 * the target lacks are left out (the caller warns about missing roles).
 */
export function renderAcl(target: string, owner: string, acl: AclEntry[] | null, roles: Set<string>, sourceMajor = 99): string[] {
  if (acl === null) return [];
  const def = defaultAcl(target.split(' ')[0], sourceMajor);
  const key = (who: string | null, priv: string) => `${who ?? ''}\u0000${priv}`;
  const has = new Set(acl.map((e) => key(e.grantee, e.privilege)));
  const defaults = new Set([...def.owner.map((p) => key(owner, p)), ...def.public.map((p) => key(null, p))]);
  const out: string[] = [];
  const revoke = (who: string | null, privs: string[]) => {
    const missing = privs.filter((p) => !has.has(key(who, p)));
    if (!missing.length || (who !== null && !roles.has(who))) return;
    out.push(`REVOKE ${missing.length === privs.length ? 'ALL' : missing.join(', ')} ON ${target} FROM ${who === null ? 'PUBLIC' : ident(who)}`);
  };
  revoke(null, def.public);
  revoke(owner, def.owner);
  const order: string[] = [];
  const privs = new Map<string, { plain: string[]; grantable: string[] }>();
  for (const e of acl) {
    if (e.grantee !== null && !roles.has(e.grantee)) continue;
    // a default privilege already held needs no GRANT, unless it comes WITH GRANT OPTION
    if (defaults.has(key(e.grantee, e.privilege)) && !e.grantable) continue;
    const who = e.grantee === null ? 'PUBLIC' : ident(e.grantee);
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
