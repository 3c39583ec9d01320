/**
 * Regression: "the precheck passes and the run copies nothing" when the target account is an
 * ordinary role (a managed database's: owns the target database, no superuser, no CREATEROLE).
 * The run used to fail with "must be member of role postgres" on every ALTER ... OWNER and left
 * the tables empty (exit 5). Now the precheck predicts the run item by item: owners the account
 * cannot keep stay with it (one warning with the fix), objects only a superuser may create are
 * skipped with the reason (exit 7), an extension that is not trusted fails the precheck until it
 * exists on the target, and verify passes. Also: a target role with CONNECTION LIMIT 2 fails the
 * connections item, and a --data-only reload without session_replication_role goes in
 * foreign-key order. On 15 → 15, 10 → 17 and 17 → 17 (SET and INHERIT of role grants, 16+).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, describe, it } from 'node:test';
import { execSql, freshDatabase, server, uriOf, type Major } from '../harness/servers.js';
import { runCli } from '../harness/cli.js';

type Item = { id: string; status: 'pass' | 'warn' | 'fail'; detail: string; fix?: string; objects?: string[] };
type Skipped = { kind: string; name: string; reason: string };
type Summary = { skipped: Skipped[]; failures: { kind: string; name: string; error: string }[]; rowsCopied: number };

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

/** Role names unique to this run (roles are cluster-wide). */
function roleNames() {
  const p = `tr_${crypto.randomBytes(3).toString('hex')}`;
  return { acct: `${p}_acct`, other: `${p}_other`, kept: `${p}_kept`, nocreate: `${p}_nocreate`, reader: `${p}_reader`, ghost: `${p}_ghost`, setonly: `${p}_setonly`, inheritonly: `${p}_inherit` };
}
type Roles = ReturnType<typeof roleNames>;

/** Creates `names` on a server and drops them (and the databases listed) when the file ends. */
async function createRoles(ref: { port: number; major: number }, names: string[], databases: string[]): Promise<void> {
  const admin = uriOf(ref, 'postgres');
  for (const n of names) await execSql(admin, `CREATE ROLE "${n}"`);
  cleanups.push(async () => {
    for (const db of databases) await execSql(admin, `DROP DATABASE IF EXISTS "${db}"`).catch(() => {});
    for (const n of names) await execSql(admin, `DROP ROLE IF EXISTS "${n}"`);
  });
}

/**
 * The source: objects owned by the bootstrap superuser, by a role the account is not a member
 * of, by one it is (with CREATE in the schema, and one without), by one missing on the target;
 * grants to existing roles; what only a superuser may create (event trigger, a custom language
 * and a function in it, an internal-language function and a view on it, an operator family, a
 * cast between built-in types, default privileges of the superuser, LEAKPROOF); a trusted and
 * a non-trusted extension; large objects; rows whose foreign key needs load order.
 */
function sourceSql(r: Roles, opts: { pltclu: boolean; setRoles: boolean }): string {
  return `
    CREATE SCHEMA app;
    GRANT USAGE ON SCHEMA app TO "${r.reader}";
    GRANT USAGE, CREATE ON SCHEMA app TO "${r.kept}";
    CREATE SCHEMA kept_s AUTHORIZATION "${r.kept}";
    GRANT USAGE ON SCHEMA kept_s TO "${r.reader}";
    CREATE EXTENSION hstore WITH SCHEMA app;
    CREATE EXTENSION pageinspect;
    CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
    CREATE DOMAIN app.posint AS int CHECK (VALUE > 0);
    CREATE TABLE app.categories (id int PRIMARY KEY, name text NOT NULL, m app.mood, h app.hstore);
    CREATE TABLE app.products (id serial PRIMARY KEY, category int NOT NULL REFERENCES app.categories, qty app.posint, note text);
    ALTER TABLE app.products OWNER TO "${r.other}";
    CREATE TABLE app.kept_t (id int PRIMARY KEY, note text);
    ALTER TABLE app.kept_t OWNER TO "${r.kept}";
    CREATE TABLE kept_s.items (id int PRIMARY KEY, v text);
    ALTER TABLE kept_s.items OWNER TO "${r.kept}";
    CREATE TABLE app.nocreate_t (id int PRIMARY KEY);
    ALTER TABLE app.nocreate_t OWNER TO "${r.nocreate}";
    CREATE TABLE public.ghost_t (id int PRIMARY KEY);
    ALTER TABLE public.ghost_t OWNER TO "${r.ghost}";
    GRANT SELECT ON app.categories, app.products TO "${r.reader}";
    GRANT SELECT, INSERT ON app.kept_t TO "${r.reader}";
    GRANT SELECT ON kept_s.items TO "${r.reader}";
    GRANT SELECT ON app.nocreate_t TO "${r.other}";
    CREATE VIEW app.cat_names AS SELECT name FROM app.categories;
    CREATE FUNCTION app.twice(i int) RETURNS int LANGUAGE sql IMMUTABLE LEAKPROOF AS 'SELECT i * 2';
    CREATE FUNCTION app.abs_internal(int4) RETURNS int4 LANGUAGE internal STRICT IMMUTABLE AS 'int4abs';
    CREATE VIEW app.abs_view AS SELECT app.abs_internal(-1) AS v;
    CREATE LANGUAGE myplu HANDLER plpgsql_call_handler VALIDATOR plpgsql_validator;
    CREATE FUNCTION app.in_myplu() RETURNS int LANGUAGE myplu AS 'BEGIN RETURN 1; END';
    CREATE FUNCTION app.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS 'BEGIN END';
    CREATE EVENT TRIGGER audit_ddl ON ddl_command_end EXECUTE PROCEDURE app.on_ddl();
    CREATE OPERATOR FAMILY app.fam USING btree;
    CREATE CAST (app.mood AS text) WITH INOUT AS ASSIGNMENT;
    CREATE CAST (bytea AS point) WITH INOUT;
    ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA app GRANT SELECT ON TABLES TO "${r.reader}";
    ALTER DEFAULT PRIVILEGES FOR ROLE "${r.kept}" IN SCHEMA kept_s GRANT SELECT ON TABLES TO "${r.reader}";
    ${opts.setRoles ? `
    ALTER DEFAULT PRIVILEGES FOR ROLE "${r.setonly}" IN SCHEMA app GRANT SELECT ON TABLES TO "${r.reader}";
    ALTER DEFAULT PRIVILEGES FOR ROLE "${r.inheritonly}" IN SCHEMA app GRANT SELECT ON TABLES TO "${r.reader}";
    CREATE TABLE app.setonly_t (id int PRIMARY KEY); ALTER TABLE app.setonly_t OWNER TO "${r.setonly}";
    CREATE TABLE app.inherit_t (id int PRIMARY KEY); ALTER TABLE app.inherit_t OWNER TO "${r.inheritonly}";
    GRANT CREATE ON SCHEMA app TO "${r.setonly}", "${r.inheritonly}";` : ''}
    ${opts.pltclu ? `
    CREATE EXTENSION pltclu;
    CREATE FUNCTION app.tcl_one() RETURNS int LANGUAGE pltclu AS 'return 1';` : ''}
    INSERT INTO app.categories SELECT i, 'cat ' || i, 'ok', 'a=>1' FROM generate_series(1, 20) i;
    -- over 2 MB: a fresh run loads it with TRUNCATE and COPY FREEZE into the table the account made
    INSERT INTO app.products (category, qty, note) SELECT 1 + i % 20, 1 + i % 7, repeat('x', 1000) FROM generate_series(1, 3000) i;
    INSERT INTO app.kept_t SELECT i, 'k' FROM generate_series(1, 50) i;
    INSERT INTO kept_s.items SELECT i, 'v' FROM generate_series(1, 10) i;
    INSERT INTO app.nocreate_t SELECT generate_series(1, 5);
    INSERT INTO public.ghost_t SELECT generate_series(1, 3);
    SELECT pg_catalog.lo_from_bytea(7700001, 'owned by postgres');
    SELECT pg_catalog.lo_from_bytea(7700002, 'owned by kept');
    ALTER LARGE OBJECT 7700002 OWNER TO "${r.kept}";
    GRANT SELECT ON LARGE OBJECT 7700001 TO "${r.reader}";`;
}

/** The owners of the objects a migration carries, by kind and name (the same query on both sides). */
const OWNERS = `
  SELECT 'schema ' || n.nspname AS obj, pg_get_userbyid(n.nspowner) AS owner FROM pg_namespace n WHERE n.nspname IN ('app', 'kept_s')
  UNION ALL SELECT 'relation ' || c.oid::regclass::text, pg_get_userbyid(c.relowner) FROM pg_class c
    WHERE c.relnamespace IN ('app'::regnamespace, 'kept_s'::regnamespace, 'public'::regnamespace) AND c.relkind IN ('r', 'v', 'S')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
  UNION ALL SELECT 'function ' || p.oid::regprocedure::text, pg_get_userbyid(p.proowner) FROM pg_proc p WHERE p.pronamespace = 'app'::regnamespace
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
  UNION ALL SELECT 'type ' || t.oid::regtype::text, pg_get_userbyid(t.typowner) FROM pg_type t WHERE t.typnamespace = 'app'::regnamespace AND t.typtype IN ('e', 'd')
  UNION ALL SELECT 'large object ' || m.oid, pg_get_userbyid(m.lomowner) FROM pg_largeobject_metadata m`;

async function owners(uri: string): Promise<Map<string, string>> {
  const r = await execSql(uri, `SET search_path = ''; ${OWNERS}`);
  return new Map((r as unknown as { rows: { obj: string; owner: string }[] }[])[1].rows.map((x) => [x.obj, x.owner]));
}

async function precheck(src: string, dst: string, extra: string[] = []): Promise<{ code: number; items: Map<string, Item> }> {
  const r = await runCli(['precheck', '--source', src, '--target', dst, '--json', '--jobs', '2', ...extra]);
  assert.ok(r.stdout.trim(), r.stderr);
  return { code: r.code, items: new Map((JSON.parse(r.stdout.trim()) as { items: Item[] }).items.map((i) => [i.id, i])) };
}

async function migrate(src: string, dst: string, extra: string[] = []): Promise<{ code: number; summary: Summary; notes: string[]; stderr: string }> {
  const r = await runCli(['migrate', '--source', src, '--target', dst, '--json', '--jobs', '2', ...extra]);
  const events = r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; summary?: Summary; notes?: string[] });
  const summary = events.find((e) => e.event === 'summary')?.summary;
  assert.ok(summary, `no summary (exit ${r.code}): ${r.stderr}`);
  return { code: r.code, summary, notes: events.find((e) => e.event === 'plan')?.notes ?? [], stderr: r.stderr };
}

const asUser = (uri: string, user: string) => uri.replace('postgresql://postgres@', `postgresql://${user}@`);
const skippedLine = (s: Skipped) => `${s.kind} ${s.name}: ${s.reason}`;

/** Sets up source and target for `from` → `to`; returns the URIs (target as the ordinary account). */
async function setUp(from: Major, to: Major, label: string, opts: { pltclu: boolean; setRoles: boolean }) {
  const r = roleNames();
  const s = await server(from, 'src');
  const d = await server(to, 'dst');
  const src = await freshDatabase(s, label);
  const dstName = `${label}_${crypto.randomBytes(3).toString('hex')}`;
  const shared = [r.other, r.kept, r.nocreate, r.reader, r.setonly, r.inheritonly];
  await createRoles(s, [...shared, r.ghost], [src.name]);
  const second = `${dstName}_b`;
  await createRoles(d, [...shared, r.acct], [dstName, second]);
  await execSql(uriOf(d, 'postgres'), `ALTER ROLE "${r.acct}" LOGIN NOSUPERUSER NOCREATEROLE`);
  const grant = (role: string, how: string) => (d.major >= 16 ? `GRANT "${role}" TO "${r.acct}" WITH ${how}` : `GRANT "${role}" TO "${r.acct}"`);
  await execSql(uriOf(d, 'postgres'), `${grant(r.kept, 'INHERIT TRUE, SET TRUE')}; ${grant(r.nocreate, 'INHERIT TRUE, SET TRUE')}`);
  if (opts.setRoles) await execSql(uriOf(d, 'postgres'), `${grant(r.setonly, 'INHERIT FALSE, SET TRUE')}; ${grant(r.inheritonly, 'INHERIT TRUE, SET FALSE')}`);
  for (const db of [dstName, second]) await execSql(uriOf(d, 'postgres'), `CREATE DATABASE "${db}" OWNER "${r.acct}"`);
  await execSql(src.uri, sourceSql(r, opts));
  return { r, src: src.uri, dst: asUser(uriOf(d, dstName), r.acct), second: asUser(uriOf(d, second), r.acct), dstAdmin: uriOf(d, dstName), secondAdmin: uriOf(d, second) };
}

/**
 * The whole story on one pair of servers: precheck fails on the untrusted extensions, the run
 * without them rejects exactly those, the precheck passes once a superuser made them, the run
 * then does exactly what the precheck said, verify passes, and a --data-only reload in
 * foreign-key order passes verify again.
 */
async function story(from: Major, to: Major, opts: { pltclu: boolean; setRoles: boolean }): Promise<void> {
  const { r, src, dst, second, dstAdmin } = await setUp(from, to, `rights_${from}_${to}`, opts);
  const untrusted = ['pageinspect', ...(opts.pltclu ? ['pltclu'] : [])];

  // 1. no superuser made the untrusted extensions: the precheck fails on exactly them
  const before = await precheck(src, second);
  assert.equal(before.code, 8);
  const ext = before.items.get('extension-rights')!;
  assert.equal(ext.status, 'fail', JSON.stringify(ext));
  assert.deepEqual(ext.objects!.map((o) => o.split(' ')[0]).sort(), untrusted.sort());
  assert.match(ext.fix!, /superuser/);
  for (const [id, item] of before.items) if (id !== 'extension-rights' && id !== 'extensions') assert.notEqual(item.status, 'fail', `${id}: ${item.detail}`);
  // ... and the run rejects exactly those (and what needs them), nothing else
  const rejected = await migrate(src, second);
  assert.equal(rejected.code, 5, rejected.stderr);
  assert.deepEqual(rejected.summary.failures.filter((f) => f.kind === 'extension').map((f) => f.name).sort(), untrusted.sort());
  assert.deepEqual(rejected.summary.failures.filter((f) => f.kind !== 'extension' && !/not created: it needs extension/.test(f.error)), []);

  // 2. a superuser creates them on the target: everything else is for the account to do
  await execSql(dstAdmin, untrusted.map((e) => `CREATE EXTENSION ${e}`).join('; '));
  const pre = await precheck(src, dst);
  assert.equal(pre.code, 0, JSON.stringify([...pre.items.values()].filter((i) => i.status === 'fail')));
  assert.equal(pre.items.get('extension-rights')!.status, 'pass');
  assert.match(pre.items.get('extension-rights')!.detail, /trusted extension\(s\) .* may create: hstore/);
  assert.equal(pre.items.get('target-privileges')!.status, 'pass');
  assert.equal(pre.items.get('connections')!.status, 'pass');
  const roles = pre.items.get('roles')!;
  assert.equal(roles.status, 'warn');
  const notKept = new Map(roles.objects!.flatMap((o) => {
    const m = /^(\S+) \((\d+) objects?\)/.exec(o);
    return m ? [[m[1], Number(m[2])] as const] : [];
  }));
  const expectNotKept = ['postgres', r.other, r.nocreate, ...(opts.setRoles ? [r.setonly, r.inheritonly] : [])].sort();
  assert.deepEqual([...notKept.keys()].sort(), expectNotKept);
  assert.ok(roles.objects!.includes(r.ghost), 'the role missing on the target is listed');
  assert.match(roles.fix!, new RegExp(`GRANT "${r.other}" TO "${r.acct}"`));
  // app is created by the run, owned by the account (postgres is not kept), with the source's grants: none for nocreate
  assert.match(roles.fix!, new RegExp(`to keep ${r.nocreate} in schema app: GRANT CREATE ON SCHEMA "app" TO "${r.nocreate}" on the source`));
  const account = pre.items.get('account-objects')!;
  assert.equal(account.status, 'warn');
  const predicted = account.objects!.filter((o) => !/LEAKPROOF|exists on the target/.test(o));
  assert.ok(account.objects!.some((o) => /function app\.twice\(i integer\) is created without LEAKPROOF/.test(o)), account.objects!.join('\n'));

  // 3. the run does what the precheck said: skipped objects with reasons, no failure
  const run = await migrate(src, dst);
  assert.equal(run.code, 7, run.stderr);
  assert.deepEqual(run.summary.failures, []);
  assert.deepEqual(run.summary.skipped.map(skippedLine).sort(), predicted.sort());
  const skippedNames = run.summary.skipped.map((s) => `${s.kind} ${s.name}`);
  for (const name of ['event trigger audit_ddl', 'language myplu', 'function app.in_myplu()', 'function app.abs_internal(integer)', 'view app.abs_view', 'operator family app.fam USING btree', 'cast (bytea AS point)', 'default privileges for role postgres', ...(opts.pltclu ? ['function app.tcl_one()'] : [])])
    assert.ok(skippedNames.includes(name), `${name} skipped: ${skippedNames.join('; ')}`);
  assert.ok(!skippedNames.some((n) => n.startsWith('cast (app.mood')), 'a cast from a type the account owns is created');
  // one warning with every owner that stays with the account
  const warnings = run.stderr.split('\n').filter((l) => /owners .* may not keep/.test(l));
  assert.equal(warnings.length, 1, run.stderr);
  for (const role of expectNotKept) assert.ok(warnings[0].includes(`${role} (`), `${role} in ${warnings[0]}`);
  assert.match(run.stderr, new RegExp(`roles missing on the target: ${r.ghost}`));

  // owners as the precheck said: a role not kept (or missing) leaves its objects with the account
  const [so, to2] = await Promise.all([owners(src), owners(dstAdmin)]);
  const counts = new Map<string, number>();
  for (const [obj, sourceOwner] of so) {
    if (!to2.has(obj)) continue; // skipped
    const expected = notKept.has(sourceOwner) || sourceOwner === r.ghost ? r.acct : sourceOwner;
    assert.equal(to2.get(obj), expected, `${obj}: source owner ${sourceOwner}`);
    if (notKept.has(sourceOwner)) counts.set(sourceOwner, (counts.get(sourceOwner) ?? 0) + 1);
  }
  assert.equal(to2.get('relation app.kept_t'), r.kept);
  assert.equal(to2.get('schema kept_s'), r.kept);
  assert.equal(to2.get('large object 7700002'), r.kept);
  // a 10 source's public belongs to postgres: the target's public stays pg_database_owner's, one more object not kept
  if (from === '10') counts.set('postgres', (counts.get('postgres') ?? 0) + 1);
  for (const [role, n] of notKept) assert.equal(counts.get(role) ?? 0, n, `objects of ${role} that stay with the account`);
  // grants to roles that exist are applied; default privileges of a role the account may act for too
  const g = await execSql(
    dstAdmin,
    `SELECT has_table_privilege($1, 'app.products', 'SELECT') AS p, has_table_privilege($1, 'app.kept_t', 'INSERT') AS k,
            has_table_privilege($2, 'app.nocreate_t', 'SELECT') AS n,
            (SELECT lomacl::text FROM pg_largeobject_metadata WHERE oid = 7700001) LIKE '%' || $1 || '=r/%' AS lo,
            (SELECT count(*) FROM pg_default_acl WHERE defaclrole = $3::regrole)::int AS defaults,
            (SELECT proleakproof FROM pg_proc WHERE oid = 'app.twice(int)'::regprocedure) AS leakproof,
            (SELECT count(*) FROM app.products)::int AS products`,
    [r.reader, r.other, r.kept],
  );
  assert.deepEqual(g.rows[0], { p: true, k: true, n: true, lo: true, defaults: 1, leakproof: false, products: 3000 });
  if (opts.setRoles) {
    // 16+: inheriting a role's privileges lets the account change its default privileges; SET alone does not
    assert.ok(skippedNames.includes(`default privileges for role ${r.setonly}`));
    assert.ok(!skippedNames.includes(`default privileges for role ${r.inheritonly}`));
  }
  const v = await runCli(['verify', '--source', src, '--target', dst, '--json']);
  assert.equal(v.code, 0, v.stdout + v.stderr);

  // 4. --data-only again, into the filled tables: no session_replication_role for the account, so
  // referencing tables are emptied first and referenced ones load first
  assert.match(pre.items.get('target-settings')!.detail, /not session_replication_role/);
  const reload = await migrate(src, dst, ['--data-only']);
  assert.equal(reload.code, 7, reload.stderr);
  assert.deepEqual(reload.summary.failures, []);
  assert.ok(reload.notes.some((n) => /may not set session_replication_role .* wave\(s\), referenced tables first/.test(n)), reload.notes.join('\n'));
  const again = await runCli(['verify', '--source', src, '--target', dst, '--json']);
  assert.equal(again.code, 0, again.stdout + again.stderr);
}

describe('an ordinary target account (no superuser, no CREATEROLE)', () => {
  it('15 → 15: the precheck predicts the run, which keeps what it may and skips what needs a superuser', async () => {
    await story('15', '15', { pltclu: false, setRoles: false });
  });

  it('10 → 17: the same with pltclu, an untrusted language an extension makes', async () => {
    await story('10', '17', { pltclu: true, setRoles: false });
  });

  it('17 → 17: a role granted with SET but not INHERIT, or INHERIT but not SET, cannot be kept as owner', async () => {
    await story('17', '17', { pltclu: true, setRoles: true });
  });

  it('leaves alone an existing schema the account does not own (its COMMENT used to reject the schema and all in it)', async () => {
    const s = await server('15', 'src');
    const d = await server('15', 'dst');
    const src = await freshDatabase(s, 'rights_public');
    const role = `tr_${crypto.randomBytes(3).toString('hex')}_acct`;
    const dst = `rights_public_${crypto.randomBytes(3).toString('hex')}`;
    await createRoles(d, [role], [dst]);
    await execSql(uriOf(d, 'postgres'), `ALTER ROLE "${role}" LOGIN`);
    await execSql(uriOf(d, 'postgres'), `CREATE DATABASE "${dst}" OWNER "${role}"`);
    // as on a target before 15, or one whose public was given away: owned by postgres, open to the account
    await execSql(uriOf(d, dst), `ALTER SCHEMA public OWNER TO postgres; GRANT USAGE, CREATE ON SCHEMA public TO "${role}"`);
    await execSql(src.uri, "COMMENT ON SCHEMA public IS 'the source''s public'; CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 10)");
    const target = asUser(uriOf(d, dst), role);
    const { code, items } = await precheck(src.uri, target);
    assert.equal(code, 0, JSON.stringify([...items.values()].filter((i) => i.status === 'fail')));
    const a = items.get('account-objects')!;
    assert.equal(a.status, 'warn');
    assert.deepEqual(a.objects, [`schema public exists on the target, owned by postgres, which ${role} does not act for: its owner, privileges and comment are left as the target has them`]);
    const run = await migrate(src.uri, target);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.summary.failures, []);
    const t = await execSql(uriOf(d, dst), "SELECT (SELECT count(*) FROM public.t)::int AS n, pg_get_userbyid((SELECT nspowner FROM pg_namespace WHERE nspname = 'public')) AS owner, obj_description('public'::regnamespace, 'pg_namespace') AS comment");
    assert.deepEqual(t.rows[0], { n: 10, owner: 'postgres', comment: 'standard public schema' });
  });

  it('--data-only into tables another role owns: privileges checked before a row moves, DELETE where TRUNCATE is not granted', async () => {
    const s = await server('15', 'src');
    const d = await server('15', 'dst');
    const src = await freshDatabase(s, 'rights_loader');
    const dst = await freshDatabase(d, 'rights_loader');
    const role = `tr_${crypto.randomBytes(3).toString('hex')}_loader`;
    await createRoles(d, [role], [dst.name]);
    const schema = `CREATE TABLE parent (id int PRIMARY KEY, v text);
      CREATE TABLE child (id serial PRIMARY KEY, parent int NOT NULL REFERENCES parent, v text)`;
    await execSql(src.uri, `${schema}; INSERT INTO parent SELECT i, 'p' || i FROM generate_series(1, 50) i;
      INSERT INTO child (parent, v) SELECT 1 + i % 50, repeat('c', 300) FROM generate_series(1, 2000) i`);
    // the target's tables belong to postgres and hold old rows that point at each other
    await execSql(dst.uri, `${schema}; INSERT INTO parent VALUES (1, 'old'), (99, 'old'); INSERT INTO child (parent, v) VALUES (99, 'old'), (1, 'old')`);
    await execSql(dst.uri, `ALTER ROLE "${role}" LOGIN; GRANT CREATE ON DATABASE "${dst.name}" TO "${role}"; GRANT SELECT ON ALL TABLES IN SCHEMA public TO "${role}"`);
    const target = asUser(dst.uri, role);
    const refused = await runCli(['migrate', '--data-only', '--source', src.uri, '--target', target, '--json']);
    assert.equal(refused.code, 3, refused.stderr);
    assert.match(refused.stderr, /PGFERRY_E_PERMISSION/);
    assert.match(refused.stderr, /table public\.child: no INSERT, TRUNCATE or DELETE; table public\.parent: no INSERT, DELETE; sequence public\.child_id_seq: no UPDATE/);
    const untouched = await execSql(dst.uri, "SELECT (SELECT count(*) FROM child)::int AS c, to_regnamespace('pgferry_state') IS NULL AS no_marks");
    assert.deepEqual(untouched.rows[0], { c: 2, no_marks: true });

    // SELECT on the sequence is for verify, which reads its position
    await execSql(dst.uri, `GRANT INSERT, DELETE ON ALL TABLES IN SCHEMA public TO "${role}"; GRANT SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO "${role}"`);
    const run = await migrate(src.uri, target, ['--data-only']);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.notes.some((n) => /2 table\(s\) have no TRUNCATE privilege .* deleted instead/.test(n)), run.notes.join('\n'));
    assert.ok(run.notes.some((n) => /foreign keys stay on .* 2 wave\(s\)/.test(n)), run.notes.join('\n'));
    const v = await runCli(['verify', '--source', src.uri, '--target', target, '--json']);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });

  it('fails the connections item for a target role with CONNECTION LIMIT 2, naming the numbers', async () => {
    const d = await server('15', 'dst');
    const s = await server('15', 'src');
    const src = await freshDatabase(s, 'rights_conn');
    const role = `tr_${crypto.randomBytes(3).toString('hex')}_lim`;
    const dst = `rights_conn_${crypto.randomBytes(3).toString('hex')}`;
    await createRoles(d, [role], [dst]);
    await execSql(uriOf(d, 'postgres'), `ALTER ROLE "${role}" LOGIN CONNECTION LIMIT 2`);
    await execSql(uriOf(d, 'postgres'), `CREATE DATABASE "${dst}" OWNER "${role}"`);
    await execSql(src.uri, 'CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 10)');
    const { code, items } = await precheck(src.uri, asUser(uriOf(d, dst), role));
    assert.equal(code, 8);
    const c = items.get('connections')!;
    assert.equal(c.status, 'fail');
    // one table: one copy pair besides the leader on the source
    assert.match(c.detail, /--jobs 2: up to 2 on the source .* and 4 on the target/);
    assert.deepEqual(c.objects, [`target role ${role}: the run needs 4, 2 available (CONNECTION LIMIT 2, 0 in use by other sessions)`]);
    assert.match(c.fix!, /fewer --jobs/);
    const one = await precheck(src.uri, asUser(uriOf(d, dst), role), ['--jobs', '1']);
    // --jobs 1: the leader's session, the lock's and one worker: 3 > 2
    assert.deepEqual(one.items.get('connections')!.objects, [`target role ${role}: the run needs 3, 2 available (CONNECTION LIMIT 2, 0 in use by other sessions)`]);
  });
});
