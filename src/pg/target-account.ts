/**
 * What the role pgferry connects to the target as may do there: superuser or not, the roles it
 * may hand objects to, the roles whose privileges it holds, languages and extensions it may use,
 * settings it may change. Read once, before planning, so that the plan and the precheck predict
 * the statements the target would refuse instead of meeting them halfway through a run.
 */
import type pg from 'pg';

export interface TargetAccount {
  /** current_user on the target. */
  user: string;
  superuser: boolean;
  /** The target's server_version_num. */
  serverVersion: number;
  /** CREATE on the target database (schemas, trusted extensions, publications). */
  createOnDatabase: boolean;
  /** Every role of the target. */
  roles: Set<string>;
  /** Roles of the target that are superusers. */
  superusers: Set<string>;
  /** Roles whose privileges the account holds (pg_has_role USAGE): it counts as the owner of their objects. */
  actsAs: Set<string>;
  /**
   * Roles the account may make owners and still act for afterwards (post-data builds indexes on
   * their tables, grants on their objects): SET ROLE right (16+; membership before) and their
   * privileges (INHERIT). A superuser: every role.
   */
  keepable: Set<string>;
  /** Roles whose default privileges the account may change (their privileges on 16+, membership before). */
  defaultPrivilegeRoles: Set<string>;
  /** For each keepable role (not for a superuser account): the roles whose privileges it holds. */
  privilegesOf: Map<string, Set<string>>;
  /** Keepable roles with CREATE on the database. */
  keepableCreateOnDatabase: Set<string>;
  /** Existing schema → the keepable roles (and the account) with CREATE there now. */
  createInSchema: Map<string, Set<string>>;
  /** The target's procedural languages and whether each is trusted. */
  languages: Map<string, boolean>;
  /** Extensions installed on the target, with their owners. */
  installedExtensions: Map<string, string>;
  /**
   * Extension versions the account may install (trusted on 13+, or `superuser = false` in the
   * control file), by extension; undefined when the target cannot list them.
   */
  installable?: Map<string, Set<string>>;
  /** Each available extension's default version (what CREATE EXTENSION without VERSION installs). */
  defaultVersions?: Map<string, string>;
  /** Foreign-data wrappers the account has USAGE on. */
  usableWrappers: Set<string>;
  /** session_replication_role may be set (superuser, or SET granted on the parameter, 15+). */
  replicaRole: boolean;
}

interface AccountRow {
  me: string;
  superuser: boolean;
  create_db: boolean;
  roles: string[];
  superusers: string[];
  acts_as: string[];
  settable: string[];
  languages: [string, boolean][];
  extensions: [string, string][] | null;
  wrappers: string[];
}

/**
 * Reads the account's rights on the target (a few catalog queries, no writes). `extensions:
 * false` leaves out the extension views, which fail on a broken control file: inside a
 * transaction that failure would abort it.
 */
export async function readTargetAccount(target: pg.ClientBase, opts: { extensions?: boolean } = {}): Promise<TargetAccount> {
  const version = Number((await target.query<{ v: string }>("SELECT pg_catalog.current_setting('server_version_num') AS v")).rows[0].v);
  // SET (16+) is the right ALTER ... OWNER TO checks; membership before
  const setRight = version >= 160000 ? 'SET' : 'MEMBER';
  const r = await target.query<AccountRow>(
    `SELECT current_user AS me, me.rolsuper AS superuser,
            pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE') AS create_db,
            array(SELECT rolname::text FROM pg_catalog.pg_roles) AS roles,
            array(SELECT rolname::text FROM pg_catalog.pg_roles WHERE rolsuper) AS superusers,
            array(SELECT g.rolname::text FROM pg_catalog.pg_roles g WHERE pg_catalog.pg_has_role(current_user, g.oid, 'USAGE')) AS acts_as,
            array(SELECT g.rolname::text FROM pg_catalog.pg_roles g WHERE pg_catalog.pg_has_role(current_user, g.oid, $1)) AS settable,
            (SELECT json_agg(json_build_array(lanname, lanpltrusted)) FROM pg_catalog.pg_language) AS languages,
            (SELECT json_agg(json_build_array(extname, pg_catalog.pg_get_userbyid(extowner))) FROM pg_catalog.pg_extension) AS extensions,
            array(SELECT fdwname::text FROM pg_catalog.pg_foreign_data_wrapper WHERE pg_catalog.has_foreign_data_wrapper_privilege(oid, 'USAGE')) AS wrappers
       FROM pg_catalog.pg_roles me WHERE me.rolname = current_user`,
    [setRight],
  );
  const row = r.rows[0];
  const actsAs = new Set(row.acts_as);
  const settable = new Set(row.settable);
  const keepable = new Set(row.acts_as.filter((x) => settable.has(x)));
  const account: TargetAccount = {
    user: row.me,
    superuser: row.superuser,
    serverVersion: version,
    createOnDatabase: row.create_db,
    roles: new Set(row.roles),
    superusers: new Set(row.superusers),
    actsAs,
    keepable,
    defaultPrivilegeRoles: version >= 160000 ? actsAs : settable,
    privilegesOf: new Map(),
    keepableCreateOnDatabase: new Set(),
    createInSchema: new Map(),
    languages: new Map(row.languages),
    installedExtensions: new Map(row.extensions ?? []),
    usableWrappers: new Set(row.wrappers),
    replicaRole: row.superuser || (version >= 150000 && (await settableParameter(target, 'session_replication_role'))),
  };
  await readKeepableRights(target, account);
  if (opts.extensions !== false) await readInstallable(target, account);
  return account;
}

/** has_parameter_privilege (15+) for SET on one parameter. */
async function settableParameter(target: pg.ClientBase, name: string): Promise<boolean> {
  const r = await target.query<{ ok: boolean }>("SELECT pg_catalog.has_parameter_privilege($1, 'SET') AS ok", [name]);
  return r.rows[0].ok;
}

/**
 * What the roles the account may hand objects to may do themselves: ALTER ... OWNER TO needs the
 * new owner to have CREATE on the object's schema. A superuser account skips these checks (and
 * so does the server for it).
 */
async function readKeepableRights(target: pg.ClientBase, account: TargetAccount): Promise<void> {
  if (account.superuser) return;
  const r = await target.query<{ role: string; holds: string[]; create_db: boolean; create_in: string[] }>(
    `SELECT k.rolname::text AS role,
            array(SELECT g.rolname::text FROM pg_catalog.pg_roles g WHERE pg_catalog.pg_has_role(k.oid, g.oid, 'USAGE')) AS holds,
            pg_catalog.has_database_privilege(k.oid, pg_catalog.current_database(), 'CREATE') AS create_db,
            array(SELECT n.nspname::text FROM pg_catalog.pg_namespace n WHERE pg_catalog.has_schema_privilege(k.oid, n.oid, 'CREATE')) AS create_in
       FROM pg_catalog.pg_roles k WHERE k.rolname = ANY($1::text[])`,
    [[...account.keepable]],
  );
  for (const row of r.rows) {
    account.privilegesOf.set(row.role, new Set(row.holds));
    if (row.create_db) account.keepableCreateOnDatabase.add(row.role);
    for (const s of row.create_in) {
      if (!account.createInSchema.has(s)) account.createInSchema.set(s, new Set());
      account.createInSchema.get(s)!.add(row.role);
    }
  }
}

/**
 * The extension versions a non-superuser may install: `trusted` (13+, read through JSON so one
 * query serves 10 too) or `superuser = false`. A broken control file on the target makes the
 * views fail: then nothing is known.
 */
async function readInstallable(target: pg.ClientBase, account: TargetAccount): Promise<void> {
  try {
    const v = await target.query<{ name: string; version: string; anyone: boolean }>(
      `SELECT v.name::text AS name, v.version::text AS version,
              (NOT v.superuser OR coalesce((pg_catalog.to_jsonb(v) ->> 'trusted')::boolean, false)) AS anyone
         FROM pg_catalog.pg_available_extension_versions v`,
    );
    const d = await target.query<{ name: string; version: string | null }>('SELECT name::text AS name, default_version::text AS version FROM pg_catalog.pg_available_extensions');
    account.installable = new Map();
    for (const row of v.rows) {
      if (!account.installable.has(row.name)) account.installable.set(row.name, new Set());
      if (row.anyone) account.installable.get(row.name)!.add(row.version);
    }
    account.defaultVersions = new Map(d.rows.filter((x) => x.version !== null).map((x) => [x.name, x.version!]));
  } catch {
    account.installable = undefined;
  }
}
