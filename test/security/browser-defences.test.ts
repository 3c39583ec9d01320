/**
 * Issue 14, item 3: Host header and browser defences. A loopback server answers only to loopback
 * names (and the ones the operator adds), so a page whose DNS name was rebound to 127.0.0.1 gets
 * nothing, not even the console; every response carries CSP (frame-ancestors 'none'), nosniff and
 * no-referrer; the event stream takes a single-use ticket, never the token, in its URL; `serve`
 * writes a new token to a 0600 file when its output is not a terminal (test/e2e/serve.test.ts)
 * and prints it on a terminal.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { API_TOKEN, startApi, type TestApi } from '../harness/api-server.js';
import { CONSOLE_DIR } from '../../src/cli/serve-command.js';
import { freePort } from '../../src/server/local-server.js';
import { BIN } from '../harness/cli.js';

describe('Host header and browser defences', () => {
  let api: TestApi;
  let taskId = '';
  let otherId = '';
  before(async () => {
    api = await startApi({ consoleDir: CONSOLE_DIR });
    const spec = { source: 'postgresql://u@127.0.0.1:1/a', target: 'postgresql://u@127.0.0.1:1/b' };
    taskId = (await api.call('POST', '/api/tasks', spec)).json.id;
    otherId = (await api.call('POST', '/api/tasks', spec)).json.id;
  });
  after(async () => api?.close());

  it('answers only to loopback Host names on a loopback bind: a rebound DNS name gets 403, even for the console', async () => {
    const auth = { authorization: `Bearer ${API_TOKEN}` };
    for (const host of ['evil.example', `evil.example:${api.port}`, 'localhost.', '127.0.0.2', '0.0.0.0', '[::2]', 'localhost@evil.example', '', 'LOCALHOST.evil']) {
      for (const target of ['/', '/healthz', '/api/tasks']) {
        const res = await api.raw(`GET ${target}`, { ...auth, host });
        assert.equal(res.status, host === '' ? 400 : 403, `Host ${JSON.stringify(host)} ${target}: ${res.status}`);
        if (host !== '') assert.equal(res.json.error.code, 'PGFERRY_E_HOST_NOT_ALLOWED');
      }
    }
    for (const host of ['localhost', `localhost:${api.port}`, `127.0.0.1:${api.port}`, `[::1]:${api.port}`, 'LocalHost']) {
      assert.equal((await api.raw('GET /api/tasks', { ...auth, host })).status, 200, host);
    }
    // an absolute-form target names a host too
    assert.equal((await api.raw(`GET http://evil.example:${api.port}/api/tasks`, auth)).status, 403);
    // names the operator adds
    const named = await startApi({ hostNames: ['localhost', '127.0.0.1', '[::1]', 'pgferry.internal'] });
    try {
      assert.equal((await named.raw('GET /api/tasks', { authorization: `Bearer ${API_TOKEN}`, host: 'pgferry.internal:8432' })).status, 200);
      assert.equal((await named.raw('GET /api/tasks', { authorization: `Bearer ${API_TOKEN}`, host: 'other.internal' })).status, 403);
    } finally {
      await named.close();
    }
  });

  it('sends CSP, nosniff and no-referrer on every response: pages, files, errors and the event stream', async () => {
    const asset = fs.readdirSync(path.join(CONSOLE_DIR, 'assets'))[0];
    const { ticket } = (await api.call('POST', `/api/tasks/${taskId}/events/ticket`)).json;
    const responses = [
      await api.raw('GET /'),
      await api.raw(`GET /assets/${asset}`),
      await api.raw('GET /api/tasks'),
      await api.raw('GET /api/tasks', { authorization: `Bearer ${API_TOKEN}` }),
      await api.raw('GET /nope', { authorization: `Bearer ${API_TOKEN}` }),
      await api.raw('GET /', { host: 'evil.example' }),
      await api.raw(`GET /api/tasks/${taskId}/events?ticket=${ticket}`),
    ];
    for (const r of responses) {
      assert.match(r.headers['content-security-policy'] ?? '', /frame-ancestors 'none'/, JSON.stringify(r.headers));
      assert.match(r.headers['content-security-policy'], /default-src 'none'; script-src 'self'/);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.headers['referrer-policy'], 'no-referrer');
      assert.equal(r.headers['x-frame-options'], 'DENY');
      assert.equal(r.headers['access-control-allow-origin'], undefined, 'no CORS');
    }
    assert.equal(responses[2].headers['cache-control'], 'no-store');
    assert.match(responses[6].headers['content-type'], /text\/event-stream/);
  });

  it('opens the event stream with a single-use ticket for that task only; never with the token in the URL', async () => {
    const inUrl = await api.raw(`GET /api/tasks/${taskId}/events?token=${API_TOKEN}`);
    assert.deepEqual([inUrl.status, inUrl.json.error.message], [401, 'a token in the URL is not accepted']);
    const noTicket = await api.call('POST', `/api/tasks/${taskId}/events/ticket`, undefined, null);
    assert.equal(noTicket.status, 401, 'a ticket needs the token');
    const issued = await api.call('POST', `/api/tasks/${taskId}/events/ticket`);
    assert.equal(issued.status, 201);
    assert.equal(issued.json.expiresInSeconds, 60);
    assert.notEqual(issued.json.ticket, API_TOKEN);
    const wrongTask = await api.raw(`GET /api/tasks/${otherId}/events?ticket=${issued.json.ticket}`);
    assert.equal(wrongTask.status, 401, 'a ticket opens only its own task (and is used up trying)');
    const t2 = (await api.call('POST', `/api/tasks/${taskId}/events/ticket`)).json.ticket;
    const first = await api.raw(`GET /api/tasks/${taskId}/events?ticket=${t2}`);
    assert.equal(first.status, 200);
    assert.match(first.text, /event: progress/);
    const again = await api.raw(`GET /api/tasks/${taskId}/events?ticket=${t2}`);
    assert.equal(again.status, 401, 'single use');
    // a ticket is for reading the stream only: it opens nothing that changes state
    const t3 = (await api.call('POST', `/api/tasks/${taskId}/events/ticket`)).json.ticket;
    for (const target of [`POST /api/tasks/${taskId}/stop?ticket=${t3}`, `DELETE /api/tasks/${taskId}?ticket=${t3}`, `GET /api/tasks?ticket=${t3}`])
      assert.equal((await api.raw(target)).status, 401, target);
  });

  it('serve prints a new token on a terminal (and writes no token file)', async () => {
    // script(1) gives serve a pseudo-terminal; a machine without it fails here with the fix, never skips
    assert.equal(spawnSync('script', ['--version']).status, 0, 'the `script` command is missing: apt-get install bsdutils (scripts/test-all.sh installs it)');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-tty-'));
    const port = await freePort();
    const env = { ...process.env, PGFERRY_TOKEN: '' };
    // script(1) runs serve on a pseudo-terminal
    const child = spawn('script', ['-qfec', `${process.execPath} ${BIN} serve --port ${port} --store ${dir}/tasks.db`, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no token printed: ${out}`)), 30_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (/open http:\/\/127\.0\.0\.1:\d+\/#token=\S+/.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      assert.match(out, /API token \(shown once, stored hashed\): \S{30,}/);
      assert.equal(fs.existsSync(path.join(dir, 'api-token')), false);
    } finally {
      child.kill('SIGTERM');
      spawnSync('pkill', ['-f', `serve --port ${port}`]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
