/** Facts about the target the planner needs, and the version gate. */
import type pg from 'pg';
import { PgferryError } from '../errors.js';
import type { PlanOptions } from './build-plan.js';
import type { NameMapping } from './name-mapping.js';
import type { Selection } from './selection.js';
import { readTargetAccount, type TargetAccount } from '../pg/target-account.js';

export interface TargetContext {
  ownership: { targetUser: string; targetRoles: Set<string> };
  /** Existing schemas and their owners. */
  schemas: Map<string, string>;
  /** Extension versions the target can install (undefined when it cannot say). */
  extensions?: Map<string, string[]>;
  /** What the role pgferry connects as may do on the target. */
  account: TargetAccount;
}

/** Roles, current user, existing schemas and the account's rights on the target. */
export async function targetContext(target: pg.Client): Promise<TargetContext> {
  const r = await target.query<{ me: string; roles: string[]; schemas: [string, string][] }>(
    `SELECT current_user AS me,
            array(SELECT rolname::text FROM pg_catalog.pg_roles) AS roles,
            (SELECT json_agg(json_build_array(nspname, pg_catalog.pg_get_userbyid(nspowner))) FROM pg_catalog.pg_namespace) AS schemas`,
  );
  const row = r.rows[0];
  let extensions: Map<string, string[]> | undefined;
  try {
    const e = await target.query<{ name: string; versions: string[] }>(
      'SELECT name::text AS name, array_agg(version::text) AS versions FROM pg_catalog.pg_available_extension_versions GROUP BY name',
    );
    extensions = new Map(e.rows.map((x) => [x.name, x.versions]));
  } catch {
    // a broken control file on the target makes the view fail: plan without VERSION
    extensions = undefined;
  }
  const account = await readTargetAccount(target);
  return { ownership: { targetUser: row.me, targetRoles: new Set(row.roles) }, schemas: new Map(row.schemas), extensions, account };
}

/**
 * The planner's view of the target, the same for a migration and its precheck: owners and
 * privileges (unless left out), existing schemas, the major version and installable extensions.
 */
export function targetPlanOptions(
  ctx: TargetContext,
  targetVersion: number,
  opts: { noOwner?: boolean; noPrivileges?: boolean; publications?: boolean; selection?: Selection; mapping?: NameMapping } = {},
): PlanOptions {
  return {
    ownership: { ...ctx.ownership, applyOwners: !opts.noOwner, applyPrivileges: !opts.noPrivileges },
    targetSchemas: ctx.schemas,
    targetMajor: Math.floor(targetVersion / 10000),
    targetExtensions: ctx.extensions,
    account: ctx.account,
    publications: opts.publications,
    selection: opts.selection,
    mapping: opts.mapping,
  };
}

/** Source 10–18; the target the same major or newer. */
export function checkVersions(sourceNum: number, targetNum: number): void {
  const s = Math.floor(sourceNum / 10000);
  const t = Math.floor(targetNum / 10000);
  if (s < 10 || s > 18)
    throw new PgferryError('PGFERRY_E_VERSION', `source runs PostgreSQL ${s}; pgferry supports sources 10 to 18`, {
      object: 'source', fix: 'upgrade the source in place first, or use pg_dump for very old servers',
    });
  if (t < s)
    throw new PgferryError('PGFERRY_E_VERSION', `target runs PostgreSQL ${t}, older than the source's ${s}`, {
      object: 'target', fix: 'migrate to a server of the same or a newer major version',
    });
}
