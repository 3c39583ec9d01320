/**
 * Test Connectivity (`pgferry test-connection`): Passed with the server version, or Failed with
 * the step that failed and a fix, per side; exit 0 only when every side passed. Never prints a
 * password.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PASSWORD_ROLE, freshDatabase, server, uriOf, ensurePasswordRole } from '../harness/servers.js';
import { runCli } from '../harness/cli.js';
import { freePort } from '../../src/server/local-server.js';

interface Report {
  passed: boolean;
  sides: { side: string; endpoint: string; passed: boolean; serverVersion?: string; failedStep?: string; code?: string; message?: string; fix?: string }[];
}

describe('Test Connectivity', () => {
  it('says Passed, or Failed at the step that failed with a fix, for each side', async () => {
    const s = await server('15', 'src');
    const old = await server('10', 'src');
    const db = await freshDatabase(s, 'conntest');
    await ensurePasswordRole(s);
    const refused = await freePort();
    const cases: { target: string; step: string; code: string; text: RegExp }[] = [
      { target: 'postgresql://postgres@no-such-host.invalid:5432/x', step: 'DNS', code: 'PGFERRY_E_DNS', text: /could not be resolved/ },
      { target: `postgresql://postgres@127.0.0.1:${refused}/x`, step: 'TCP connect', code: 'PGFERRY_E_CONNECT_REFUSED', text: /no server listens/ },
      { target: `postgresql://${PASSWORD_ROLE}:wrong-password@127.0.0.1:${s.port}/${db.name}`, step: 'authentication', code: 'PGFERRY_E_AUTH', text: /authentication failed/ },
      { target: uriOf(s, 'no_such_db'), step: 'database', code: 'PGFERRY_E_DATABASE_MISSING', text: /does not exist/ },
      { target: `${uriOf(s, db.name)}?sslmode=require`, step: 'TLS', code: 'PGFERRY_E_TLS', text: /TLS/ },
      { target: uriOf(old, 'postgres'), step: 'unsupported version', code: 'PGFERRY_E_VERSION', text: /target runs PostgreSQL 10, older than the source's 15/ },
    ];
    for (const c of cases) {
      const r = await runCli(['test-connection', '--source', db.uri, '--target', c.target, '--json']);
      assert.equal(r.code, 3, `${c.step}: ${r.stderr}`);
      const report = JSON.parse(r.stdout.trim()) as Report;
      assert.equal(report.passed, false);
      const [src, dst] = report.sides;
      assert.equal(src.passed, true);
      assert.match(src.serverVersion ?? '', /^15\./);
      assert.deepEqual([dst.side, dst.passed, dst.failedStep, dst.code], ['target', false, c.step, c.code]);
      assert.match(dst.message ?? '', c.text);
      assert.ok(dst.fix && dst.fix.length > 10, 'a fix is given');
      assert.ok(!r.stdout.includes('wrong-password') && !r.stderr.includes('wrong-password'), 'password printed');
    }

    const ok = await runCli(['test-connection', '--source', db.uri, '--target', `postgresql://${PASSWORD_ROLE}:right-password@127.0.0.1:${s.port}/${db.name}`]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^source postgres@127\.0\.0\.1:\d+\/conntest_\w+: Passed \(PostgreSQL 15\.\d+, TLS off, \d+ ms\)$/m);
    assert.match(ok.stdout, new RegExp(`^target ${PASSWORD_ROLE}@127\\.0\\.0\\.1:\\d+/conntest_\\w+: Passed`, 'm'));
    assert.ok(!ok.stdout.includes('right-password'));

    const text = await runCli(['test-connection', '--target', uriOf(s, 'no_such_db')]);
    assert.equal(text.code, 3);
    assert.match(text.stdout, /^target postgres@127\.0\.0\.1:\d+\/no_such_db: Failed at database: database "no_such_db" does not exist\n\s+fix: create it first/m);
    assert.equal((await runCli(['test-connection'])).code, 2);
  });
});
