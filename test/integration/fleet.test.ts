/**
 * Fleet mode: three `pgferry worker` processes over one PostgreSQL store, each standing for a
 * machine of its own (PGFERRY_MACHINE_ID, so runs are judged by their heartbeat, as across
 * machines). Twenty small databases migrated as twenty tasks at once, queued and spread over the
 * workers: every target equals its source. Then a worker's "machine" is killed (SIGKILL of its
 * process group, its runs with it) in the middle of a run: another worker takes the task over
 * from its checkpoints, the target equals the source (no table doubled), and the time to take
 * over is measured and reported.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../src/task/open-store.js';
import { createTask, precheckTask } from '../../src/task/task-service.js';
import { startTask } from '../../src/fleet/dispatch.js';
import type { TaskRecord, TaskStore } from '../../src/task/task-store.js';
import { execSql, freshDatabase, server } from '../harness/servers.js';
import { BIN } from '../harness/cli.js';
import { tableDigests } from '../harness/data-oracle.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-fleet-'));
const keyFile = path.join(dir, 'secret.key');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Worker { name: string; proc: ChildProcess; out: string[] }

/** Starts a worker as a machine of its own: its own process group (killed whole) and machine id. */
async function startWorker(storeUri: string, name: string): Promise<Worker> {
  const env = { ...process.env, PGFERRY_STORE: storeUri, PGFERRY_KEY_FILE: keyFile, PGFERRY_LOG_DIR: path.join(dir, `logs-${name}`), PGFERRY_MACHINE_ID: `machine-${name}` };
  const proc = spawn(process.execPath, [BIN, 'worker', '--name', name, '--concurrency', '2'], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const w: Worker = { name, proc, out: [] };
  proc.stdout!.on('data', (d: Buffer) => w.out.push(d.toString()));
  proc.stderr!.on('data', (d: Buffer) => w.out.push(d.toString()));
  await new Promise<void>((resolve, reject) => {
    const check = () => (w.out.join('').includes('takes up to') ? resolve() : undefined);
    proc.stdout!.on('data', check);
    proc.once('exit', (c) => reject(new Error(`worker ${name} exited ${c}: ${w.out.join('')}`)));
  });
  return w;
}

/** Waits until every task is completed (failing at once on a failed one), up to `ms`. */
async function allCompleted(store: TaskStore, ids: string[], ms: number): Promise<TaskRecord[]> {
  const t0 = Date.now();
  for (;;) {
    const tasks = await Promise.all(ids.map((id) => store.get(id)));
    const failed = tasks.find((t) => t.state === 'failed');
    if (failed) assert.fail(`task ${failed.name} failed: ${failed.error}`);
    if (tasks.every((t) => t.state === 'completed')) return tasks;
    if (Date.now() - t0 > ms) assert.fail(`not all completed after ${ms / 1000} s: ${tasks.map((t) => `${t.name} ${t.state}/${t.phase}`).join(', ')}`);
    await sleep(500);
  }
}

describe('fleet mode', () => {
  const workers: Worker[] = [];
  let store: TaskStore;
  let storeUri = '';

  before(async () => {
    storeUri = (await freshDatabase(await server('17', 'dst'), 'fleet_store')).uri;
    store = await openStore(storeUri);
    for (const name of ['w1', 'w2', 'w3']) workers.push(await startWorker(storeUri, name));
  });
  after(async () => {
    for (const w of workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGTERM');
    await Promise.all(workers.map((w) => (w.proc.exitCode === null && w.proc.signalCode === null ? new Promise((r) => w.proc.once('exit', r)) : Promise.resolve())));
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
    console.log(`# fleet: 20 tasks completed in ${seconds.toFixed(1)} s over ${JSON.stringify(Object.fromEntries(byWorker))}`);
  });

  it("a worker's machine killed in the middle of a run: another worker takes the task over and the target equals the source", async () => {
    const src = await freshDatabase(await server('15', 'src'), 'fleet_big');
    await execSql(src.uri, Array.from({ length: 8 }, (_, i) => `CREATE TABLE t${i} (id int PRIMARY KEY, pad text);
      INSERT INTO t${i} SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 8000) g;`).join('\n'));
    const dst = await freshDatabase(await server('15', 'dst'), 'fleet_big');
    const id = (await createTask(store, { name: 'fleet-big', source: src.uri, target: dst.uri, options: { jobs: 1, maxRateMBps: 1 } }, keyFile)).id;
    await precheckTask(store, id, keyFile);
    assert.equal((await startTask(store, id, { resume: false, keyFile })).queued, true);
    // running, with a table done: killed in the middle of the copy
    let first: TaskRecord;
    for (;;) {
      first = await store.get(id);
      if (first.state === 'failed') assert.fail(first.error ?? 'failed');
      if (first.state === 'running' && first.worker && (await store.units(id)).some((u) => u.state === 'done')) break;
      await sleep(200);
    }
    const victim = workers.find((w) => w.name === first.worker)!;
    process.kill(-victim.proc.pid!, 'SIGKILL');
    const killedAt = Date.now();
    let takenBy: TaskRecord;
    for (;;) {
      takenBy = await store.get(id);
      if (takenBy.worker && takenBy.worker !== victim.name && takenBy.state === 'running') break;
      if (Date.now() - killedAt > 120_000) assert.fail(`not taken over in 120 s: ${takenBy.state}, worker ${takenBy.worker}`);
      await sleep(200);
    }
    const takeover = (Date.now() - killedAt) / 1000;
    const [done] = await allCompleted(store, [id], 180_000);
    assert.notEqual(done.worker, victim.name);
    assert.deepEqual(await tableDigests(dst.uri), await tableDigests(src.uri));
    const history = await store.history(id);
    assert.ok(history.some((h) => h.kind === 'takeover' && h.message.includes(`the run on worker ${victim.name} is gone`)), history.map((h) => h.message).join('\n'));
    const runs = await store.runs(id);
    assert.deepEqual(runs.map((r) => [r.kind, r.state]), [['start', 'interrupted'], ['resume', 'completed']]);
    assert.ok(takeover <= 60, `taken over in ${takeover.toFixed(1)} s`);
    console.log(`# fleet: the run of killed worker ${victim.name} was taken over by ${takenBy.worker} ${takeover.toFixed(1)} s after the kill`);
  });
});
