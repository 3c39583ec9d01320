/**
 * The command line as a user meets it: help per command, JSON events on stdout and nothing else,
 * an object the target rejects, re-running the data copy without duplicates, and verify ranges.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { execSql, freshDatabase, server } from '../harness/servers.js';
import { runCli } from '../harness/cli.js';

const SAMPLE = `
  CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, price numeric(8,2));
  CREATE TABLE log (at timestamptz, msg text);  -- no key
  CREATE SEQUENCE standalone START 100;
  INSERT INTO items SELECT i, 'item ' || i, i / 10.0 FROM generate_series(1, 5000) i;
  INSERT INTO log SELECT '2024-01-01'::timestamptz + i * interval '1 min', 'same' FROM generate_series(1, 300) i;
  INSERT INTO log SELECT * FROM log;
  SELECT nextval('standalone') FROM generate_series(1, 7);
  CREATE TABLE orders (id int PRIMARY KEY, item_id int NOT NULL REFERENCES items (id));
  INSERT INTO orders SELECT i, i FROM generate_series(1, 100) i;`;

describe('pgferry command line', () => {
  it('has --help for every command', async () => {
    for (const cmd of ['migrate', 'verify', 'demo', 'schema', 'test-connection', 'precheck']) {
      const r = await runCli([cmd, '--help']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, new RegExp(`Usage: pgferry ${cmd}`));
    }
    const top = await runCli(['--help']);
    assert.match(top.stdout, /migrate/);
    assert.match(top.stdout, /verify/);
  });

  it('writes only JSON events to stdout, then verify passes and --data-only again adds no duplicates', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'cli');
    const dst = await freshDatabase(await server('15', 'dst'), 'cli');
    await execSql(src.uri, SAMPLE);
    const r = await runCli(['migrate', '--source', src.uri, '--target', dst.uri, '--jobs', '2']);
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; phase?: string; summary?: { rowsCopied: number } });
    const phases = events.filter((e) => e.event === 'phase-start').map((e) => e.phase);
    assert.deepEqual(phases, ['connect', 'catalog', 'pre-data', 'data', 'post-data', 'sequences', 'analyze']);
    assert.equal(events.at(-1)!.event, 'summary');
    assert.equal(events.at(-1)!.summary!.rowsCopied, 5700);

    const v = await runCli(['verify', '--source', src.uri, '--target', dst.uri]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /verify: PASS tables=3 rows=5700 sequences=1/);

    // copying the data again replaces each table in one transaction: no duplicates, even without a
    // key, and a table that a foreign key points at is emptied with DELETE (TRUNCATE is refused)
    const again = await runCli(['migrate', '--source', src.uri, '--target', dst.uri, '--data-only', '--json']);
    assert.equal(again.code, 0, again.stderr);
    const n = await execSql(dst.uri, 'SELECT (SELECT count(*) FROM log)::int AS log, (SELECT count(*) FROM items)::int AS items, (SELECT count(*) FROM orders)::int AS orders');
    assert.deepEqual(n.rows[0], { log: 600, items: 5000, orders: 100 });
    assert.equal((await runCli(['verify', '--source', src.uri, '--target', dst.uri])).code, 0);
    const left = await execSql(dst.uri, "SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'pgferry_state'");
    assert.equal(left.rows[0].n, 0, 'bookkeeping schema left behind');
  });

  it('verify names the table and key range of a single changed value, and a missing row', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'ranges');
    const dst = await freshDatabase(await server('15', 'dst'), 'ranges');
    await execSql(src.uri, SAMPLE);
    assert.equal((await runCli(['migrate', '--source', src.uri, '--target', dst.uri, '--json'])).code, 0);
    await execSql(dst.uri, "UPDATE items SET name = 'changed' WHERE id = 4321; DELETE FROM log WHERE ctid = (SELECT min(ctid) FROM log); SELECT setval('standalone', 1)");
    const v = await runCli(['verify', '--source', src.uri, '--target', dst.uri, '--rows-per-range', '1000']);
    assert.equal(v.code, 4);
    assert.match(v.stdout, /FAIL table public\.items: id >= 4000 and id < 5000: rows source=1000 target=1000, checksum .* \(same count, different content\)/);
    assert.match(v.stdout, /FAIL table public\.log: all rows: rows source=600 target=599/);
    assert.match(v.stdout, /FAIL sequence public\.standalone: source=106 target=1/);
    assert.match(v.stdout, /verify: FAIL/);
  });

  it('an object the target rejects is named with the server error and exit code 5; the rest goes on, or --strict stops', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'reject');
    const dst = await freshDatabase(await server('15', 'dst'), 'reject');
    await execSql(src.uri, SAMPLE);
    await execSql(dst.uri, 'CREATE TABLE items (x int)');
    const r = await runCli(['migrate', '--source', src.uri, '--target', dst.uri, '--json']);
    assert.equal(r.code, 5);
    assert.match(r.stderr, /PGFERRY_E_DDL: table public\.items: rejected by the target: relation "items" already exists \(SQLSTATE 42P07\)/);
    const summary = (r.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.event === 'summary') as { summary: { failures: { kind: string; name: string; sql?: string; blockedBy?: string }[] } }).summary;
    const failed = summary.failures.map((f) => `${f.kind} ${f.name}`);
    assert.ok(failed.includes('table public.items'), failed.join(', '));
    assert.match(summary.failures.find((f) => f.name === 'public.items')!.sql!, /^CREATE TABLE "public"\."items"/);
    // what needs the rejected table is not tried and says why; what does not need it is there
    assert.ok(summary.failures.some((f) => f.blockedBy === 'table public.items'), JSON.stringify(summary.failures));
    const n = await execSql(dst.uri, 'SELECT (SELECT count(*) FROM log)::int AS log');
    assert.equal(n.rows[0].log, 600);

    const dst2 = await freshDatabase(await server('15', 'dst'), 'reject_strict');
    await execSql(dst2.uri, 'CREATE TABLE items (x int)');
    const strict = await runCli(['migrate', '--source', src.uri, '--target', dst2.uri, '--json', '--strict']);
    assert.equal(strict.code, 5);
    assert.match(strict.stderr, /PGFERRY_E_DDL: table public\.items: rejected by the target/);
    assert.ok(!strict.stdout.includes('"event":"summary"'), 'a strict run stops at the first rejection');
  });

  it('schema prints the plan section by section without touching anything; user mapping secrets are masked', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'review');
    await execSql(src.uri, `${SAMPLE};
      CREATE FOREIGN DATA WRAPPER review_fdw; CREATE SERVER review_srv FOREIGN DATA WRAPPER review_fdw;
      CREATE USER MAPPING FOR PUBLIC SERVER review_srv OPTIONS (user 'u', password 'hunter2-secret')`);
    const all = await runCli(['schema', '--source', src.uri]);
    assert.equal(all.code, 0, all.stderr);
    const pre = all.stdout.indexOf('-- ======== pre-data');
    const data = all.stdout.indexOf('-- ======== data');
    const post = all.stdout.indexOf('-- ======== post-data');
    assert.ok(pre >= 0 && pre < data && data < post, 'sections in order');
    assert.match(all.stdout.slice(pre, data), /CREATE TABLE "public"\."items" \("id" integer NOT NULL, "name" text NOT NULL, "price" numeric\(8,2\)\);/);
    // the run's own statements: a small table new on the target is loaded without TRUNCATE or FREEZE
    assert.match(all.stdout.slice(data, post), /-- on the source: COPY "public"\."items" \("id", "name", "price"\) TO STDOUT \(FORMAT binary\);\nCOPY "public"\."items" \("id", "name", "price"\) FROM STDIN \(FORMAT binary\);/);
    // items is a small table (5,000 rows): its key is built before its rows arrive, the foreign key after
    assert.match(all.stdout.slice(pre, data), /ALTER TABLE ONLY "public"\."items" ADD CONSTRAINT "items_pkey" PRIMARY KEY \(id\);/);
    assert.match(all.stdout.slice(post), /ALTER TABLE ONLY "public"\."orders" ADD CONSTRAINT "orders_item_id_fkey" FOREIGN KEY \(item_id\) REFERENCES public\.items\(id\);/);
    assert.match(all.stdout.slice(post), /SELECT pg_catalog\.setval\('"public"\."standalone"'::regclass, 106, true\);/);
    assert.match(all.stdout, /CREATE USER MAPPING FOR PUBLIC SERVER "review_srv" OPTIONS \("user" '\*\*\*', "password" '\*\*\*'\);/);
    assert.ok(!all.stdout.includes('hunter2'), 'a user mapping password was printed');
    const only = await runCli(['schema', '--source', src.uri, '--section', 'post-data']);
    assert.ok(!only.stdout.includes('CREATE TABLE') && only.stdout.includes('ADD CONSTRAINT'));
    assert.equal((await runCli(['schema', '--source', src.uri, '--section', 'nope'])).code, 2);
  });

  it('warns on stderr about owners and grantees the target lacks, and still migrates', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'roles');
    const dst = await freshDatabase(await server('15', 'dst'), 'roles');
    await execSql(src.uri, `DO $$ BEGIN CREATE ROLE pgferry_only_on_source; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
      CREATE TABLE owned (id int PRIMARY KEY); ALTER TABLE owned OWNER TO pgferry_only_on_source;
      CREATE TABLE granted (id int); GRANT SELECT ON granted TO pgferry_only_on_source`);
    const r = await runCli(['migrate', '--source', src.uri, '--target', dst.uri, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warn: roles missing on the target: pgferry_only_on_source; their objects will belong to postgres/);
    const owner = await execSql(dst.uri, "SELECT pg_get_userbyid(relowner) AS o FROM pg_class WHERE relname = 'owned'");
    assert.equal(owner.rows[0].o, 'postgres');
  });
});
