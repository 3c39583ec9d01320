/**
 * GET /metrics against a real migration: refused without the token; with it, Prometheus's text
 * format with every task state counted (0 for the empty ones), and a completed task's units,
 * rows and bytes equal to what its run recorded and what the target holds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { execSql, freshDatabase, server } from '../harness/servers.js';
import { startApi, type TestApi } from '../harness/api-server.js';
import { waitFor } from '../harness/wait.js';

/** `name{labels} value` lines of a scrape, as name → [labels text, value]. */
function samples(text: string, name: string): [string, number][] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `)).map((l) => {
    const m = /^[^{ ]+(?:\{(.*)\})? (\S+)$/.exec(l)!;
    return [m[1] ?? '', Number(m[2])];
  });
}

describe('GET /metrics', () => {
  let api: TestApi;
  before(async () => {
    api = await startApi();
  });
  after(async () => api?.close());

  it('reports the store\'s tasks in Prometheus format, behind the token', async () => {
    const s = await server('15', 'src');
    const src = await freshDatabase(s, 'metrics');
    await execSql(src.uri, `
      CREATE TABLE a (id int PRIMARY KEY, v text); INSERT INTO a SELECT g, md5(g::text) FROM generate_series(1, 3000) g;
      CREATE TABLE b (id int PRIMARY KEY); INSERT INTO b SELECT generate_series(1, 500);`);
    const d = await server('15', 'dst');
    const dst = await freshDatabase(d, 'metrics');

    assert.equal((await api.call('GET', '/metrics', undefined, null)).status, 401);
    const empty = await api.call('GET', '/metrics');
    assert.equal(empty.status, 200);
    assert.match(empty.headers['content-type'], /^text\/plain; version=0\.0\.4/);
    assert.deepEqual(samples(empty.text, 'pgferry_tasks').find(([l]) => l === 'state="created"'), ['state="created"', 0]);

    const created = await api.call('POST', '/api/tasks', { name: 'metrics-move', source: src.uri, target: dst.uri });
    assert.equal(created.status, 201, created.text);
    const id = created.json.id as string;
    assert.equal((await api.call('POST', `/api/tasks/${id}/precheck`)).json.passed, true);
    assert.equal((await api.call('POST', `/api/tasks/${id}/start`)).status, 202);
    await waitFor('the run to end', async () => ((await api.call('GET', `/api/tasks/${id}`)).json.state === 'completed' ? true : undefined), 120_000);

    const text = (await api.call('GET', '/metrics')).text;
    const states = new Map(samples(text, 'pgferry_tasks'));
    assert.equal(states.get('state="completed"'), 1);
    assert.equal(states.get('state="running"'), 0);
    assert.equal(states.size, 12, 'every state a task can show');
    assert.equal(states.get('state="queued"'), 0);
    const of = (name: string) => samples(text, name).find(([l]) => l === `task_id="${id}",task_name="metrics-move"`)?.[1];
    assert.equal(of('pgferry_task_units'), 2);
    assert.equal(of('pgferry_task_units_done'), 2);
    assert.equal(of('pgferry_task_rows_copied'), 3500);
    const progress = (await api.call('GET', `/api/tasks/${id}/progress`)).json;
    assert.equal(of('pgferry_task_bytes_copied'), progress.runs.reduce((n: number, r: { bytes: number }) => n + r.bytes, 0));
    assert.equal(of('pgferry_task_progress_ratio'), 1);
    assert.equal(of('pgferry_task_retries'), 0);
    const onTarget = await execSql(dst.uri, 'SELECT (SELECT count(*) FROM a) + (SELECT count(*) FROM b) AS n');
    assert.equal(Number(onTarget.rows[0].n), 3500);
    // the serving process's own, and the help and type lines Prometheus reads
    assert.ok(samples(text, 'pgferry_serve_process_resident_memory_bytes')[0][1] > 0);
    assert.match(text, /^# TYPE pgferry_task_rows_copied gauge$/m);
  });
});
