/**
 * The one place that decides whether an object keeps its source owner on the target. ALTER ...
 * OWNER TO needs the target account to be able to SET ROLE to the new owner (membership before
 * 16), and pgferry goes on working on the object afterwards (indexes, grants, comments), so it
 * must hold the owner's privileges too; the new owner needs CREATE on the object's schema (or,
 * for a publication, on the database; an event trigger's or a wrapper's owner must be a
 * superuser). A superuser account may do all but the last. An owner that cannot be kept leaves
 * the object with the account, as --no-owner does, and is recorded for the run's one warning.
 */
import type { SchemaObj } from '../catalog/model.js';
import type { TargetAccount } from '../pg/target-account.js';
import { displayIdent, ident } from '../pg/quote.js';

/** Where an object lives, for the new owner's rights: a schema, the database, or a superuser-owned kind. */
export type OwnerPlace = { schema: string } | 'global' | 'database' | 'superuser';

/** Why an owner was not kept: each with its own fix. */
export type NotKeptReason = { kind: 'missing' } | { kind: 'not-member' } | { kind: 'no-create'; schema: string; created: boolean } | { kind: 'no-create-db' } | { kind: 'not-superuser' };

export interface OwnerNotKept {
  role: string;
  /** The objects it owns on the source that the target account keeps (`TABLE "s"."t"`). */
  objects: string[];
  reasons: NotKeptReason[];
}

/** A schema as the plan leaves it: its owner, the roles granted CREATE in it ('' = PUBLIC), and whether it existed. */
interface PlannedSchema {
  owner: string;
  creators: Set<string>;
  existing: boolean;
}

export class OwnerRights {
  private readonly notKeptByRole = new Map<string, { objects: Map<string, string | undefined>; reasons: Map<string, NotKeptReason> }>();
  private readonly schemas = new Map<string, PlannedSchema>();
  /** What fell back besides owners (existing schemas left alone, LEAKPROOF dropped...), for the plan's notes. */
  readonly notes: string[] = [];

  constructor(readonly account: TargetAccount) {}

  /** Whether the account counts as the owner of `role`'s objects (it may alter, grant, comment). */
  actsAs(role: string): boolean {
    return this.account.superuser || this.account.actsAs.has(role);
  }

  /**
   * Records the schemas the plan creates or uses, with the owner and CREATE grants they will
   * have, so that an object's new owner can be checked against them. Called once, before any
   * object of a schema is rendered.
   */
  planSchemas(schemas: SchemaObj[], targetSchemas: Map<string, string>, applyOwners: boolean, applyPrivileges: boolean): void {
    for (const s of schemas) {
      const onTarget = targetSchemas.get(s.name);
      const existing = onTarget !== undefined;
      const mayChange = !existing || this.actsAs(onTarget);
      const keeps = applyOwners && mayChange && s.owner !== onTarget && this.check(s.owner, 'global') === null;
      const owner = keeps ? s.owner : (onTarget ?? this.account.user);
      const creators = new Set<string>(existing ? this.account.createInSchema.get(s.name) ?? [] : []);
      if (applyPrivileges && mayChange) {
        for (const e of s.acl ?? []) if (e.privilege === 'CREATE') creators.add(e.grantee ?? '');
        // a NULL ACL is the owner's default: USAGE and CREATE for the owner alone
      }
      this.schemas.set(s.name, { owner, creators, existing });
    }
  }

  /** Whether `role` may own an object at `place` on the target; null when it may, else why not. */
  check(role: string, place: OwnerPlace): NotKeptReason | null {
    const a = this.account;
    if (!a.roles.has(role)) return { kind: 'missing' };
    if (place === 'superuser') return a.superusers.has(role) ? null : { kind: 'not-superuser' };
    if (a.superuser) return null;
    if (!a.keepable.has(role)) return { kind: 'not-member' };
    if (place === 'global') return null;
    if (place === 'database') return a.superusers.has(role) || a.keepableCreateOnDatabase.has(role) ? null : { kind: 'no-create-db' };
    return this.mayCreateIn(role, place.schema) ? null : { kind: 'no-create', schema: place.schema, created: !this.schemas.get(place.schema)?.existing };
  }

  /** Whether `role` holds CREATE in `schema` once pre-data has made or changed it. */
  private mayCreateIn(role: string, schema: string): boolean {
    const a = this.account;
    if (a.superusers.has(role)) return true;
    const holds = a.privilegesOf.get(role) ?? new Set([role]);
    const planned = this.schemas.get(schema);
    if (a.createInSchema.get(schema)?.has(role)) return true;
    if (!planned) return false;
    if (holds.has(planned.owner) || planned.creators.has('')) return true;
    return [...planned.creators].some((g) => holds.has(g));
  }

  /** Checks and, when the owner cannot be kept, records it against `object` (its plan key, when it has one). */
  keeps(role: string, place: OwnerPlace, object: string, key?: string): boolean {
    const why = this.check(role, place);
    if (why === null) return true;
    // missing roles have their own warning
    if (why.kind === 'missing') return false;
    let entry = this.notKeptByRole.get(role);
    if (!entry) this.notKeptByRole.set(role, (entry = { objects: new Map(), reasons: new Map() }));
    entry.objects.set(object, key);
    entry.reasons.set(JSON.stringify(why), why);
    return false;
  }

  /** The owners that could not be kept, by role name; objects the plan skips (`skipped(key)`) are left out. */
  notKept(skipped: (key: string) => boolean = () => false): OwnerNotKept[] {
    return [...this.notKeptByRole]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([role, e]) => ({ role, objects: [...e.objects].filter(([, key]) => key === undefined || !skipped(key)).map(([o]) => o), reasons: [...e.reasons.values()] }))
      .filter((o) => o.objects.length > 0);
  }
}

/** The one warning about owners, as the precheck lists it and the run logs it. */
export interface OwnersWarning {
  detail: string;
  fix: string;
  /** Missing roles by name, then each owner not kept with its objects. */
  objects: string[];
  /** The run's log line. */
  line: string;
}

/**
 * The one warning about owners: roles missing on the target and owners the account could not
 * keep, each with how to keep them. Null when every owner is kept.
 */
export function ownersWarning(missing: string[], notKept: OwnerNotKept[], account: { user: string; serverVersion: number } | undefined): OwnersWarning | null {
  if (!missing.length && !notKept.length) return null;
  const user = account?.user ?? 'the target user';
  const parts: string[] = [];
  if (missing.length) parts.push(`${missing.length} role(s) are missing on the target: their objects will belong to ${user} and their grants are left out`);
  const count = (o: OwnerNotKept) => `${o.role} (${o.objects.length} object${o.objects.length === 1 ? '' : 's'})`;
  if (notKept.length) parts.push(`${notKept.length} owner(s) cannot be kept by ${user}: their objects will belong to ${user}, and their grants to roles that exist are applied`);
  const fixes = new Set<string>();
  if (missing.length) fixes.add('create the missing roles on the target first (CREATE ROLE ...), or run with --no-owner / --no-privileges');
  const grant = (role: string) => `GRANT ${ident(role)} TO ${ident(user)}${(account?.serverVersion ?? 0) >= 160000 ? ' WITH INHERIT TRUE, SET TRUE' : ''}`;
  for (const o of notKept) {
    for (const r of o.reasons) {
      if (r.kind === 'not-member') fixes.add(`to keep ${displayIdent(o.role)}: ${grant(o.role)} on the target (or migrate as a superuser)`);
      else if (r.kind === 'no-create')
        fixes.add(r.created
          ? `to keep ${displayIdent(o.role)} in schema ${displayIdent(r.schema)}: GRANT CREATE ON SCHEMA ${ident(r.schema)} TO ${ident(o.role)} on the source (the grant is copied), or create the schema on the target first with that grant`
          : `to keep ${displayIdent(o.role)} in schema ${displayIdent(r.schema)}: GRANT CREATE ON SCHEMA ${ident(r.schema)} TO ${ident(o.role)} on the target`);
      else if (r.kind === 'no-create-db') fixes.add(`to keep ${displayIdent(o.role)} as a publication's owner: GRANT CREATE ON DATABASE to it on the target`);
      else if (r.kind === 'not-superuser') fixes.add(`${displayIdent(o.role)} is not a superuser on the target, and an event trigger or a foreign-data wrapper must belong to one`);
    }
  }
  const objects = [...missing, ...notKept.map((o) => `${count(o)}: ${o.objects.slice(0, 3).join(', ')}${o.objects.length > 3 ? ', ...' : ''}`)];
  const lines: string[] = [];
  if (missing.length) lines.push(`roles missing on the target: ${missing.join(', ')}; their objects will belong to ${user} and their grants are left out (create the roles first to keep them)`);
  if (notKept.length) lines.push(`owners ${user} may not keep: ${notKept.map(count).join(', ')}; their objects will belong to ${user}, grants to roles that exist are applied (${[...fixes].filter((f) => f.startsWith('to keep') || f.includes('superuser on the target')).join('; ')})`);
  return { detail: parts.join('; '), fix: [...fixes].join('; '), objects, line: lines.join('; ') };
}
