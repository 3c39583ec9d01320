/**
 * Issue 14, item 1: authentication is decided on the route the router matched, deny by default.
 * Every registered route is called without the token in every spelling an attacker tried (the
 * router decodes `%61pi` to `api`, accepts absolute-form targets, ...): each must answer 401 (or
 * 403 for a foreign host) and leak nothing. Before the fix `/%61pi/tasks` listed the tasks and
 * `http://x/api/tasks` as request target too. Also: task IDs are matched exactly (no LIKE
 * wildcards, no prefixes through the API), the console's files and /healthz stay public, and
 * the console's file route reads nothing but the built files.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { API_TOKEN, startApi, type TestApi } from '../harness/api-server.js';
import type { RouteEntry } from '../../src/api/app.js';
import { CONSOLE_DIR } from '../../src/cli/serve-command.js';

/** Percent-encodes every character of a path segment. */
const encodeAll = (s: string) => [...Buffer.from(s)].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');

/** The spellings of `p` (an absolute path) that must not get past the guard without the token. */
function tricks(p: string, port: number): { name: string; target: string; expect: number[] }[] {
  const segs = p.split('/').slice(1);
  return [
    { name: 'plain', target: p, expect: [401] },
    { name: 'first letter encoded', target: '/' + segs.map((s) => (s ? `%${s.charCodeAt(0).toString(16)}${s.slice(1)}` : s)).join('/'), expect: [401] },
    { name: 'every character encoded', target: '/' + segs.map(encodeAll).join('/'), expect: [401] },
    { name: 'slash encoded', target: '/' + segs.join('%2F'), expect: [401] },
    { name: 'absolute-form, this host', target: `http://127.0.0.1:${port}${p}`, expect: [401] },
    { name: 'absolute-form, another host', target: `http://x${p}`, expect: [403] },
    { name: 'double slash in front', target: `/${p}`, expect: [401] },
    { name: 'double slash inside', target: p.replace('/api/', '/api//'), expect: [401] },
    { name: 'trailing slash', target: `${p}/`, expect: [401] },
    { name: 'trailing dot', target: `${p}.`, expect: [401] },
    { name: 'dot segment', target: `/.${p}`, expect: [401] },
    { name: 'dot-dot segment', target: p.replace('/api/', '/api/../api/'), expect: [401] },
    { name: 'upper case', target: p.toUpperCase(), expect: [401] },
    { name: 'mixed case', target: p.replace('/api/', '/Api/'), expect: [401] },
    { name: 'matrix parameter', target: `${p};x=1`, expect: [401] },
    { name: 'token in the query', target: `${p}?token=${API_TOKEN}`, expect: [401] },
    { name: 'fragment', target: `${p}#x`, expect: [401] },
  ];
}

describe('API authentication: deny by default on the matched route', () => {
  let api: TestApi;
  let taskId = '';
  const secretName = 'secret-task-name-4f1e';
  before(async () => {
    api = await startApi({ consoleDir: CONSOLE_DIR });
    const created = await api.call('POST', '/api/tasks', { name: secretName, source: 'postgresql://u@127.0.0.1:1/a', target: 'postgresql://u@127.0.0.1:1/b' });
    assert.equal(created.status, 201, created.text);
    taskId = created.json.id;
  });
  after(async () => api?.close());

  it('answers 401 (or 403 for a foreign host) to every route in every spelling without the token, and leaks nothing', async () => {
    const routes = (api.app as unknown as { allRoutes: RouteEntry[] }).allRoutes;
    assert.ok(routes.length >= 20, JSON.stringify(routes));
    const guarded = routes.filter((r) => r.access !== 'public');
    assert.deepEqual(routes.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.url}`).sort(), ['GET /', 'GET /assets/:file', 'GET /healthz']);
    let tried = 0;
    const failures: string[] = [];
    for (const r of guarded) {
      const p = r.url.replace(':id', taskId);
      for (const t of tricks(p, api.port)) {
        const res = await api.raw(`${r.method} ${t.target}`, r.method === 'GET' || r.method === 'DELETE' ? {} : { 'content-type': 'application/json' }, r.method === 'GET' || r.method === 'DELETE' ? undefined : '{}');
        tried++;
        if (!t.expect.includes(res.status)) failures.push(`${r.method} ${t.target} (${t.name}): ${res.status} ${res.text.slice(0, 120)}`);
        if (res.text.includes(taskId) || res.text.includes(secretName)) failures.push(`${r.method} ${t.target} (${t.name}) leaked the task: ${res.text.slice(0, 120)}`);
      }
    }
    assert.deepEqual(failures, []);
    assert.ok(tried >= 300, `${tried} requests`);
  });

  it('refuses other ways of carrying the token: cookie, query, Basic, an empty or wrong bearer', async () => {
    const tries: Record<string, string>[] = [
      { cookie: `token=${API_TOKEN}` },
      { authorization: `Basic ${Buffer.from(`x:${API_TOKEN}`).toString('base64')}` },
      { authorization: 'Bearer' },
      { authorization: 'Bearer ' },
      { authorization: `Bearer ${API_TOKEN}x` },
      { authorization: `Token ${API_TOKEN}` },
      { 'x-api-token': API_TOKEN },
    ];
    for (const h of tries) {
      const res = await api.raw('GET /api/tasks', h);
      assert.equal(res.status, 401, JSON.stringify(h));
      assert.equal(res.json.error.code, 'PGFERRY_E_UNAUTHORIZED');
    }
    const q = await api.raw(`POST /api/tasks/${taskId}/stop?token=${API_TOKEN}`);
    assert.deepEqual([q.status, q.json.error.message], [401, 'a token in the URL is not accepted']);
    // the token with the header: the same routes answer
    assert.equal((await api.raw('GET /api/tasks', { authorization: `Bearer ${API_TOKEN}` })).status, 200);
    assert.equal((await api.raw('GET /api/tasks', { authorization: `bearer ${API_TOKEN}` })).status, 200);
  });

  it('serves the console files and /healthz without the token, and nothing but the built files', async () => {
    assert.equal((await api.call('GET', '/', undefined, null)).status, 200);
    assert.deepEqual((await api.call('GET', '/healthz', undefined, null)).json, { status: 'ok' });
    const asset = fs.readdirSync(path.join(CONSOLE_DIR, 'assets')).find((f) => f.endsWith('.js'))!;
    const js = await api.call('GET', `/assets/${asset}`, undefined, null);
    assert.equal(js.status, 200);
    assert.match(js.headers['content-type'], /javascript/);
    for (const target of ['/assets/..%2F..%2Fpackage.json', '/assets/..%2Findex.html', '/assets/%2e%2e%2f%2e%2e%2fsrc%2fapi%2fapp.ts', '/assets/.', '/assets/index.html', `/assets/${asset}%00.png`]) {
      const res = await api.raw(`GET ${target}`);
      assert.ok([400, 404].includes(res.status), `${target}: ${res.status}`);
      assert.doesNotMatch(res.text, /"name": "pgferry"|buildApi/);
    }
    // a path no route serves is not the console page for strangers: it needs the token first
    assert.equal((await api.raw('GET /tasks/anything')).status, 401);
    assert.equal((await api.raw('GET /tasks/anything', { authorization: `Bearer ${API_TOKEN}` })).status, 404);
  });

  it('matches task IDs exactly: no LIKE wildcards, no prefixes', async () => {
    const exact = await api.call('GET', `/api/tasks/${taskId}`);
    assert.equal(exact.status, 200);
    for (const id of ['____', '%25', `${taskId.slice(0, 8)}`, `${taskId.slice(0, -1)}_`, `${taskId.slice(0, 8)}%25`, taskId.toUpperCase()]) {
      const res = await api.call('GET', `/api/tasks/${id}`);
      assert.equal(res.status, 404, `${id}: ${res.text.slice(0, 100)}`);
    }
    // the event stream's wildcard probe the issue reported: now a plain 404
    const probe = await api.raw('GET /api/tasks/____/events', { authorization: `Bearer ${API_TOKEN}` });
    assert.equal(probe.status, 404);
  });
});
