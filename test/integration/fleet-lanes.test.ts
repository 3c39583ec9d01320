/**
 * Fleet mode, a spread stream: an incremental task through three lanes on a fleet of three
 * workers (each a machine of its own). The run that holds the task keeps lane 0; the other two
 * go to the queue and are applied by workers. A writer works on the source the whole time (some of
 * its transactions write tables of two lanes, one of them large). A worker that applies a lane is
 * SIGKILLed: another takes the lane over from the position the target recorded. Then the
 * cutover: every lane up to the same position; the target equals the source table by table, the
 * sequences are equal, no slot or publication is left, and the history says which worker applied
 * which lane.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../src/task/open-store.js';
import { createTask, precheckTask, requestCutover, stopTask } from '../../src/task/task-service.js';
import { startTask } from '../../src/fleet/dispatch.js';
import type { TaskStore, WorkerRecord } from '../../src/task/task-store.js';
import type { LaneReport } from '../../src/run/run-options.js';
import { changeSchema, startWriter, dropLeftSlots, leftStreamObjects } from '../harness/change-writer.js';
import { sequenceStates, tableDigests } from '../harness/data-oracle.js';
import { execSql, freshDatabase, server } from '../harness/servers.js';
import { sleep, startWorker, stopWorkers, type FleetWorkerProcess } from '../harness/fleet-workers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-fleet-lanes-'));
const keyFile = path.join(dir, 'secret.key');

/** The lane jobs the live workers hold now: job id → worker. */
function laneHolders(workers: WorkerRecord[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const w of workers) if (w.heartbeatAge < 10) for (const u of w.units) if (u.startsWith('lane:')) out.set(u, w.name);
  return out;
}

describe('fleet mode: an incremental task whose lanes the workers apply', () => {
  const workers: FleetWorkerProcess[] = [];
  let store: TaskStore;
  let storeUri = '';

  before(async () => {
    storeUri = (await freshDatabase(await server('17', 'dst'), 'lanes_store')).uri;
    store = await openStore(storeUri);
    for (let i = 1; i <= 3; i++) workers.push(await startWorker(storeUri, `l${i}`, dir, keyFile));
  });
  after(async () => {
    await stopWorkers(workers);
    await store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A source with the change writer's tables (`rows` in its bulk table) and the writer at work on it, and an empty target. */
  async function writtenSource(label: string, rows: number) {
    const src = await freshDatabase(await server('15', 'src'), label);
    const dst = await freshDatabase(await server('15', 'dst'), label);
    await execSql(src.uri, changeSchema(rows));
    return { src, dst, writer: startWriter(src.uri, '15', rows / 2) };
  }

  /** An incremental task through three lanes, prechecked and queued for the fleet; its id. */
  async function queuedLanesTask(label: string, src: string, dst: string): Promise<string> {
    const id = (await createTask(store, { name: label, source: src, target: dst, incremental: true, options: { jobs: 2, streamLanes: 3 } }, keyFile)).id;
    await precheckTask(store, id, keyFile);
    assert.equal((await startTask(store, id, { resume: false, keyFile })).queued, true);
    return id;
  }

  /** Cuts the task over (writes stopped by the test) and checks the target is the source, with no slot or publication left. */
  async function cutOverExact(id: string, src: string, dst: string) {
    const done = await requestCutover(store, id, { blockWrites: false, maxLagSeconds: 5, verify: false }, true, 600_000);
    assert.equal(done.state, 'completed', `${done.error}`);
    const [s, d] = await Promise.all([tableDigests(src), tableDigests(dst)]);
    assert.deepEqual(Object.fromEntries(d), Object.fromEntries(s));
    assert.deepEqual(Object.fromEntries(await sequenceStates(dst)), Object.fromEntries(await sequenceStates(src)));
    assert.deepEqual(await leftStreamObjects(src), []);
    return done;
  }

  it('two of three lanes applied by other workers, one of them killed mid-stream: exact after the cutover', async () => {
    const { src, dst, writer } = await writtenSource('fleet_lanes', 100_000);
    try {
      const id = await queuedLanesTask('fleet_lanes', src.uri, dst.uri);

      // the stream starts with lane 0 in the run and two lanes on the workers, each reporting
      const t0 = Date.now();
      let holders = new Map<string, string>();
      let reports: LaneReport[] = [];
      for (;;) {
        const t = await store.get(id);
        if (t.state === 'failed') assert.fail(`task failed: ${t.error}`);
        const ws = await store.workers();
        holders = laneHolders(ws);
        reports = ws.flatMap((w) => Object.entries(w.progress ?? {}).filter(([k]) => k.startsWith('lane:')).map(([, v]) => v as LaneReport));
        if (t.phase === 'stream' && holders.size === 2 && reports.length === 2 && reports.every((r) => r.transactions > 0)) break;
        if (Date.now() - t0 > 300_000) assert.fail(`lanes not spread after 300 s: ${t.state}/${t.phase}, ${JSON.stringify([...holders])}; ${(await store.history(id)).map((h) => h.message).join(' | ')}`);
        await sleep(500);
      }
      const history = await store.history(id);
      assert.ok(history.some((h) => h.kind === 'spread' && /^stream lanes spread over the fleet's workers: lane 0 in the run, 2 lane\(s\) over 3 live workers/.test(h.message)), history.map((h) => h.message).join('\n'));
      // the run's status counts the lanes elsewhere
      const status = (await store.get(id)).streamStatus;
      assert.equal(status?.lanes, 3);
      assert.equal(Object.keys(status?.lanesElsewhere ?? {}).length, 2, JSON.stringify(status));

      // a large transaction, then a worker that applies a lane is killed (not the one whose process leads, when there is one)
      writer.big();
      await sleep(1500);
      const leaderWorker = (await store.get(id)).worker;
      const [job, victimName] = [...holders].find(([, w]) => w !== leaderWorker) ?? [...holders][0];
      const victim = workers.find((w) => w.name === victimName)!;
      const killedAt = Date.now();
      process.kill(-victim.proc.pid!, 'SIGKILL');
      await new Promise((r) => victim.proc.once('exit', r));
      // a lane's own worker killed: another takes the same job over; the leader's worker killed
      // (when it applied both lanes): the run is taken over and sends its lanes again
      const leaderKilled = victimName === leaderWorker;
      let takenOver = 0;
      for (;;) {
        const now = laneHolders(await store.workers());
        const t = await store.get(id);
        if (t.state === 'failed') assert.fail(`task failed: ${t.error}`);
        const again = leaderKilled ? t.state === 'running' && t.phase === 'stream' && now.size === 2 : Boolean(now.get(job));
        if (again && ![...now.values()].includes(victimName)) {
          takenOver = (Date.now() - killedAt) / 1000;
          break;
        }
        if (Date.now() - killedAt > 120_000) assert.fail(`lane ${job} of killed worker ${victimName} not taken over in 120 s`);
        await sleep(250);
      }
      console.log(`# ${leaderKilled ? `the leader's worker ${victimName} (it held both lanes) killed: the run taken over and its lanes applied again` : `lane ${job} of worker ${victimName} taken over`} ${takenOver.toFixed(1)} s after the SIGKILL`);
      assert.ok(takenOver < (leaderKilled ? 90 : 60), `taken over in ${takenOver} s`);
      await sleep(2000);

      const steps = await writer.stop();
      assert.ok(steps > 100, `the writer made ${steps} steps`);
      // a transaction across lanes, last: each lane brings its part
      await execSql(src.uri, "BEGIN; INSERT INTO items VALUES (-1, 'last', -1); INSERT INTO ser (v) VALUES ('last'); INSERT INTO parted VALUES (1, 'last-low'), (3000000, 'last-high') ON CONFLICT DO NOTHING; UPDATE bulk SET pad = 'last' WHERE id = 1; COMMIT");
      const done = await cutOverExact(id, src.uri, dst.uri);
      const end = (await store.history(id)).find((h) => h.kind === 'spread' && h.message.startsWith('stream lanes by worker'));
      assert.ok(end, (await store.history(id)).map((h) => h.message).join('\n'));
      const lanes = (end.data as { lanes: Record<string, string> }).lanes;
      assert.equal(Object.keys(lanes).length, 2);
      assert.ok(!Object.values(lanes).includes(victimName), `a lane ended on the killed worker: ${JSON.stringify(lanes)}`);
      // the cutover's check ran, reading the lanes' tables elsewhere whole
      const summary = done.summary as { cutover?: { check?: { ok: boolean; differences: string[] } } };
      assert.equal(summary.cutover?.check?.ok, true, JSON.stringify(summary.cutover?.check));
    } finally {
      await writer.stop().catch(() => 0);
      await dropLeftSlots(src.uri);
    }
  });

  /** Waits until the task streams with its two lanes applied by live workers other than `not`; returns the holders. */
  async function spreadAgain(id: string, not: string[], ms: number): Promise<Map<string, string>> {
    const t0 = Date.now();
    for (;;) {
      const t = await store.get(id);
      if (t.state === 'failed') assert.fail(`task failed: ${t.error}`);
      const holders = laneHolders(await store.workers());
      if (t.state === 'running' && t.phase === 'stream' && holders.size === 2 && ![...holders.values()].some((w) => not.includes(w))) return holders;
      if (Date.now() - t0 > ms) assert.fail(`lanes not applied again in ${ms / 1000} s: ${t.state}/${t.phase}, ${JSON.stringify([...holders])}`);
      await sleep(250);
    }
  }

  it('a stop ends the lanes elsewhere and a resume sends them again; the leader killed: its successor does too; exact after the cutover', async () => {
    const killed = workers.filter((w) => w.proc.exitCode !== null || w.proc.signalCode !== null).map((w) => w.name);
    // three live workers again
    for (let i = 0; i < killed.length; i++) workers.push(await startWorker(storeUri, `l${workers.length + 1}`, dir, keyFile));
    const { src, dst, writer } = await writtenSource('fleet_lanes_stop', 50_000);
    try {
      const id = await queuedLanesTask('fleet_lanes_stop', src.uri, dst.uri);
      const first = await spreadAgain(id, killed, 300_000);
      await sleep(1500);

      // a stop: every lane elsewhere confirms what it applied and ends, and its worker lets go of it
      const stopped = await stopTask(store, id, true, 120_000);
      assert.equal(stopped.state, 'stopped');
      const t0 = Date.now();
      while (laneHolders(await store.workers()).size) {
        if (Date.now() - t0 > 15_000) assert.fail(`lane jobs still held 15 s after the stop: ${JSON.stringify([...laneHolders(await store.workers())])}`);
        await sleep(250);
      }
      const slots = await execSql(src.uri, "SELECT count(*)::int AS n FROM pg_replication_slots WHERE database = current_database() AND slot_name LIKE 'pgferry%' AND NOT active");
      assert.equal(slots.rows[0].n, 3, 'the three slots are kept, none read');

      // the resume sends the lanes again (new jobs)
      assert.equal((await startTask(store, id, { resume: true, keyFile })).queued, true);
      const second = await spreadAgain(id, killed, 120_000);
      assert.ok([...second.keys()].every((j) => !first.has(j)), 'new lane jobs');

      // the leader's worker killed (and with it any lane it applied): the successor sends them again
      const leaderWorker = (await store.get(id)).worker!;
      const victim = workers.find((w) => w.name === leaderWorker)!;
      const killedAt = Date.now();
      process.kill(-victim.proc.pid!, 'SIGKILL');
      await new Promise((r) => victim.proc.once('exit', r));
      workers.push(await startWorker(storeUri, `l${workers.length + 1}`, dir, keyFile));
      await spreadAgain(id, [...killed, leaderWorker], 180_000);
      console.log(`# the leader's worker ${leaderWorker} killed: the run taken over and its lanes applied again ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the SIGKILL`);
      await sleep(2000);

      await writer.stop();
      await cutOverExact(id, src.uri, dst.uri);
    } finally {
      await writer.stop().catch(() => 0);
      await dropLeftSlots(src.uri);
    }
  });
});
