/**
 * Task states that tell the truth, against real servers: a task whose target rejects a table
 * shows `completed with errors` (CLI list, status, show, JSON, and the API's views), one with
 * C-language functions `completed with skipped objects`; a verify report stored through the API
 * is there after the API restarts on the same store; a task stopped after a table and resumed
 * reports the whole task's rows, keeps the rows of the tables finished before the stop, and lists
 * each run with its own numbers.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { execSql, freshDatabase, server } from '../harness/servers.js';
import { runCli, type CliResult } from '../harness/cli.js';
import { psqlFile } from '../harness/tools.js';
import { startApi, type TestApi } from '../harness/api-server.js';
import { waitFor } from '../harness/wait.js';
import type { TaskStore } from '../../src/task/task-store.js';
import { openStore } from '../../src/task/open-store.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-outcomes-'));
const storeFile = path.join(dir, 'tasks.db');
const env = { PGFERRY_STORE: storeFile, PGFERRY_KEY_FILE: path.join(dir, 'secret.key'), NO_COLOR: '1' };
const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/c-functions.sql');

const cli = (args: string[]) => runCli(args, env);
const lastJson = (r: CliResult) => JSON.parse(r.stdout.trim().split('\n').pop()!);

/** Creates a task for the two databases and runs its precheck (which must pass). */
async function createTask(source: string, target: string, name: string, extra: string[] = []): Promise<string> {
  const c = await cli(['task', 'create', '--source', source, '--target', target, '--name', name, '--json', ...extra]);
  assert.equal(c.code, 0, c.stderr);
  const id = lastJson(c).id as string;
  const p = await cli(['task', 'precheck', id, '--json']);
  assert.equal(p.code, 0, p.stdout);
  return id;
}

/** The API on the test's store (a store handle of its own, as a separate `pgferry serve` would have). */
async function api(): Promise<{ api: TestApi; store: TaskStore }> {
  const store = await openStore(storeFile);
  return { api: await startApi({ store }), store };
}

const SAMPLE = `
  CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);
  CREATE TABLE orders (id int PRIMARY KEY, item_id int NOT NULL REFERENCES items (id));
  CREATE TABLE log (at timestamptz, msg text);
  INSERT INTO items SELECT i, 'item ' || i FROM generate_series(1, 500) i;
  INSERT INTO orders SELECT i, i FROM generate_series(1, 100) i;
  INSERT INTO log SELECT '2024-01-01'::timestamptz + i * interval '1 min', 'x' FROM generate_series(1, 300) i;`;

describe('task outcomes', () => {
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a task whose target rejects a table is "completed with errors" in the CLI and the API, never plain completed', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'rejects');
    const dst = await freshDatabase(await server('15', 'dst'), 'rejects');
    await execSql(src.uri, SAMPLE);
    const id = await createTask(src.uri, dst.uri, 'rejects');
    // after the precheck passed, someone creates a table of the same name on the target
    await execSql(dst.uri, 'CREATE TABLE items (x int)');
    const run = await cli(['task', 'start', id, '--foreground', '--json']);
    assert.equal(run.code, 5, run.stderr);
    assert.match(run.stderr, /PGFERRY_E_DDL: table public\.items: rejected by the target: relation "items" already exists/);
    const end = lastJson(run);
    assert.equal(end.event, 'task-summary');
    assert.equal(end.state, 'completed with errors');

    const list = lastJson(await cli(['task', 'list', '--json'])) as { tasks: { id: string; state: string; outcome: { severity: string; rejected: number; notTried: number } }[] };
    const listed = list.tasks.find((t) => t.id === id)!;
    assert.equal(listed.state, 'completed with errors');
    assert.equal(listed.outcome.severity, 'error');
    assert.equal(listed.outcome.rejected, 1);
    // the table's data, the orders' foreign key and the items' key were not tried
    assert.ok(listed.outcome.notTried >= 2, JSON.stringify(listed.outcome));

    const text = await cli(['task', 'list']);
    assert.equal(text.code, 0);
    assert.match(text.stdout, new RegExp(`${id.slice(0, 8)}\\s+rejects\\s+completed with errors\\s`));
    assert.match(text.stdout, new RegExp(`${id.slice(0, 8)}: completed with errors: 1 object\\(s\\) rejected by the target, \\d+ not tried because they needed one; pgferry task show ${id.slice(0, 8)} lists them`));
    assert.ok(!text.stdout.includes('\u001b['), 'no colour codes when NO_COLOR is set and stdout is no terminal');

    const status = await cli(['task', 'status', id]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`task ${id.slice(0, 8)} rejects: completed with errors, 100%`));
    assert.match(status.stdout, /ERRORS: 1 object\(s\) rejected by the target, \d+ not tried because they needed one; pgferry task show \w+ lists them/);
    assert.match(status.stdout, /1 not copied \(table rejected\)/);
    const statusJson = lastJson(await cli(['task', 'status', id, '--json']));
    assert.equal(statusJson.state, 'completed with errors');
    const items = statusJson.units.find((u: { unit: string }) => u.unit === 'public.items');
    assert.deepEqual([items.state, items.rows, items.bytes], ['failed', null, 0], 'the rejected table was not copied, and does not say "done"');

    const show = await cli(['task', 'show', id]);
    assert.match(show.stdout, /state: completed with errors, 100%/);
    assert.match(show.stdout, /rejected by the target:\n {2}table public\.items: rejected by the target: relation "items" already exists/);
    assert.match(show.stdout, /not tried \(they need a rejected object\):\n( {2}.*\n)* {2}table data public\.items: needs table public\.items/);

    const { api: a, store } = await api();
    try {
      const one = await a.call('GET', `/api/tasks/${id}`);
      assert.equal(one.status, 200);
      assert.equal(one.json.state, 'completed with errors');
      assert.deepEqual([one.json.outcome.state, one.json.outcome.severity, one.json.outcome.rejected], ['completed with errors', 'error', 1]);
      assert.equal(one.json.summary.failures.find((f: { blockedBy?: string }) => !f.blockedBy).name, 'public.items');
      const all = await a.call('GET', '/api/tasks');
      assert.equal(all.json.tasks.find((t: { id: string }) => t.id === id).state, 'completed with errors');
      const filtered = await a.call('GET', `/api/tasks?state=${encodeURIComponent('completed with errors')}`);
      assert.deepEqual(filtered.json.tasks.map((t: { id: string }) => t.id), [id]);
      assert.equal((await a.call('GET', '/api/tasks?state=completed')).json.tasks.length, 0, 'not among the tasks that completed cleanly');
      const progress = await a.call('GET', `/api/tasks/${id}/progress`);
      assert.equal(progress.json.units.find((u: { unit: string }) => u.unit === 'public.items').state, 'failed');
    } finally {
      await a.close();
      await store.close();
    }
    // the run kept its marks: once the cause is fixed, resume does only what is missing
    await execSql(dst.uri, 'DROP TABLE items');
    const resume = await cli(['task', 'resume', id, '--foreground', '--json']);
    assert.equal(resume.code, 11, resume.stderr);
    assert.equal(lastJson(resume).state, 'completed from several snapshots', 'items copied now, orders in the first run');
    const counts = await execSql(dst.uri, 'SELECT (SELECT count(*) FROM items)::int AS items, (SELECT count(*) FROM orders)::int AS orders');
    const want = await execSql(src.uri, 'SELECT (SELECT count(*) FROM items)::int AS items, (SELECT count(*) FROM orders)::int AS orders');
    assert.deepEqual(counts.rows[0], want.rows[0]);
    // a task that completed cleanly (or from several snapshots) has nothing to resume
    const again = await cli(['task', 'resume', id, '--foreground']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /is completed from several snapshots: nothing to resume/);
  });

  it('a task with C-language functions is "completed with skipped objects", exit 7', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'skips');
    const dst = await freshDatabase(await server('15', 'dst'), 'skips');
    await psqlFile(src.uri, FIXTURE);
    const id = await createTask(src.uri, dst.uri, 'skips');
    const run = await cli(['task', 'start', id, '--foreground', '--json']);
    assert.equal(run.code, 7, run.stderr);
    const listed = (lastJson(await cli(['task', 'list', '--json'])).tasks as { id: string; state: string; outcome: { severity: string; skipped: number; rejected: number } }[]).find((t) => t.id === id)!;
    assert.equal(listed.state, 'completed with skipped objects');
    assert.equal(listed.outcome.severity, 'warning');
    assert.equal(listed.outcome.rejected, 0);
    assert.ok(listed.outcome.skipped >= 8, JSON.stringify(listed.outcome));
    const text = await cli(['task', 'list']);
    assert.match(text.stdout, new RegExp(`${id.slice(0, 8)}: completed with skipped objects: ${listed.outcome.skipped} object\\(s\\) skipped; pgferry task show ${id.slice(0, 8)} lists them with the reasons`));
    const status = await cli(['task', 'status', id]);
    assert.match(status.stdout, /: completed with skipped objects, 100%/);
    assert.match(status.stdout, /SKIPPED: \d+ object\(s\) pgferry cannot move; pgferry task show \w+ lists them with the reasons/);
    const show = await cli(['task', 'show', id]);
    assert.match(show.stdout, /skipped \(pgferry cannot move them\):\n( {2}.*\n)* {2}function kinds_c\.c_handler\(\): C-language function/);
    const { api: a, store } = await api();
    try {
      const one = await a.call('GET', `/api/tasks/${id}`);
      assert.deepEqual([one.json.state, one.json.outcome.severity, one.json.outcome.skipped], ['completed with skipped objects', 'warning', listed.outcome.skipped]);
    } finally {
      await a.close();
      await store.close();
    }
  });

  it('a task stopped after a table and resumed totals every run; finished tables keep their rows; verify is stored and outlives the API', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'totals');
    const dst = await freshDatabase(await server('15', 'dst'), 'totals');
    await execSql(src.uri, Array.from({ length: 6 }, (_, i) => `CREATE TABLE t${i} (id int PRIMARY KEY, pad text);
      INSERT INTO t${i} SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 8000) g;`).join('\n'));
    const id = await createTask(src.uri, dst.uri, 'totals', ['--jobs', '1', '--max-rate', '0.5']);

    const { api: a, store } = await api();
    let restarted: Awaited<ReturnType<typeof api>> | undefined;
    try {
      assert.equal((await a.call('GET', `/api/tasks/${id}/verify`)).status, 404, 'never verified');

      assert.equal((await cli(['task', 'start', id])).code, 0);
      const status = async () => lastJson(await cli(['task', 'status', id, '--json']));
      await waitFor('a table done', async () => ((await status()).units.some((u: { state: string }) => u.state === 'done') ? true : undefined));
      assert.equal((await cli(['task', 'stop', id, '--wait'])).code, 0);
      const stopped = await status();
      assert.equal(stopped.state, 'stopped');
      const before = (stopped.units as { unit: string; state: string; rows: number; bytes: number }[]).filter((u) => u.state === 'done');
      assert.ok(before.length >= 1 && before.length < 6, `stopped between tables (${before.length} of 6 done)`);
      for (const u of before) assert.ok(u.rows === 8000 && u.bytes > 0, JSON.stringify(u));
      assert.deepEqual([stopped.totals.runs, stopped.totals.rows], [1, before.length * 8000]);

      assert.equal((await cli(['task', 'set', id, '--max-rate', 'off'])).code, 0);
      // regression: commander turned the parser's null into '', stored as the rate and said as "max rate  MB/s"
      assert.equal((await status()).maxRateMBps, null);
      const resumed = await cli(['task', 'resume', id, '--foreground', '--json']);
      // rows from two snapshots of the source: exit 11, and the state says so
      assert.equal(resumed.code, 11, resumed.stderr);
      const final = await status();
      assert.equal(final.state, 'completed from several snapshots');
      assert.equal(final.outcome.dataSnapshots, 2);
      assert.deepEqual([final.totals.runs, final.totals.rows], [2, 48000]);
      // the tables finished before the stop were not copied again, and keep their rows and bytes
      for (const u of before) {
        const now = (final.units as { unit: string; state: string; rows: number; bytes: number }[]).find((x) => x.unit === u.unit)!;
        assert.deepEqual([now.state, now.rows, now.bytes], ['skipped', 8000, u.bytes], u.unit);
      }
      assert.equal(final.units.reduce((n: number, u: { rows: number }) => n + u.rows, 0), 48000);
      assert.deepEqual(final.runs.map((r: { run: number; kind: string; state: string; rows: number }) => [r.run, r.kind, r.state, r.rows]), [
        [1, 'start', 'stopped', before.length * 8000],
        [2, 'resume', 'completed', 48000 - before.length * 8000],
      ]);
      assert.equal(final.totals.bytes, final.runs[0].bytes + final.runs[1].bytes);
      assert.ok(final.totals.seconds >= final.runs[0].seconds + final.runs[1].seconds - 0.001);

      const show = lastJson(await cli(['task', 'show', id, '--json']));
      assert.equal(show.summary.rowsCopied, 48000, "the task's summary covers both runs");
      assert.equal(show.summary.lastRun.rowsCopied, 48000 - before.length * 8000, "the last run's own");
      assert.equal(show.summary.runs, 2);
      const kinds = (show.history as { kind: string; message: string }[]).map((h) => `${h.kind}: ${h.message}`);
      assert.ok(kinds.some((k) => /^start: run 1 started/.test(k)), kinds.join('\n'));
      assert.ok(kinds.some((k) => new RegExp(`^stopped: run 1 stopped at a unit boundary on request; this run copied ${before.length * 8000} rows`).test(k)), kinds.join('\n'));
      assert.ok(kinds.some((k) => /^resume: run 2 resumed/.test(k)), kinds.join('\n'));
      assert.ok(kinds.includes('throughput: set max rate unlimited'), kinds.join('\n'));
      assert.ok(kinds.some((k) => new RegExp(`^completed: run 2 completed from several snapshots: rows from 2 snapshots of the source; this run copied ${48000 - before.length * 8000} rows .*; the task: 48000 rows .* over 2 run\\(s\\)`).test(k)), kinds.join('\n'));
      const text = await cli(['task', 'show', id]);
      assert.match(text.stdout, /copied: 48000 rows, .* over 2 run\(s\)\n {2}run 1 \(start\) .*: stopped {5}\d+ rows/);

      const view = await a.call('GET', `/api/tasks/${id}`);
      assert.deepEqual([view.json.state, view.json.totals.rows, view.json.totals.runs], ['completed from several snapshots', 48000, 2]);

      // verify through the API: stored with the task, in the history, and there after a restart
      const v = await a.call('POST', `/api/tasks/${id}/verify`);
      assert.equal(v.status, 200);
      assert.equal(v.json.ok, true, JSON.stringify(v.json));
      assert.equal(v.json.tables.length, 6);
      assert.ok(!Number.isNaN(Date.parse(v.json.at)));
      await a.close();
      await store.close();
      restarted = await api();
      const got = await restarted.api.call('GET', `/api/tasks/${id}/verify`);
      assert.equal(got.status, 200);
      assert.deepEqual(got.json, v.json, 'the same report, with when it ran');
      const tables = (got.json.tables as { table: string; sourceRows: number; targetRows: number }[]).map((t) => [t.table, t.sourceRows, t.targetRows]).sort();
      assert.deepEqual(tables, [0, 1, 2, 3, 4, 5].map((i) => [`public.t${i}`, 8000, 8000]));
      const history = (await restarted.api.call('GET', `/api/tasks/${id}/progress`)).json.history as { at: string; kind: string; message: string; data: { at: string } }[];
      const line = history.find((h) => h.kind === 'verify')!;
      assert.match(line.message, /^verify passed: 6 tables, 0 sequences, 0 large objects equal/);
      assert.equal(line.data.at, v.json.at);
      assert.match((await cli(['task', 'show', id])).stdout, new RegExp(`verify: passed at ${v.json.at.replace(/[.]/g, '\\.')} \\(6 tables`));
    } finally {
      if (!restarted) {
        await a.close().catch(() => {});
        await store.close();
      } else {
        await restarted.api.close();
        await restarted.store.close();
      }
    }
  });
});
