/**
 * The HTTP API against real servers, over real HTTP: every route, invalid bodies (400 naming the
 * field), a missing or wrong token (401), a task started, stopped, resumed and verified through
 * the API, live progress over Server-Sent Events, and no password in any response.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/app.js';
import { hashToken } from '../../src/api/api-token.js';
import type { TaskStore } from '../../src/task/task-store.js';
import { openStore } from '../../src/task/open-store.js';
import { waitFor } from '../harness/wait.js';
import { execSql, freshDatabase, PASSWORD_ROLE, server, ensurePasswordRole, PASSWORD_ROLE_PASSWORD } from '../harness/servers.js';

const PASSWORD = PASSWORD_ROLE_PASSWORD;
const TOKEN = 'test-token-for-the-api';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-api-'));
process.env.PGFERRY_KEY_FILE = path.join(dir, 'secret.key');
let app: FastifyInstance;
let store: TaskStore;
let base = '';
const bodies: string[] = [];

async function call(method: string, url: string, body?: unknown, token: string | null = TOKEN): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(base + url, {
    method,
    headers: { ...(token !== null ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  bodies.push(text);
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

describe('HTTP API', () => {
  let src: { host: string; port: number; database: string; user: string; password: string };
  let targetUri = '';
  before(async () => {
    const s = await server('15', 'src');
    await ensurePasswordRole(s);
    const db = await freshDatabase(s, 'api');
    await execSql(db.uri, `
      ${Array.from({ length: 6 }, (_, i) => `CREATE TABLE t${i} (id int${i === 5 ? '' : ' PRIMARY KEY'}, pad text);
        INSERT INTO t${i} SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 8000) g;`).join('\n')}
      GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${PASSWORD_ROLE};`);
    src = { host: '127.0.0.1', port: s.port, database: db.name, user: PASSWORD_ROLE, password: PASSWORD };
    const d = await server('15', 'dst');
    targetUri = (await freshDatabase(d, 'api')).uri;
    store = await openStore(path.join(dir, 'tasks.db'));
    app = await buildApi({ store, tokenHash: hashToken(TOKEN) });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  after(async () => {
    await app?.close();
    await store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses requests without the token or with a wrong one', async () => {
    const none = await call('GET', '/api/tasks', undefined, null);
    assert.equal(none.status, 401);
    assert.equal(none.json.error.code, 'PGFERRY_E_UNAUTHORIZED');
    assert.equal(none.json.error.message, 'a token is required');
    const wrong = await call('GET', '/api/tasks', undefined, 'nope');
    assert.deepEqual([wrong.status, wrong.json.error.message], [401, 'the token is wrong']);
    const events = await fetch(`${base}/api/tasks/x/events?ticket=nope`);
    assert.equal(events.status, 401);
    assert.equal((await call('GET', '/api/openapi.json', undefined, null)).status, 401);
    const doc = await call('GET', '/api/openapi.json');
    assert.equal(doc.status, 200);
    assert.equal(doc.json.openapi, '3.0.3');
    const health = await call('GET', '/healthz', undefined, null);
    assert.deepEqual([health.status, health.json], [200, { status: 'ok' }]);
  });

  it('documents every route it serves in /api/openapi.json', async () => {
    const doc = (await call('GET', '/api/openapi.json')).json as { paths: Record<string, Record<string, unknown>> };
    const served = (app as unknown as { apiRoutes: string[] }).apiRoutes;
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    assert.ok(served.length >= 18, served.join('\n'));
    assert.deepEqual([...new Set(served)].sort(), documented.sort());
    // operations that connect to a database document the transient answer (retry-class.ts)
    const transient = Object.entries(doc.paths).flatMap(([p, ops]) => Object.entries(ops).filter(([, op]) => '503' in ((op as { responses?: object }).responses ?? {})).map(([m]) => `${m} ${p}`));
    assert.ok(transient.includes('post /api/tasks/{id}/precheck') && transient.includes('post /api/catalog/objects'), transient.join('\n'));
  });

  it('tests connectivity, lists objects, previews a plan, and names the field of a bad body', async () => {
    const ok = await call('POST', '/api/connections/test', { source: src, target: targetUri });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json.sides.map((s: { passed: boolean }) => s.passed), [true, true]);
    const bad = await call('POST', '/api/connections/test', { source: { ...src, password: 'wrong' } });
    assert.equal(bad.json.sides[0].failedStep, 'authentication');
    const invalid = await call('POST', '/api/connections/test', { source: { ...src, port: 'x' } });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.json.error.code, 'PGFERRY_E_USAGE');
    assert.ok(invalid.json.error.fields.some((f: { field: string }) => f.field.startsWith('source')), JSON.stringify(invalid.json));
    const empty = await call('POST', '/api/connections/test', {});
    assert.equal(empty.status, 400);
    const notJson = await call('POST', '/api/tasks', '{"source": ');
    assert.equal(notJson.status, 400);

    const objects = await call('POST', '/api/catalog/objects', { source: src });
    const pub = objects.json.schemas.find((s: { name: string }) => s.name === 'public');
    assert.deepEqual(pub.tables.map((t: { name: string; hasKey: boolean }) => `${t.name}:${t.hasKey}`), ['t0:true', 't1:true', 't2:true', 't3:true', 't4:true', 't5:false']);
    assert.deepEqual(pub.tables[0].columns, [{ name: 'id', type: 'integer' }, { name: 'pad', type: 'text' }]);
    // each table's size on the source (8,000 rows of 128 characters each)
    assert.ok(pub.tables.every((t: { bytes: number }) => t.bytes > 8000 * 128), JSON.stringify(pub.tables.map((t: { bytes: number }) => t.bytes)));
    // the target's own objects (the names a rename must not take), and one side at a time
    const onTarget = await call('POST', '/api/catalog/objects', { target: targetUri });
    assert.equal(onTarget.status, 200, JSON.stringify(onTarget.json));
    assert.ok(Array.isArray(onTarget.json.schemas));
    const both = await call('POST', '/api/catalog/objects', { source: src, target: targetUri });
    assert.equal(both.status, 400);
    assert.match(both.json.error.message, /give source or target, not both/);

    const preview = await call('POST', '/api/plan/preview', { source: src, target: targetUri, objects: { excludeColumns: ['public.t0.id'] }, mapping: { tables: [{ schema: 'public', from: 't1', to: 'renamed' }] } });
    assert.equal(preview.status, 200);
    assert.deepEqual(preview.json.skipped.map((s: { kind: string; name: string }) => `${s.kind} ${s.name}`), ['constraint t0_pkey on public.t0']);
    assert.ok(preview.json.notes.some((n: string) => n.startsWith('public.t1 is renamed to renamed')));

    const badSpec = await call('POST', '/api/tasks', { source: src, target: targetUri, options: { jobs: 0 }, migration: 'cdc' });
    assert.equal(badSpec.status, 400);
    assert.deepEqual(badSpec.json.error.fields.map((f: { field: string }) => f.field).sort(), ['migration', 'options.jobs']);
  });

  it('creates, prechecks, starts, stops, resumes, verifies and releases a task', async () => {
    const created = await call('POST', '/api/tasks', { name: 'api-move', source: src, target: targetUri, options: { jobs: 2, maxRateMBps: 0.5 } });
    assert.equal(created.status, 201);
    const id = created.json.id as string;
    assert.deepEqual(created.json.passwordsStored, { source: true, target: false });
    assert.equal((await call('GET', `/api/tasks/${id}`)).json.name, 'api-move');
    assert.equal((await call('GET', '/api/tasks/no-such-task')).status, 404);
    assert.equal((await call('GET', '/api/tasks?state=created')).json.tasks.length, 1);
    assert.equal((await call('GET', `/api/tasks/${id}/precheck`)).status, 404);

    const early = await call('POST', `/api/tasks/${id}/start`);
    assert.deepEqual([early.status, early.json.error.code], [409, 'PGFERRY_E_PRECHECK_REQUIRED']);
    assert.equal((await call('POST', `/api/tasks/${id}/test`)).json.passed, true);
    const pre = await call('POST', `/api/tasks/${id}/precheck`);
    assert.equal(pre.json.passed, true);
    assert.equal(pre.json.items.find((i: { id: string }) => i.id === 'primary-keys').status, 'warn');
    assert.equal((await call('GET', `/api/tasks/${id}/precheck`)).json.current, true);
    assert.equal((await call('POST', `/api/tasks/${id}/stop`)).status, 409);

    const started = await call('POST', `/api/tasks/${id}/start`);
    assert.equal(started.status, 202, JSON.stringify(started.json));
    assert.equal(started.json.state, 'running');
    await waitFor('a table done', async () => ((await call('GET', `/api/tasks/${id}/progress`)).json.units.some((u: { state: string }) => u.state === 'done') ? true : undefined));
    const tp = await call('PATCH', `/api/tasks/${id}/throughput`, { jobs: 1 });
    assert.equal(tp.json.jobs, 1);
    assert.equal((await call('PATCH', `/api/tasks/${id}/throughput`, {})).status, 400);
    assert.equal((await call('POST', `/api/tasks/${id}/stop`)).status, 202);
    await waitFor('stopped', async () => ((await call('GET', `/api/tasks/${id}`)).json.state === 'stopped' ? true : undefined));
    const rel = await call('DELETE', `/api/tasks/${id}`);
    assert.deepEqual(rel.json, { released: id, checkpointsDropped: true, slotDropped: false, publicationDropped: false });
    assert.equal((await call('GET', `/api/tasks/${id}`)).status, 404);
    const marks = await execSql(targetUri, "SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'pgferry_state'");
    assert.equal(marks.rows[0].n, 0, 'release dropped the checkpoints on the target');
  });

  it('follows a run over Server-Sent Events to the end, and verifies through the API', async () => {
    const created = await call('POST', '/api/tasks', { source: src, target: (await freshDatabase(await server('15', 'dst'), 'api_b')).uri, options: { maxRateMBps: 2 } });
    const id = created.json.id as string;
    assert.equal((await call('POST', `/api/tasks/${id}/precheck`)).json.passed, true);
    assert.equal((await call('POST', `/api/tasks/${id}/start`)).status, 202);
    await waitFor('a table done', async () => ((await call('GET', `/api/tasks/${id}/progress`)).json.units.some((u: { state: string }) => u.state === 'done') ? true : undefined));
    assert.equal((await call('POST', `/api/tasks/${id}/stop`)).status, 202);
    await waitFor('stopped', async () => ((await call('GET', `/api/tasks/${id}`)).json.state === 'stopped' ? true : undefined));
    await call('PATCH', `/api/tasks/${id}/throughput`, { maxRateMBps: null });
    const resumed = await call('POST', `/api/tasks/${id}/resume`);
    assert.equal(resumed.status, 202);

    const { ticket } = (await call('POST', `/api/tasks/${id}/events/ticket`)).json as { ticket: string };
    const res = await fetch(`${base}/api/tasks/${id}/events?ticket=${ticket}`);
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const text = await res.text();
    bodies.push(text);
    const events = text.split('\n\n').filter((b) => b.includes('event: progress')).map((b) => JSON.parse(b.split('\ndata: ')[1]));
    assert.ok(events.length >= 2);
    const last = events[events.length - 1];
    // stopped and resumed: when tables were left for the resume, its rows come from two snapshots
    // of the source, and its state says so
    assert.equal(last.state, last.outcome.dataSnapshots > 1 ? 'completed from several snapshots' : 'completed');
    assert.equal(last.outcome.dataSnapshots, last.summary.dataSnapshots);
    assert.equal(last.progress, 1);
    assert.ok(last.history.some((h: { kind: string }) => h.kind === 'resume'));

    assert.equal((await call('GET', `/api/tasks/${id}/verify`)).status, 404);
    const v = await call('POST', `/api/tasks/${id}/verify`);
    assert.equal(v.json.ok, true, JSON.stringify(v.json.tables.filter((t: { ok: boolean }) => !t.ok)));
    assert.equal(v.json.tables.length, 6);
    assert.deepEqual((await call('GET', `/api/tasks/${id}/verify`)).json, v.json, 'the stored report');
    const rel = await call('DELETE', `/api/tasks/${id}`);
    assert.deepEqual(rel.json, { released: id, checkpointsDropped: false, slotDropped: false, publicationDropped: false });
  });

  it('never returns a password', () => {
    assert.ok(bodies.length > 30);
    for (const b of bodies) assert.ok(!b.includes(PASSWORD), b.slice(0, 300));
  });
});
