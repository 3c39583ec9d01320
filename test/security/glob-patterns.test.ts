/**
 * Regression: a selection glob stalled `pgferry serve`. `*a*a*a*a*a*a*a*b` became a regex that
 * backtracked for 36.8 s on one 63-byte name, and the server answered nothing else meanwhile.
 * Through the real HTTP API and CLI against a real source whose names are 63 `a`s: the pattern
 * answers in moments while other requests keep being served, and patterns or lists over the
 * limits are refused as usage errors (HTTP 400 naming the field, exit 2).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/app.js';
import { hashToken } from '../../src/api/api-token.js';
import type { TaskStore } from '../../src/task/task-store.js';
import { openStore } from '../../src/task/open-store.js';
import { runCli } from '../harness/cli.js';
import { execSql, freshDatabase, server } from '../harness/servers.js';

const TOKEN = 'test-token-for-glob-patterns';
const A63 = 'a'.repeat(63);
const ATTACK = '*a*a*a*a*a*a*a*b';
const LONG_ATTACK = `${'*a'.repeat(127)}*b`; // 256 characters, the most a pattern may have
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-globs-'));
process.env.PGFERRY_KEY_FILE = path.join(dir, 'secret.key');
let app: FastifyInstance;
let store: TaskStore;
let base = '';

async function call(method: string, url: string, body?: unknown): Promise<{ status: number; json: any; ms: number }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const started = performance.now();
  const res = await fetch(base + url, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, ms: performance.now() - started };
}

describe('selection globs cannot stall the server (regression: 36.8 s regex backtracking)', () => {
  let sourceUri = '';
  let targetUri = '';
  before(async () => {
    const s = await server('15', 'src');
    const db = await freshDatabase(s, 'globs');
    sourceUri = db.uri;
    // 63-byte names everywhere: a schema of that name and many schemas with a table of that name,
    // and a view, picked by a second pattern, on a table the attack pattern leaves out
    await execSql(sourceUri, `
      CREATE SCHEMA "${A63}";
      CREATE TABLE "${A63}"."${A63}" (id int PRIMARY KEY);
      ${Array.from({ length: 20 }, (_, i) => `CREATE SCHEMA s${i}; CREATE TABLE s${i}."${A63}" (id int PRIMARY KEY, "${A63}" text);`).join('\n')}
      CREATE VIEW public.keep_view AS SELECT id FROM s0."${A63}";`);
    targetUri = (await freshDatabase(await server('15', 'dst'), 'globs')).uri;
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

  it('answers a plan preview with the attack patterns in moments, and other requests meanwhile', async (t) => {
    const body = {
      source: sourceUri,
      target: targetUri,
      objects: {
        includeSchemas: [ATTACK, LONG_ATTACK, 's*', 'public'],
        includeTables: [ATTACK, `*.${LONG_ATTACK.slice(2)}`, 'keep_*'],
        excludeColumns: [`*.${ATTACK}`, `${LONG_ATTACK.slice(0, 200)}.*`],
      },
    };
    const started = performance.now();
    const preview = call('POST', '/api/plan/preview', body);
    // poll the task list while the preview runs: each answer must come promptly
    const polls: number[] = [];
    let done = false;
    void preview.finally(() => (done = true));
    while (!done) {
      const list = await call('GET', '/api/tasks');
      assert.equal(list.status, 200);
      assert.deepEqual(list.json.tasks, []);
      polls.push(list.ms);
      await new Promise((r) => setTimeout(r, 20));
    }
    const r = await preview;
    const total = performance.now() - started;
    t.diagnostic(`preview answered in ${total.toFixed(0)} ms; ${polls.length} GET /api/tasks meanwhile, the slowest in ${Math.max(...polls).toFixed(0)} ms`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    // the attack patterns match nothing: the view on s0's table is skipped for it, nothing else is
    assert.deepEqual(r.json.skipped.map((s: { kind: string; name: string; reason: string }) => `${s.kind} ${s.name}: ${s.reason}`),
      [`view public.keep_view: depends on table s0.${A63}, which is not selected`]);
    assert.ok(total < 10_000, `the preview took ${total} ms`);
    assert.ok(polls.length >= 1);
    // (the backtracking this guards against held every request for half a minute; 5 s leaves room
    // for another test file running beside this one)
    assert.ok(Math.max(...polls) < 5_000, `a concurrent GET /api/tasks took ${Math.max(...polls)} ms`);
  });

  it('refuses a pattern over 256 characters with 400 naming the field', async () => {
    const r = await call('POST', '/api/tasks', { source: sourceUri, target: targetUri, objects: { includeTables: ['ok', `${LONG_ATTACK}a`] } });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, 'PGFERRY_E_USAGE');
    assert.deepEqual(r.json.error.fields, [{ field: 'objects.includeTables.1', message: 'at most 256 characters per pattern' }]);
    const preview = await call('POST', '/api/plan/preview', { source: sourceUri, target: targetUri, objects: { excludeColumns: ['x'.repeat(300)] } });
    assert.deepEqual([preview.status, preview.json.error.fields.map((f: { field: string }) => f.field)], [400, ['objects.excludeColumns.0']]);
  });

  it('refuses 101 wildcard patterns in one list with 400, and takes 10,000 plain names', async () => {
    const wild = Array.from({ length: 101 }, (_, i) => `t${i}*`);
    const r = await call('POST', '/api/tasks', { source: sourceUri, target: targetUri, objects: { excludeTables: wild } });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json.error.fields, [{ field: 'objects.excludeTables', message: '101 patterns with * or ?; at most 100 per list are allowed' }]);
    assert.match(r.json.error.message, /objects\.excludeTables: 101 patterns/);

    const names = Array.from({ length: 10_000 }, (_, i) => `table_${i}`);
    const many = await call('POST', '/api/tasks', { source: sourceUri, target: targetUri, objects: { includeTables: [...names, ...wild.slice(1)] } });
    assert.equal(many.status, 201, JSON.stringify(many.json).slice(0, 300));
    assert.equal(many.json.spec.objects.includeTables.length, 10_100);
    const tooMany = await call('POST', '/api/tasks', { source: sourceUri, target: targetUri, objects: { includeTables: [...names, 'one_more'] } });
    assert.deepEqual([tooMany.status, tooMany.json.error.fields[0].field], [400, 'objects.includeTables']);
  });

  it('makes the CLI exit 2 on a pattern over the limit, and run the attack pattern in moments', async () => {
    const long = await runCli(['schema', '--source', sourceUri, '--include-table', 'x'.repeat(300)]);
    assert.equal(long.code, 2, long.stderr);
    assert.match(long.stderr, /--include-table.*is invalid\. a pattern has 300 characters; at most 256 are allowed/);
    assert.equal(long.stdout, '');

    const many = await runCli(['schema', '--source', sourceUri, ...Array.from({ length: 101 }, (_, i) => ['--exclude-schema', `s${i}?`]).flat()]);
    assert.equal(many.code, 2, many.stderr);
    assert.match(many.stderr, /101 patterns with \* or \?; at most 100 per list are allowed/);

    const started = performance.now();
    const attack = await runCli(['schema', '--source', sourceUri, '--include-table', ATTACK, '--include-table', LONG_ATTACK, '--include-table', 'keep_*'], {}, 60_000);
    const ms = performance.now() - started;
    // the view stays out with its reason (exit 7), and no table of 63 `a`s is created
    assert.equal(attack.code, 7, attack.stderr);
    assert.match(attack.stdout, /keep_view/);
    assert.doesNotMatch(attack.stdout, /CREATE TABLE/);
    assert.ok(ms < 20_000, `pgferry schema took ${ms} ms`);
  });
});
