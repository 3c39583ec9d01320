/**
 * Fleet mode: three `pgferry worker` processes over one PostgreSQL store, each standing for a
 * machine of its own (PGFERRY_MACHINE_ID, so runs are judged by their heartbeat, as across
 * machines). Twenty small databases migrated as twenty tasks at once, queued and spread over the
 * workers: every target equals its source. Then a worker's "machine" is killed (SIGKILL of its
 * process group, its runs with it) in the middle of a run: another worker takes the task over
 * from its checkpoints, the target equals the source (no table doubled), and the time to take
 * over is measured and reported. And a worker frozen (SIGSTOP: a machine cut off, its sessions
 * still open and its run lock held): the new run ends the frozen run's sessions before it takes
 * the lock, and when the frozen one wakes it changes nothing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../src/task/open-store.js';
import { createTask, precheckTask } from '../../src/task/task-service.js';
import { startTask } from '../../src/fleet/dispatch.js';
import type { TaskRecord, TaskStore } from '../../src/task/task-store.js';
import { execSql, freshDatabase, server } from '../harness/servers.js';
import { allCompleted, sleep, startWorker, stopWorkers, type FleetWorkerProcess } from '../harness/fleet-workers.js';
import { tableDigests } from '../harness/data-oracle.js';
import { startApi } from '../harness/api-server.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-fleet-'));
const keyFile = path.join(dir, 'secret.key');

type Worker = FleetWorkerProcess;

describe('fleet mode', () => {
  const workers: Worker[] = [];
  let store: TaskStore;
  let storeUri = '';

  before(async () => {
    storeUri = (await freshDatabase(await server('17', 'dst'), 'fleet_store')).uri;
    store = await openStore(storeUri);
    for (const name of ['w1', 'w2', 'w3']) workers.push(await startWorker(storeUri, name, dir, keyFile));
  });
  after(async () => {
    await stopWorkers(workers);
    await store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('twenty databases as twenty tasks at once, spread over three workers: every target equals its source', async () => {
    const s = await server('15', 'src');
    const d = await server('15', 'dst');
    const pairs = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
      const src = await freshDatabase(s, `fleet_src${i}`);
      await execSql(src.uri, `CREATE TABLE a (id serial PRIMARY KEY, v text); INSERT INTO a (v) SELECT md5(g::text) FROM generate_series(1, ${1000 + i * 100}) g;
        CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a, n numeric); INSERT INTO b SELECT g, g, g / 7.0 FROM generate_series(1, 500) g;`);
      return { source: src.uri, target: (await freshDatabase(d, `fleet_dst${i}`)).uri };
    }));
    const ids: string[] = [];
    for (const [i, p] of pairs.entries()) ids.push((await createTask(store, { name: `fleet-${i}`, source: p.source, target: p.target, options: { jobs: 1 } }, keyFile)).id);
    for (let i = 0; i < ids.length; i += 5) await Promise.all(ids.slice(i, i + 5).map((id) => precheckTask(store, id, keyFile)));
    const t0 = Date.now();
    const started = await Promise.all(ids.map((id) => startTask(store, id, { resume: false, keyFile })));
    assert.ok(started.every((r) => r.queued && r.workers === 3), JSON.stringify(started));
    const done = await allCompleted(store, ids, 300_000);
    const seconds = (Date.now() - t0) / 1000;
    const byWorker = new Map<string, number>();
    for (const t of done) byWorker.set(t.worker ?? 'none', (byWorker.get(t.worker ?? 'none') ?? 0) + 1);
    assert.ok([...byWorker.keys()].every((w) => ['w1', 'w2', 'w3'].includes(w)), JSON.stringify([...byWorker]));
    assert.ok(byWorker.size >= 2, `runs spread over the workers: ${JSON.stringify([...byWorker])}`);
    for (const [i, p] of pairs.entries()) assert.deepEqual(await tableDigests(p.target), await tableDigests(p.source), `task fleet-${i}`);
    // the API shows the workers, each task's worker, and the fleet's metrics
    const api = await startApi({ store });
    try {
      const seen = (await api.call('GET', '/api/workers')).json as { workers: { name: string; live: boolean; concurrency: number }[] };
      assert.deepEqual(seen.workers.map((w) => [w.name, w.live, w.concurrency]).sort(), [['w1', true, 2], ['w2', true, 2], ['w3', true, 2]]);
      const listed = (await api.call('GET', '/api/tasks')).json.tasks as { name: string; worker: string }[];
      assert.ok(listed.filter((t) => t.name.startsWith('fleet-')).every((t) => ['w1', 'w2', 'w3'].includes(t.worker)), JSON.stringify(listed));
      const metrics = (await api.call('GET', '/metrics')).text;
      for (const w of ['w1', 'w2', 'w3']) assert.match(metrics, new RegExp(`pgferry_worker_heartbeat_age_seconds\\{worker="${w}",host="[^"]+"\\} \\d`));
      assert.match(metrics, /pgferry_queue_waiting_jobs 0/);
      assert.match(metrics, /pgferry_tasks\{state="completed"\} 20/);
    } finally {
      await api.close();
    }
    console.log(`# fleet: 20 tasks completed in ${seconds.toFixed(1)} s over ${JSON.stringify(Object.fromEntries(byWorker))}`);
  });

  /**
   * Starts a rate-limited task, and once a table is in, does `blow` to the worker that runs it.
   * Returns the task, the victim and how long until another worker's run held the task.
   */
  async function takeover(label: string, blow: (victim: Worker) => void): Promise<{ id: string; victim: Worker; seconds: number; src: string; dst: string }> {
    const src = await freshDatabase(await server('15', 'src'), label);
    await execSql(src.uri, Array.from({ length: 8 }, (_, i) => `CREATE TABLE t${i} (id int PRIMARY KEY, pad text);
      INSERT INTO t${i} SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 8000) g;`).join('\n'));
    const dst = await freshDatabase(await server('15', 'dst'), label);
    const id = (await createTask(store, { name: label, source: src.uri, target: dst.uri, options: { jobs: 1, maxRateMBps: 1 } }, keyFile)).id;
    await precheckTask(store, id, keyFile);
    assert.equal((await startTask(store, id, { resume: false, keyFile })).queued, true);
    // running, with a table done: hit in the middle of the copy
    let first: TaskRecord;
    for (;;) {
      first = await store.get(id);
      if (first.state === 'failed') assert.fail(first.error ?? 'failed');
      if (first.state === 'running' && first.worker && (await store.units(id)).some((u) => u.state === 'done')) break;
      await sleep(200);
    }
    const victim = workers.find((w) => w.name === first.worker)!;
    blow(victim);
    const hitAt = Date.now();
    for (;;) {
      const t = await store.get(id);
      if (t.worker && t.worker !== victim.name && t.state === 'running') break;
      if (Date.now() - hitAt > 120_000) assert.fail(`not taken over in 120 s: ${t.state}, worker ${t.worker}`);
      await sleep(200);
    }
    return { id, victim, seconds: (Date.now() - hitAt) / 1000, src: src.uri, dst: dst.uri };
  }

  it("a worker's machine killed in the middle of a run: another worker takes the task over and the target equals the source", async () => {
    // SIGKILL of the worker's process group: the worker and its runs die at once, their sessions closed by the kernel
    const r = await takeover('fleet_killed', (v) => process.kill(-v.proc.pid!, 'SIGKILL'));
    const [done] = await allCompleted(store, [r.id], 180_000);
    assert.notEqual(done.worker, r.victim.name);
    assert.deepEqual(await tableDigests(r.dst), await tableDigests(r.src));
    const history = await store.history(r.id);
    assert.ok(history.some((h) => h.kind === 'takeover' && h.message.includes(`the run on worker ${r.victim.name} is gone`)), history.map((h) => h.message).join('\n'));
    assert.deepEqual((await store.runs(r.id)).map((x) => [x.kind, x.state]), [['start', 'interrupted'], ['resume', 'completed']]);
    assert.ok(r.seconds <= 60, `taken over in ${r.seconds.toFixed(1)} s`);
    console.log(`# fleet: the run of killed worker ${r.victim.name} was taken over by ${done.worker} ${r.seconds.toFixed(1)} s after the kill`);
  });

  it('a worker frozen in the middle of a run (a machine cut off): taken over, its sessions fenced; woken, the zombie changes nothing', async () => {
    // SIGSTOP: the worker and its run stay, with their sessions open and the run lock held, but say nothing
    const r = await takeover('fleet_frozen', (v) => process.kill(-v.proc.pid!, 'SIGSTOP'));
    const [done] = await allCompleted(store, [r.id], 180_000);
    const log = fs.readFileSync(path.join(dir, `logs-${done.worker}`, `${r.id}.log`), 'utf8');
    assert.match(log, /ended \d+ session\(s\) an earlier process of this run still had on the target/, 'the new run fenced the frozen one');
    // the zombie wakes: its sessions are gone and the task is not its own any more
    process.kill(-r.victim.proc.pid!, 'SIGCONT');
    await sleep(5000);
    const after = await store.get(r.id);
    assert.deepEqual([after.state, after.worker, after.error], ['completed', done.worker, null]);
    assert.deepEqual(await tableDigests(r.dst), await tableDigests(r.src));
    process.kill(-r.victim.proc.pid!, 'SIGKILL');
    assert.ok(r.seconds <= 60, `taken over in ${r.seconds.toFixed(1)} s`);
    console.log(`# fleet: the run of frozen worker ${r.victim.name} was taken over by ${done.worker} ${r.seconds.toFixed(1)} s after it froze`);
  });

  it('three workers started at once on a fresh store: each sets up or finds the queue, and all three start', async () => {
    const fresh = (await freshDatabase(await server('17', 'dst'), 'fleet_fresh_store')).uri;
    const started = await Promise.allSettled(['f1', 'f2', 'f3'].map((name) => startWorker(fresh, name, dir, keyFile)));
    const up = started.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<Worker>).value);
    await stopWorkers(up);
    assert.deepEqual(started.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled'], started.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok')).join('\n'));
    const queues = await execSql(fresh, "SELECT name FROM pgferry_queue.queue ORDER BY name");
    assert.deepEqual(queues.rows.map((r) => r.name), ['pgferry-cdc-lane', 'pgferry-task-run', 'pgferry-unit-copy', 'pgferry-verify-part']);
  });
});
