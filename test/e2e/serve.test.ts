/**
 * `pgferry serve`: a new token goes once to a 0600 file when stdout is not a terminal (never into
 * the output, which may be a log file) and is kept hashed, survives a restart, is replaced by
 * --new-token; two processes over one store serve the same tasks and metrics; a non-loopback
 * address without TLS is refused unless --insecure.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort } from '../../src/server/local-server.js';
import { BIN, runCli } from '../harness/cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-serve-'));
const store = path.join(dir, 'tasks.db');

/** Starts serve, collects what it prints until it listens, runs `fn`, stops it. */
async function withServe(extra: string[], fn: (base: string, out: string) => Promise<void>): Promise<void> {
  const port = await freePort();
  const env = { ...process.env };
  delete env.PGFERRY_TOKEN;
  const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--store', store, ...extra], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (/the API token is the one|API token written to|open http/.test(out)) resolve();
    });
    child.once('exit', (c) => reject(new Error(`serve exited ${c}: ${out}`)));
  });
  try {
    await fn(`http://127.0.0.1:${port}`, out);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const status = async (base: string, token: string) => (await fetch(`${base}/api/tasks`, { headers: { authorization: `Bearer ${token}` } })).status;

/** The token a serve wrote to its file, checking the output names the file and holds no token. */
function tokenFromFile(out: string): string {
  const m = /API token written to (\S+) \(mode 0600/.exec(out);
  assert.ok(m, out);
  assert.equal(fs.statSync(m[1]).mode & 0o777, 0o600);
  const token = fs.readFileSync(m[1], 'utf8').trim();
  assert.ok(token.length >= 32 && !out.includes(token), 'the token is in the file, not in the output');
  return token;
}

describe('pgferry serve', () => {
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes a new token once to a 0600 file, keeps only its hash, and replaces it on --new-token', async () => {
    let first = '';
    await withServe([], async (base, out) => {
      first = tokenFromFile(out);
      assert.equal(await status(base, first), 200);
      assert.equal(await status(base, 'wrong'), 401);
      const page = await fetch(`${base}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<div id="root">/);
    });
    assert.ok(!fs.readFileSync(store).includes(first), 'the store holds the hash, not the token');
    await withServe([], async (base, out) => {
      assert.doesNotMatch(out, /API token written/);
      assert.equal(await status(base, first), 200);
    });
    await withServe(['--new-token'], async (base, out) => {
      const second = tokenFromFile(out);
      assert.notEqual(second, first);
      assert.equal(await status(base, first), 401);
      assert.equal(await status(base, second), 200);
    });
  });

  it('a port out of range, a missing TLS file or a port in use are usage errors (exit 2), not internal ones', async () => {
    for (const port of ['70000', '0', 'x']) {
      const r = await runCli(['serve', '--port', port, '--store', store]);
      assert.equal(r.code, 2, `--port ${port}: ${r.stderr}`);
      assert.match(r.stderr, /must be a port number from 1 to 65535/);
    }
    const tls = await runCli(['serve', '--port', String(await freePort()), '--tls-cert', path.join(dir, 'missing.pem'), '--tls-key', path.join(dir, 'missing.key'), '--store', store]);
    assert.equal(tls.code, 2, tls.stderr);
    assert.match(tls.stderr, /PGFERRY_E_USAGE: .*missing\.pem: cannot read the TLS cert file: ENOENT/);
    await withServe([], async (base) => {
      const busy = await runCli(['serve', '--port', new URL(base).port, '--store', store]);
      assert.equal(busy.code, 2, busy.stderr);
      assert.match(busy.stderr, /PGFERRY_E_USAGE: cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
    });
  });

  it('two serve processes over one store see the same tasks and report the same metrics', async () => {
    await withServe(['--new-token'], async (a, out) => {
      const token = tokenFromFile(out);
      await withServe([], async (b) => {
        const call = async (base: string, method: string, url: string, body?: unknown) => {
          const res = await fetch(base + url, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
          return { status: res.status, text: await res.text() };
        };
        // created through one, seen and copied through the other (creating connects to nothing)
        const side = (database: string) => ({ host: '127.0.0.1', port: 1, database, user: 'app' });
        const made = await call(a, 'POST', '/api/tasks', { name: 'seen-by-both', source: side('src'), target: side('dst') });
        assert.equal(made.status, 201, made.text);
        const id = JSON.parse(made.text).id as string;
        assert.equal(JSON.parse((await call(b, 'GET', `/api/tasks/${id}`)).text).name, 'seen-by-both');
        const copy = await call(b, 'POST', `/api/tasks/${id}/duplicate`, {});
        assert.equal(copy.status, 201, copy.text);
        const names = (base: string) => call(base, 'GET', '/api/tasks').then((r) => (JSON.parse(r.text).tasks as { name: string }[]).map((t) => t.name).sort());
        assert.deepEqual(await names(a), await names(b));
        assert.ok((await names(a)).includes('seen-by-both (copy)'));
        // the figures come from the store, not from either process
        const tasks = (text: string) => text.split('\n').filter((l) => l.startsWith('pgferry_task')).sort();
        const [ma, mb] = [await call(a, 'GET', '/metrics'), await call(b, 'GET', '/metrics')];
        assert.equal(ma.status, 200);
        assert.deepEqual(tasks(ma.text), tasks(mb.text));
        assert.ok(tasks(ma.text).some((l) => /^pgferry_tasks\{state="created"\} [2-9]/.test(l)), ma.text);
      });
    });
  });

  it('refuses plain HTTP on a non-loopback address unless --insecure', async () => {
    const r = await runCli(['serve', '--host', '0.0.0.0', '--port', String(await freePort()), '--store', store]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /PGFERRY_E_USAGE: refusing plain HTTP on 0\.0\.0\.0: .* — fix: give --tls-cert and --tls-key/);
    await withServe(['--host', '0.0.0.0', '--insecure'], async (base) => {
      assert.equal((await fetch(`${base}/api/tasks`)).status, 401);
    });
  });
});
