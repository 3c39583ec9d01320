/**
 * Fleet mode, a spread copy: one database's copy units spread over three worker processes (each a
 * machine of its own). The run that holds the task (the leader) keeps the snapshot and the schema;
 * workers join its snapshot and copy units. Then a worker is killed in the middle of a unit: its
 * unit goes back to the queue and another worker copies it (no table doubled); and the leader's
 * machine is killed: the task goes on from a new snapshot on another worker and says so. A verify's
 * key ranges are read by the workers too (the same verdicts as one process), also when one of them
 * is killed with a part in hand.
 *
 * The database is small here (PGFERRY_FLEET_SPREAD_MB, default 16, sets its size: the closing
 * note of the session that built this ran it with 1100); workers spread anything
 * (PGFERRY_SPREAD_MIN_BYTES=1).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { freePort } from '../../src/server/local-server.js';
import { openStore } from '../../src/task/open-store.js';
import { createTask, precheckTask, stopTask, verifyTask } from '../../src/task/task-service.js';
import { startTask } from '../../src/fleet/dispatch.js';
import { setHostLimit } from '../../src/task/host-limits.js';
import { runVerify } from '../../src/verify/run-verify.js';
import { unitLockKeys } from '../../src/run/ordered-unit.js';
import { resolveConnInfo } from '../../src/config/conninfo.js';
import type { MigrationSummary } from '../../src/run/events.js';
import type { TaskStore } from '../../src/task/task-store.js';
import { execSql, freshDatabase, server } from '../harness/servers.js';
import { tableDigests } from '../harness/data-oracle.js';
import { BIN } from '../harness/cli.js';
import { seriousViolations } from '../harness/axe.js';
import { allCompleted, sleep, startWorker, stopWorkers, type FleetWorkerProcess } from '../harness/fleet-workers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-spread-'));
const keyFile = path.join(dir, 'secret.key');
const TOTAL_MB = Number(process.env.PGFERRY_FLEET_SPREAD_MB || 16);
const TABLES = 16;
const TOKEN = 'fleet-console-token';
const SHOTS = path.resolve(import.meta.dirname, '../../test-artifacts/console');

/** The rows of each table of a source of `totalMb`. */
const tableRows = (totalMb = TOTAL_MB) => Math.max(1000, Math.round((totalMb * 1024 * 1024) / TABLES / 170));

/** A source of TABLES tables of about TOTAL_MB / TABLES each (rows of ~170 bytes on disk), with keys and an index. */
async function source(label: string, totalMb = TOTAL_MB): Promise<string> {
  const src = await freshDatabase(await server('15', 'src'), label);
  const rows = tableRows(totalMb);
  for (let i = 0; i < TABLES; i++)
    await execSql(src.uri, `CREATE TABLE t${i} (id int PRIMARY KEY, pad text, n numeric, at timestamptz);
      INSERT INTO t${i} SELECT g, repeat(md5((g * ${i + 1})::text), 3), g / 7.0, timestamptz '2026-01-01' + g * interval '1 s' FROM generate_series(1, ${rows}) g;
      CREATE INDEX ON t${i} (n)`);
  await execSql(src.uri, 'VACUUM ANALYZE');
  return src.uri;
}

describe('fleet mode: one database spread over the workers', () => {
  const workers: FleetWorkerProcess[] = [];
  let store: TaskStore;
  let storeUri = '';
  let next = 1;
  const env = { PGFERRY_SPREAD_MIN_BYTES: '1' };
  const addWorker = async (args: string[] = []) => workers.push(await startWorker(storeUri, `s${next++}`, dir, keyFile, env, args));
  let metricsPort = 0;

  before(async () => {
    storeUri = (await freshDatabase(await server('17', 'dst'), 'spread_store')).uri;
    store = await openStore(storeUri);
    // the first worker serves its own metrics
    metricsPort = await freePort();
    await addWorker(['--metrics-port', String(metricsPort)]);
    for (let i = 0; i < 2; i++) await addWorker();
  });
  after(async () => {
    await stopWorkers(workers);
    await store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Creates, prechecks and queues a task from `src` into a fresh target; `jobs` units in flight at once over the fleet. */
  async function queued(label: string, src: string, options: { jobs: number; maxRateMBps?: number }): Promise<{ id: string; dst: string }> {
    const dst = (await freshDatabase(await server('15', 'dst'), label)).uri;
    const id = (await createTask(store, { name: label, source: src, target: dst, options }, keyFile)).id;
    await precheckTask(store, id, keyFile);
    assert.equal((await startTask(store, id, { resume: false, keyFile })).queued, true);
    return { id, dst };
  }

  async function unitsByWorker(id: string): Promise<Record<string, number>> {
    const line = (await store.history(id)).find((h) => h.kind === 'spread' && h.message.startsWith('copy units by worker'));
    assert.ok(line, (await store.history(id)).map((h) => `${h.kind}: ${h.message}`).join('\n'));
    return (line.data as { byWorker: Record<string, number> }).byWorker;
  }

  it('the copy units of one database go to all three workers; the target equals the source, from one snapshot', async () => {
    const src = await source('spread_whole');
    const t0 = Date.now();
    const { id, dst } = await queued('spread_whole', src, { jobs: 4 });
    const [done] = await allCompleted(store, [id], 1_800_000);
    const seconds = (Date.now() - t0) / 1000;
    const byWorker = await unitsByWorker(id);
    assert.equal(Object.values(byWorker).reduce((a, n) => a + n, 0), TABLES);
    // each unit names the worker that copied it, as the history's count does
    const perUnit: Record<string, number> = {};
    for (const u of await store.units(id)) perUnit[u.worker ?? 'none'] = (perUnit[u.worker ?? 'none'] ?? 0) + 1;
    assert.deepEqual(perUnit, byWorker);
    assert.ok(Object.keys(byWorker).length >= 2, `units spread over the workers: ${JSON.stringify(byWorker)}`);
    assert.equal((done.summary as MigrationSummary).dataSnapshots, 1);
    const verify = await verifyTask(store, id, keyFile);
    assert.equal(verify.report.ok, true, JSON.stringify(verify.report.tables.filter((t) => !t.ok)));
    assert.deepEqual(await tableDigests(dst), await tableDigests(src));
    // the first worker's own /metrics counts the units it copied
    const own = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.match(own, new RegExp(`pgferry_worker_units_copied_total\\{worker="s1"\\} ${byWorker.s1 ?? 0}\\n`));
    assert.match(own, /pgferry_worker_process_resident_memory_bytes\{worker="s1"\} \d/);
    const mb = (done.summary as MigrationSummary).bytesCopied / 1048576;
    const onDisk = Number((await execSql(src, 'SELECT pg_catalog.pg_database_size(pg_catalog.current_database()) AS b')).rows[0].b) / 1048576;
    console.log(`# fleet spread: a ${onDisk.toFixed(0)} MB database, ${mb.toFixed(0)} MB of rows in ${TABLES} units over ${JSON.stringify(byWorker)}: completed in ${seconds.toFixed(1)} s, verified`);
  });

  it("a verify's key ranges are read by the workers: the same verdicts as a verify in one process, and a changed row found in its range", async () => {
    const src = await source('spread_verify');
    // a table without a key is summed in runs of pages, each server its own
    await execSql(src, "CREATE TABLE loose (n int, s text); INSERT INTO loose SELECT g, md5(g::text) FROM generate_series(1, 20000) g; ANALYZE loose");
    const { id, dst } = await queued('spread_verify', src, { jobs: 4 });
    await allCompleted(store, [id], 600_000);
    // about six key ranges a table, at any PGFERRY_FLEET_SPREAD_MB: each table's ranges go to several workers
    const range = Math.max(1000, Math.ceil(tableRows() / 6));
    const partSize = { rows: range, pages: 16, maxPageParts: 8, exactBoundsRows: 1_000_000 };
    const before = process.env.PGFERRY_VERIFY_SPREAD_MIN_ROWS;
    process.env.PGFERRY_VERIFY_SPREAD_MIN_ROWS = '1';
    // the first worker's own /metrics counts the parts it reads (an earlier verify here may have been spread too)
    const partsRead = async () => Number((await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()).match(/pgferry_worker_verify_parts_total\{worker="s1"\} (\d+)/)?.[1]);
    const readBefore = await partsRead();
    try {
      const t0 = Date.now();
      const spread = (await verifyTask(store, id, keyFile, { partSize, rowsPerRange: range })).report;
      const seconds = (Date.now() - t0) / 1000;
      assert.equal(spread.ok, true, JSON.stringify(spread.tables.filter((t) => !t.ok)));
      assert.equal(spread.spread?.spread, true, spread.spread?.why);
      const byWorker = spread.spread!.byWorker!;
      const parts = Object.values(byWorker).reduce((a, n) => a + n, 0);
      assert.ok(Object.keys(byWorker).length >= 2 && parts >= TABLES * 5, `parts by worker: ${JSON.stringify(byWorker)}`);
      const line = (await store.history(id)).find((h) => h.kind === 'spread' && h.message.startsWith('verify parts read by'));
      assert.ok(line, 'the history says the verify was spread');
      // the oracle: a verify in this one process, with the same parts and jobs, gives the same verdicts
      const t1 = Date.now();
      const local = await runVerify({ source: resolveConnInfo(src), target: resolveConnInfo(dst), jobs: 4, partSize, rowsPerRange: range });
      const localSeconds = (Date.now() - t1) / 1000;
      assert.equal(local.spread, undefined);
      assert.deepEqual(spread.tables, local.tables);
      assert.equal((await partsRead()) - readBefore, byWorker.s1 ?? 0);

      // one changed row in the middle of a table: found, in its key range, by whichever worker read it
      await execSql(dst, "UPDATE t5 SET pad = 'changed' WHERE id = $1", [Math.round(tableRows() / 2) + 1]);
      const changed = (await verifyTask(store, id, keyFile, { partSize, rowsPerRange: range })).report;
      assert.equal(changed.ok, false);
      assert.equal(changed.spread?.spread, true);
      const bad = changed.tables.filter((t) => !t.ok);
      assert.deepEqual(bad.map((t) => t.table), ['public.t5']);
      assert.equal(bad[0].problems.length, 1, bad[0].problems.join('\n'));
      assert.match(bad[0].problems[0], /same count, different content/);
      assert.doesNotMatch(bad[0].problems[0], /all rows/);
      console.log(`# fleet spread: verify of ${TABLES + 1} tables read as ${parts} parts by ${JSON.stringify(byWorker)} in ${seconds.toFixed(1)} s (in one process: ${localSeconds.toFixed(1)} s); a changed row found in ${bad[0].problems[0].split(':')[0]}`);
    } finally {
      if (before === undefined) delete process.env.PGFERRY_VERIFY_SPREAD_MIN_ROWS;
      else process.env.PGFERRY_VERIFY_SPREAD_MIN_ROWS = before;
    }
  });

  it('the console lists the workers, live, each task with its worker, and the limits per server', async () => {
    // a server no task here uses: shown, limiting nothing
    await setHostLimit(store, 'db1.internal:5432', 3);
    const port = await freePort();
    // the browser first: a machine without one fails here, before a serve process is left running
    const browser = await chromium.launch({ executablePath: process.env.PGFERRY_CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
    const serve = spawn(process.execPath, [BIN, 'serve', '--port', String(port)], {
      env: { ...process.env, PGFERRY_STORE: storeUri, PGFERRY_TOKEN: TOKEN, PGFERRY_KEY_FILE: keyFile },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        serve.stdout!.on('data', (d: Buffer) => d.toString().includes('pgferry console and API on') && resolve());
        serve.once('exit', (c) => reject(new Error(`pgferry serve exited ${c}`)));
      });
      const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'en-US' });
      await page.goto(`http://127.0.0.1:${port}/#token=${TOKEN}`);
      await page.getByRole('link', { name: 'spread_whole' }).waitFor();
      assert.match(await page.locator('tr', { hasText: 'spread_whole' }).innerText(), /s[123]/, 'the task list names the worker');
      await page.getByRole('link', { name: 'Workers' }).click();
      await page.getByRole('heading', { name: 'Workers' }).waitFor();
      await page.locator('tbody tr').nth(2).waitFor();
      const rows = await page.locator('tbody tr').allInnerTexts();
      assert.deepEqual(rows.map((r) => r.split('\t')[0]).sort(), ['s1', 's2', 's3']);
      assert.ok(rows.every((r) => /live/.test(r)), rows.join('\n'));
      assert.match(await page.getByRole('region', { name: 'limits per server' }).innerText(), /db1\.internal:5432: at most 3 table copies at once/);
      fs.mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, '30-workers.png'), fullPage: true });
      assert.deepEqual(await seriousViolations(page), [], 'accessibility of the workers page');
    } finally {
      await browser.close();
      serve.kill('SIGTERM');
      await setHostLimit(store, 'db1.internal:5432', null);
    }
  });

  /** Waits until the task runs spread with a unit done and `pick` names a worker with a unit in hand. */
  async function midCopy(id: string, pick: (leader: string, holding: string[]) => string | undefined): Promise<{ victim: FleetWorkerProcess; jobs: string[]; leader: string }> {
    for (const until = Date.now() + 300_000; Date.now() < until; await sleep(100)) {
      const t = await store.get(id);
      if (t.state === 'failed') assert.fail(t.error ?? 'failed');
      if (t.state !== 'running' || !t.worker || !(await store.units(id)).some((u) => u.state === 'done')) continue;
      const ws = await store.workers();
      const name = pick(t.worker, ws.filter((w) => w.units.length > 0).map((w) => w.name));
      const victim = workers.find((w) => w.name === name && w.proc.exitCode === null);
      if (victim) return { victim, jobs: ws.find((w) => w.name === name)!.units, leader: t.worker };
    }
    assert.fail('never saw the copy spread with a unit in a worker\'s hands');
  }

  /**
   * Hits (`signal`) a worker that is not the leader while it has a unit in hand; returns once
   * each of its unit jobs was taken again by another worker, with the seconds that took.
   */
  async function hitUnitHolder(label: string, signal: NodeJS.Signals): Promise<{ id: string; src: string; dst: string; hit: Awaited<ReturnType<typeof midCopy>>; seconds: number }> {
    const src = await source(label, 24);
    // --max-rate shared by the 3 units in flight: each takes seconds, long enough to be hit
    const { id, dst } = await queued(label, src, { jobs: 3, maxRateMBps: 1.5 });
    // a worker's list is up to one report (2 s) old: hit it only with a unit it began under a second
    // ago (a unit takes seconds here), so that the unit is still copying when the blow lands
    let hit: Awaited<ReturnType<typeof midCopy>>;
    for (;;) {
      hit = await midCopy(id, (leader, holding) => holding.find((w) => w !== leader));
      const fresh = await execSql(storeUri, `SELECT id::text, data->'order'->>'runId' AS run, data->'order'->'unit'->>'id' AS unit FROM pgferry_queue.job WHERE id = ANY($1::uuid[]) AND state = 'active' AND started_on > now() - interval '1 s'`, [hit.jobs]);
      // frozen, it must hold a unit's fence already (a worker frozen before it took the fence holds
      // nothing for the next attempt to end): its session has the unit's advisory lock on the target
      const fenced = async () => {
        for (const r of fresh.rows as { run: string; unit: string }[]) {
          const [k1, k2] = unitLockKeys(r.run, r.unit);
          const held = await execSql(dst, `SELECT 1 FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid = $1::int4::oid AND objid = $2::int4::oid
            AND database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())`, [k1, k2]);
          if (held.rows.length) return true;
        }
        return false;
      };
      if (fresh.rows.length && (signal !== 'SIGSTOP' || (await fenced()))) {
        hit.jobs = fresh.rows.map((r: { id: string }) => r.id);
        break;
      }
      await sleep(100);
    }
    process.kill(-hit.victim.proc.pid!, signal);
    const hitAt = Date.now();
    // each of its jobs taken again: retried once, and active or done on another worker
    for (;;) {
      const r = await execSql(storeUri, `SELECT count(*)::int AS n FROM pgferry_queue.job WHERE id = ANY($1::uuid[]) AND retry_count >= 1 AND state IN ('active', 'completed')`, [hit.jobs]);
      if (r.rows[0].n === hit.jobs.length) return { id, src, dst, hit, seconds: (Date.now() - hitAt) / 1000 };
      if (Date.now() - hitAt > 120_000) assert.fail('unit jobs not taken again in 120 s');
      await sleep(200);
    }
  }

  it("a worker killed while it reads a verify's part: the part goes back to the queue, another worker reads it, the verify is whole", async () => {
    const src = await source('spread_verify_kill');
    const { id, dst } = await queued('spread_verify_kill', src, { jobs: 3 });
    await allCompleted(store, [id], 600_000);
    const before = process.env.PGFERRY_VERIFY_SPREAD_MIN_ROWS;
    process.env.PGFERRY_VERIFY_SPREAD_MIN_ROWS = '1';
    // a lock on one target table holds the parts that read it: every lane ends up waiting on one
    const lock = new pg.Client({ connectionString: dst });
    await lock.connect();
    try {
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE t0 IN ACCESS EXCLUSIVE MODE');
      const verifying = verifyTask(store, id, keyFile, { partSize: { rows: 1000, pages: 16, maxPageParts: 8, exactBoundsRows: 1_000_000 }, rowsPerRange: 1000 });
      verifying.catch(() => {});
      let victim: FleetWorkerProcess | undefined;
      let jobs: string[] = [];
      for (const until = Date.now() + 120_000; !victim; await sleep(200)) {
        if (Date.now() > until) assert.fail('never saw a worker wait on a verify part');
        const waiting = await execSql(storeUri, "SELECT id::text FROM pgferry_queue.job WHERE name = 'pgferry-verify-part' AND state = 'active' AND started_on < now() - interval '3 s'");
        const ids = new Set(waiting.rows.map((r: { id: string }) => r.id));
        for (const w of await store.workers()) {
          const held = w.units.filter((u) => u.startsWith('part:')).map((u) => u.slice(5)).filter((j) => ids.has(j));
          const proc = workers.find((p) => p.name === w.name && p.proc.exitCode === null && p.proc.signalCode === null);
          if (held.length && proc) {
            victim = proc;
            jobs = held;
            break;
          }
        }
      }
      process.kill(-victim.proc.pid!, 'SIGKILL');
      const killedAt = Date.now();
      await lock.query('COMMIT');
      let seconds = 0;
      for (;;) {
        const r = await execSql(storeUri, "SELECT count(*)::int AS n FROM pgferry_queue.job WHERE id = ANY($1::uuid[]) AND retry_count >= 1 AND state IN ('active', 'completed')", [jobs]);
        if (r.rows[0].n === jobs.length) {
          seconds = (Date.now() - killedAt) / 1000;
          break;
        }
        if (Date.now() - killedAt > 120_000) assert.fail('the killed worker\'s verify parts were not taken again in 120 s');
        await sleep(200);
      }
      const report = (await verifying).report;
      assert.equal(report.ok, true, JSON.stringify(report.tables.filter((t) => !t.ok)));
      assert.equal(report.spread?.spread, true);
      assert.ok(seconds <= 60, `parts taken again in ${seconds.toFixed(1)} s`);
      console.log(`# fleet spread: worker ${victim.name} killed with ${jobs.length} verify part(s) in hand; taken again ${seconds.toFixed(1)} s after the kill; the verify passed (${JSON.stringify(report.spread?.byWorker)})`);
    } finally {
      await lock.end().catch(() => {});
      if (before === undefined) delete process.env.PGFERRY_VERIFY_SPREAD_MIN_ROWS;
      else process.env.PGFERRY_VERIFY_SPREAD_MIN_ROWS = before;
    }
    await addWorker();
  });

  it('a worker killed in the middle of a unit: its unit goes back to the queue, another worker copies it, no table doubled', async () => {
    const { id, src, dst, hit, seconds } = await hitUnitHolder('spread_unit_kill', 'SIGKILL');
    await addWorker();
    const [done] = await allCompleted(store, [id], 600_000);
    assert.equal(done.worker, hit.leader, 'the leader went on');
    assert.equal((done.summary as MigrationSummary).dataSnapshots, 1);
    assert.deepEqual(await tableDigests(dst), await tableDigests(src));
    assert.equal((await verifyTask(store, id, keyFile)).report.ok, true);
    assert.ok(seconds <= 60, `unit taken again in ${seconds.toFixed(1)} s`);
    console.log(`# fleet spread: worker ${hit.victim.name} killed with ${hit.jobs.length} unit(s) in hand; taken again by other workers ${seconds.toFixed(1)} s after the kill`);
  });

  it('a worker frozen in the middle of a unit: the new attempt ends its session (else it would wait on it for ever); woken, it commits nothing', async () => {
    // frozen, its COPY's transaction stays open on the target: the unit's fence must end it
    const { id, src, dst, hit, seconds } = await hitUnitHolder('spread_unit_freeze', 'SIGSTOP');
    await addWorker();
    const [done] = await allCompleted(store, [id], 600_000);
    assert.equal((done.summary as MigrationSummary).dataSnapshots, 1);
    const said = workers.map((w) => w.out.join('')).join('');
    assert.match(said, /ended 1 session\(s\) of an earlier attempt/, 'the new attempt fenced the frozen one');
    process.kill(-hit.victim.proc.pid!, 'SIGCONT');
    await sleep(5000);
    assert.deepEqual(await tableDigests(dst), await tableDigests(src));
    assert.equal((await verifyTask(store, id, keyFile)).report.ok, true);
    process.kill(-hit.victim.proc.pid!, 'SIGKILL');
    console.log(`# fleet spread: worker ${hit.victim.name} frozen with ${hit.jobs.length} unit(s) in hand; taken again ${seconds.toFixed(1)} s after it froze, its session fenced`);
  });

  it('a spread task stopped in the middle of the copy stops at a unit boundary; resumed, it completes equal to the source', async () => {
    const src = await source('spread_stop', 24);
    // units of about 5 s each: long enough for a worker's report to show one's progress
    const { id, dst } = await queued('spread_stop', src, { jobs: 3, maxRateMBps: 0.75 });
    await midCopy(id, (leader, holding) => holding[0]);
    // a unit copying on a worker shows its bytes so far (from the worker's reports), not 0 until done
    let moving: string | undefined;
    for (const until = Date.now() + 60_000; !moving && Date.now() < until; await sleep(100)) {
      const u = (await store.units(id)).find((x) => x.state === 'copying' && x.bytes > 0);
      if (u) moving = `${u.unit} ${u.bytes} of ${u.totalBytes} bytes`;
    }
    assert.ok(moving, 'no unit copying on a worker showed its progress');
    const stopped = await stopTask(store, id, true, 120_000);
    assert.equal(stopped.state, 'stopped', stopped.error ?? '');
    const units = await store.units(id);
    assert.ok(units.some((u) => u.state !== 'done'), 'stopped before the end of the copy');
    assert.equal((await startTask(store, id, { resume: true, keyFile })).queued, true);
    const [done] = await allCompleted(store, [id], 600_000);
    assert.deepEqual((await store.runs(id)).map((x) => [x.kind, x.state]), [['start', 'stopped'], ['resume', 'completed']]);
    assert.ok((done.summary as MigrationSummary).dataSnapshots <= 2);
    assert.deepEqual(await tableDigests(dst), await tableDigests(src));
  });

  it("the leader's machine killed in the middle of the copy: another worker takes the task over from a new snapshot and says so", async () => {
    const src = await source('spread_leader_kill', 24);
    const { id, dst } = await queued('spread_leader_kill', src, { jobs: 3, maxRateMBps: 1.5 });
    const hit = await midCopy(id, (leader) => leader);
    process.kill(-hit.victim.proc.pid!, 'SIGKILL');
    const killedAt = Date.now();
    let seconds = 0;
    for (;;) {
      const t = await store.get(id);
      if (t.state === 'running' && t.worker && t.worker !== hit.victim.name) {
        seconds = (Date.now() - killedAt) / 1000;
        break;
      }
      if (Date.now() - killedAt > 120_000) assert.fail(`not taken over in 120 s: ${t.state}, worker ${t.worker}`);
      await sleep(200);
    }
    await addWorker();
    const [done] = await allCompleted(store, [id], 600_000);
    assert.notEqual(done.worker, hit.victim.name);
    assert.equal((done.summary as MigrationSummary).dataSnapshots, 2, 'the two-snapshot rule: the copy went on from a new snapshot');
    const history = await store.history(id);
    assert.ok(history.some((h) => h.kind === 'snapshots' && h.message.includes('completed from 2 snapshots')), history.map((h) => h.message).join('\n'));
    assert.deepEqual((await store.runs(id)).map((x) => [x.kind, x.state]), [['start', 'interrupted'], ['resume', 'completed']]);
    assert.deepEqual(await tableDigests(dst), await tableDigests(src));
    assert.equal((await verifyTask(store, id, keyFile)).report.ok, true);
    assert.ok(seconds <= 60, `taken over in ${seconds.toFixed(1)} s`);
    console.log(`# fleet spread: the leader on ${hit.victim.name} killed; the task taken over by ${done.worker} from a new snapshot ${seconds.toFixed(1)} s after the kill`);
  });
});
