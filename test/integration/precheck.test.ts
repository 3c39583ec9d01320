/**
 * `pgferry precheck` against real servers: each item pass, warn or fail with detail and fix; exit
 * 8 when one fails, 0 when only warnings remain.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { execSql, freshDatabase, server } from '../harness/servers.js';
import { runCli } from '../harness/cli.js';

interface Item {
  id: string;
  status: 'pass' | 'warn' | 'fail';
  detail: string;
  fix?: string;
  objects?: string[];
}

describe('precheck', () => {
  it('lists every item with its status, detail and fix', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'pre');
    const dst = await freshDatabase(await server('15', 'dst'), 'pre');
    await execSql(src.uri, `
      DO $$ BEGIN CREATE ROLE pgferry_precheck_only_src; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
      CREATE EXTENSION hstore;
      CREATE TABLE keyed (id int PRIMARY KEY, h hstore);
      CREATE TABLE keyless (v text);
      ALTER TABLE keyless OWNER TO pgferry_precheck_only_src;
      CREATE FUNCTION c_handler() RETURNS language_handler AS '$libdir/plpgsql', 'plpgsql_call_handler' LANGUAGE C;
      INSERT INTO keyed SELECT i FROM generate_series(1, 100) i;`);
    await execSql(dst.uri, 'CREATE TABLE keyed (x int)');

    const r = await runCli(['precheck', '--source', src.uri, '--target', dst.uri, '--json']);
    assert.equal(r.code, 8, r.stderr);
    const report = JSON.parse(r.stdout.trim()) as { passed: boolean; items: Item[] };
    assert.equal(report.passed, false);
    const item = new Map(report.items.map((i) => [i.id, i]));
    const status = Object.fromEntries(report.items.map((i) => [i.id, i.status]));
    assert.deepEqual(status, {
      'source-connectivity': 'pass', 'target-connectivity': 'pass', versions: 'pass', 'standby-source': 'pass', 'source-privileges': 'pass', 'target-privileges': 'pass', 'target-schemas': 'pass',
      'name-conflicts': 'fail', selection: 'pass', extensions: 'pass', 'extension-rights': 'pass', 'existing-extensions': 'pass', 'target-version': 'pass', roles: 'warn',
      'account-objects': 'pass', 'target-settings': 'pass', connections: 'pass', encoding: 'pass',
      'primary-keys': 'warn', 'c-functions': 'warn', space: 'warn', mapping: 'pass',
    });
    assert.deepEqual(item.get('name-conflicts')!.objects, ['public.keyed']);
    assert.deepEqual(item.get('primary-keys')!.objects, ['public.keyless']);
    assert.deepEqual(item.get('roles')!.objects, ['pgferry_precheck_only_src']);
    assert.match(item.get('c-functions')!.objects![0], /function public\.c_handler\(\): C-language function/);
    assert.match(item.get('extensions')!.detail, /hstore 1\.\d+/);
    for (const i of report.items.filter((x) => x.status !== 'pass')) assert.ok(i.fix, `${i.id} has a fix`);

    // with the conflict gone only warnings remain: exit 0, and the text report says so
    await execSql(dst.uri, 'DROP TABLE keyed');
    const ok = await runCli(['precheck', '--source', src.uri, '--target', dst.uri]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^WARN Tables without a primary key: 1 table\(s\) have no primary or unique key/m);
    assert.match(ok.stdout, /^\s+public\.keyless$/m);
    assert.match(ok.stdout, /^precheck: PASSED \(22 items, 0 failed, 4 warnings\)$/m);

    // the precheck judges the plan the run would execute: without owners and privileges the
    // missing role is not needed (the roles item's own fix names these flags)
    const noRoles = await runCli(['precheck', '--source', src.uri, '--target', dst.uri, '--json', '--no-owner', '--no-privileges']);
    assert.equal(noRoles.code, 0, noRoles.stderr);
    const roles = (JSON.parse(noRoles.stdout.trim()) as { items: Item[] }).items.find((i) => i.id === 'roles')!;
    assert.equal(roles.status, 'pass', JSON.stringify(roles));
    const oneFlag = await runCli(['precheck', '--source', src.uri, '--target', dst.uri, '--json', '--no-owner']);
    assert.equal((JSON.parse(oneFlag.stdout.trim()) as { items: Item[] }).items.find((i) => i.id === 'roles')!.status, 'warn');

    const down = await runCli(['precheck', '--source', src.uri, '--target', 'postgresql://postgres@127.0.0.1:1/x', '--json']);
    assert.equal(down.code, 8);
    const d = JSON.parse(down.stdout.trim()) as { items: Item[] };
    assert.deepEqual(d.items.map((i) => `${i.id}:${i.status}`), ['source-connectivity:pass', 'target-connectivity:fail']);
    assert.match(d.items[1].detail, /failed at TCP connect/);
  });
});
