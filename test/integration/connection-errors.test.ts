/**
 * Bad connection settings give one clear line naming the side, the cause and a fix, with the
 * documented exit code, and never print the password.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PASSWORD_ROLE, execSql, freshDatabase, server, uriOf, ensurePasswordRole } from '../harness/servers.js';
import { runCli } from '../harness/cli.js';
import { freePort } from '../../src/server/local-server.js';

describe('connection failures', () => {
  it('each names the cause, the side and a fix, with exit code 3', async () => {
    const s = await server('15', 'src');
    const db = await freshDatabase(s, 'connerr');
    await ensurePasswordRole(s);
    const refusedPort = await freePort();
    const cases: { target: string; code: string; text: RegExp }[] = [
      { target: 'postgresql://postgres@no-such-host.invalid:5432/x', code: 'PGFERRY_E_DNS', text: /could not be resolved/ },
      { target: `postgresql://postgres@127.0.0.1:${refusedPort}/x`, code: 'PGFERRY_E_CONNECT_REFUSED', text: /no server listens/ },
      {
        target: `postgresql://${PASSWORD_ROLE}:wrong-password@127.0.0.1:${s.port}/${db.name}`,
        code: 'PGFERRY_E_AUTH',
        text: /authentication failed/,
      },
      { target: uriOf(s, 'does_not_exist'), code: 'PGFERRY_E_DATABASE_MISSING', text: /does not exist.*CREATE DATABASE/ },
      { target: `${uriOf(s, db.name)}?sslmode=require`, code: 'PGFERRY_E_TLS', text: /TLS/ },
    ];
    for (const c of cases) {
      const r = await runCli(['migrate', '--source', db.uri, '--target', c.target, '--json']);
      assert.equal(r.code, 3, `${c.code}: exit code (stderr: ${r.stderr})`);
      const line = r.stderr.trim().split('\n')[0];
      assert.match(line, new RegExp(`^pgferry: error ${c.code}: target `), line);
      assert.match(line, c.text);
      assert.match(line, /fix: /);
      assert.ok(!r.stderr.includes('wrong-password') && !r.stdout.includes('wrong-password'), 'password printed');
      assert.ok(!/\n\s+at /.test(r.stderr), 'stack trace without --debug');
      const json = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(json.at(-1).code, c.code);
    }
  });

  it('a usage error exits 2', async () => {
    const r = await runCli(['migrate', '--source', 'host=h bogus=1', '--target', 'x']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /PGFERRY_E_USAGE: unknown connection option "bogus"/);
  });

  it('logs in with a password from the URI when it is right', async () => {
    const s = await server('15', 'src');
    const d = await server('15', 'dst');
    const src = await freshDatabase(s, 'pwok');
    const dst = await freshDatabase(d, 'pwok');
    await execSql(src.uri, 'CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1), (2)');
    await ensurePasswordRole(s);
    await execSql(src.uri, `GRANT SELECT ON t TO ${PASSWORD_ROLE}`);
    const r = await runCli(['migrate', '--source', `postgresql://${PASSWORD_ROLE}:right-password@127.0.0.1:${s.port}/${src.name}`, '--target', dst.uri, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes('right-password') && !r.stderr.includes('right-password'));
    const rows = await execSql(dst.uri, 'SELECT count(*)::int AS n FROM public.t');
    assert.equal(rows.rows[0].n, 2);
  });

  it('takes the password from a .pgpass file (PGPASSFILE)', async () => {
    const s = await server('15', 'src');
    const d = await server('15', 'dst');
    const src = await freshDatabase(s, 'pgpass');
    const dst = await freshDatabase(d, 'pgpass');
    await ensurePasswordRole(s);
    await execSql(src.uri, 'CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)');
    await execSql(src.uri, `GRANT SELECT ON t TO ${PASSWORD_ROLE}`);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-pgpass-')), 'pgpass');
    fs.writeFileSync(file, `127.0.0.1:${s.port}:*:${PASSWORD_ROLE}:right-password\n`, { mode: 0o600 });
    const source = `host=127.0.0.1 port=${s.port} dbname=${src.name} user=${PASSWORD_ROLE}`;
    const ok = await runCli(['migrate', '--source', source, '--target', dst.uri, '--json'], { PGPASSFILE: file });
    assert.equal(ok.code, 0, ok.stderr);
    const without = await runCli(['migrate', '--source', source, '--target', dst.uri, '--json'], { PGPASSFILE: '/nonexistent' });
    assert.equal(without.code, 3);
    assert.match(without.stderr, /PGFERRY_E_AUTH: source /);
  });
});
