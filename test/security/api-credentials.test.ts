/**
 * Issue 14, item 2: the HTTP API never lends the server's own credentials. A password trap (a
 * fake server that asks every client for a cleartext password and records it) stands where an
 * attacker would point pgferry. Before the fix, `passwordEnv: "HOME"` sent the server's home
 * folder as a password, and a spec without a password got the server's PGPASSWORD or ~/.pgpass.
 * Through the API: no passwordEnv, no variable or password-file fallback, no file paths, no unix
 * sockets unless the operator allows them. The CLI keeps libpq's conventions (the user is the
 * operator there), `passfile=` included.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startApi, type TestApi } from '../harness/api-server.js';
import { startPasswordTrap, type PasswordTrap } from '../harness/password-trap.js';
import { runCli } from '../harness/cli.js';
import { ensurePasswordRole, PASSWORD_ROLE, PASSWORD_ROLE_PASSWORD, server } from '../harness/servers.js';

const SERVER_SECRET = 'server-environment-secret';
const PGPASS_SECRET = 'server-pgpass-secret';

describe('the API never lends the server its credentials', () => {
  let api: TestApi;
  let trap: PasswordTrap;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-creds-'));
  const pgpass = path.join(dir, 'pgpass');
  const saved = { PGPASSWORD: process.env.PGPASSWORD, PGPASSFILE: process.env.PGPASSFILE, PGUSER: process.env.PGUSER, PGHOST: process.env.PGHOST };
  before(async () => {
    trap = await startPasswordTrap();
    fs.writeFileSync(pgpass, `*:*:*:*:${PGPASS_SECRET}\n`, { mode: 0o600 });
    // what an attacker hopes the server holds
    Object.assign(process.env, { PGPASSWORD: SERVER_SECRET, PGPASSFILE: pgpass, PGUSER: 'server_user', PGHOST: '127.0.0.1' });
    api = await startApi();
  });
  after(async () => {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    await api?.close();
    await trap?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const trapConn = (extra: object = {}) => ({ host: '127.0.0.1', port: trap.port, user: 'victim', database: 'db', ...extra });

  it('refuses passwordEnv (HOME arrived at a fake server as a password before)', async () => {
    for (const route of ['/api/connections/test', '/api/tasks', '/api/plan/preview']) {
      const body = route === '/api/connections/test' ? { source: trapConn({ passwordEnv: 'HOME' }) } : { source: trapConn({ passwordEnv: 'HOME' }), target: trapConn() };
      const res = await api.call('POST', route, body);
      assert.equal(res.status, 403, `${route}: ${res.text}`);
      assert.equal(res.json.error.code, 'PGFERRY_E_NOT_ALLOWED');
      assert.equal(res.json.error.object, 'source.passwordEnv');
    }
    assert.equal((await api.call('GET', '/api/tasks')).json.tasks.length, 0, 'no task was created');
    assert.deepEqual(trap.passwords, []);
  });

  it("sends no password it was not given: not PGPASSWORD, not ~/.pgpass, not the server's user name", async () => {
    const before = trap.logins.length;
    const res = await api.call('POST', '/api/connections/test', { source: trapConn(), target: `postgresql://victim@127.0.0.1:${trap.port}/db` });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json.sides.map((s: { failedStep: string }) => s.failedStep), ['authentication', 'authentication']);
    assert.match(res.json.sides[0].message, /asks for a password .* none was given/);
    assert.equal(trap.logins.length, before + 2, 'both sides reached the trap');
    assert.deepEqual(trap.passwords, [], 'and gave it nothing');
    // no user given: the server's PGUSER / OS user is not used
    const noUser = await api.call('POST', '/api/connections/test', { source: { host: '127.0.0.1', port: trap.port, database: 'db' } });
    assert.deepEqual([noUser.status, noUser.json.error.code], [400, 'PGFERRY_E_USAGE']);
    const noHost = await api.call('POST', '/api/connections/test', { source: 'dbname=db user=victim' });
    assert.deepEqual([noHost.status, noHost.json.error.code], [400, 'PGFERRY_E_USAGE']);
  });

  it('a task made through the API connects with its own password only, whoever runs it', async () => {
    const created = await api.call('POST', '/api/tasks', { source: trapConn(), target: trapConn({ password: 'given-to-the-task' }) });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.spec.origin, 'api');
    const test = await api.call('POST', `/api/tasks/${created.json.id}/test`);
    assert.equal(test.status, 200);
    const pre = await api.call('POST', `/api/tasks/${created.json.id}/precheck`);
    assert.equal(pre.json.passed, false);
    assert.ok(trap.passwords.length >= 1);
    assert.deepEqual([...new Set(trap.passwords)], ['given-to-the-task'], 'only the password the caller gave, never the server environment');
  });

  it('refuses unix sockets, file paths and passfile unless the operator allows them', async () => {
    const refused: [unknown, string][] = [
      [{ host: '/var/run/postgresql', user: 'postgres', database: 'postgres' }, 'source.host'],
      ['host=/tmp user=postgres dbname=postgres', 'source.host'],
      ['postgresql://postgres@%2Ftmp/postgres', 'source.host'],
      [trapConn({ sslmode: 'require', sslkey: '/root/.ssh/id_rsa', sslcert: '/etc/hostname' }), 'source.sslcert'],
      [trapConn({ sslmode: 'verify-full', sslrootcert: '/etc/shadow' }), 'source.sslrootcert'],
      [`postgresql://victim@127.0.0.1:${trap.port}/db?sslrootcert=../../etc/passwd`, 'source.sslrootcert'],
      [`postgresql://victim@127.0.0.1:${trap.port}/db?passfile=${pgpass}`, 'source.passfile'],
    ];
    for (const [source, field] of refused) {
      const res = await api.call('POST', '/api/connections/test', { source });
      assert.equal(res.status, 403, `${JSON.stringify(source)}: ${res.text}`);
      assert.equal(res.json.error.code, 'PGFERRY_E_NOT_ALLOWED');
      assert.equal(res.json.error.object, field);
    }
    // sslrootcert=system names no file of the server
    const system = await api.call('POST', '/api/connections/test', { source: trapConn({ sslmode: 'verify-full', sslrootcert: 'system' }) });
    assert.equal(system.status, 200, system.text);
    assert.deepEqual(trap.passwords.filter((p) => p !== 'given-to-the-task'), []);
  });

  it('lets an allowed socket folder through, still without lending a password, and checks stored tasks again', async () => {
    const sockets = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-sock-'));
    const socketTrap = await startPasswordTrap({ socketDir: sockets, port: 5499 });
    const open = await startApi({ policy: { socketDirs: [sockets], fileDirs: [], dbHosts: [] }, store: api.store });
    try {
      const res = await open.call('POST', '/api/connections/test', { source: { host: sockets, port: 5499, user: 'victim', database: 'db' } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.sides[0].failedStep, 'authentication');
      assert.equal(socketTrap.logins.length, 1);
      assert.deepEqual(socketTrap.passwords, []);
      const task = await open.call('POST', '/api/tasks', { source: { host: sockets, port: 5499, user: 'victim', database: 'db' }, target: trapConn() });
      assert.equal(task.status, 201);
      // the stricter server (no socket folders) refuses to connect with that stored task
      const again = await api.call('POST', `/api/tasks/${task.json.id}/test`);
      assert.deepEqual([again.status, again.json.error.code], [403, 'PGFERRY_E_NOT_ALLOWED']);
      // an allow-list of database hosts
      const hosts = await startApi({ policy: { socketDirs: [], fileDirs: [], dbHosts: ['db.internal'] }, store: api.store });
      try {
        const other = await hosts.call('POST', '/api/connections/test', { source: trapConn() });
        assert.deepEqual([other.status, other.json.error.object], [403, 'source.host']);
      } finally {
        await hosts.close();
      }
    } finally {
      await open.close();
      await socketTrap.close();
      fs.rmSync(sockets, { recursive: true, force: true });
    }
  });

  it('the CLI keeps libpq conventions: PGPASSWORD, and passfile= honoured (it was ignored)', async () => {
    const env = { PGPASSWORD: 'cli-env-secret', PGPASSFILE: '' };
    const viaEnv = await runCli(['test-connection', '--source', `postgresql://victim@127.0.0.1:${trap.port}/db?sslmode=disable`, '--json'], env);
    assert.equal(viaEnv.code, 3);
    assert.ok(trap.passwords.includes('cli-env-secret'));
    const file = path.join(dir, 'passfile');
    fs.writeFileSync(file, `127.0.0.1:${trap.port}:db:victim:from-the-passfile\n`, { mode: 0o600 });
    const viaFile = await runCli(['test-connection', '--source', `postgresql://victim@127.0.0.1:${trap.port}/db?sslmode=disable&passfile=${encodeURIComponent(file)}`, '--json'], { PGPASSWORD: '', PGPASSFILE: '' });
    assert.equal(viaFile.code, 3);
    assert.ok(trap.passwords.includes('from-the-passfile'), trap.passwords.join(','));
    // and against a real server: the password role logs in with its passfile
    const s = await server('15', 'src');
    await ensurePasswordRole(s);
    fs.writeFileSync(file, `127.0.0.1:${s.port}:*:${PASSWORD_ROLE}:${PASSWORD_ROLE_PASSWORD}\n`, { mode: 0o600 });
    const real = await runCli(['test-connection', '--source', `host=127.0.0.1 port=${s.port} dbname=postgres user=${PASSWORD_ROLE} passfile=${file}`], { PGPASSWORD: '', PGPASSFILE: '' });
    assert.equal(real.code, 0, real.stdout + real.stderr);
    assert.match(real.stdout, /Passed/);
  });
});
