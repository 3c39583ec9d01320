/**
 * The task store's contract, run against each backend: the SQLite file (test/unit/task-store.test.ts)
 * and a PostgreSQL database (test/integration/postgres-store.test.ts). create and get (by ID and by
 * prefix), update, updateIf and claim as compare-and-set, history, sealed secrets, units, runs,
 * verify reports, settings, chart samples and delete: the same calls, the same answers.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { PgferryError } from '../../src/errors.js';
import type { StoredConn, StoredSpec } from '../../src/config/task-spec.js';
import { SAMPLES_KEPT, type TaskStore } from '../../src/task/task-store.js';

const conn = (host: string, database: string): StoredConn => ({ host, port: 5432, database, user: 'app', sslmode: 'prefer', connectTimeout: 10 });
export const SPEC: StoredSpec = {
  source: conn('src.example', 'shop'),
  target: conn('dst.example', 'shop_copy'),
  migration: 'full',
  incremental: false,
  objects: {},
  mapping: {},
  options: { retries: 5, priority: 0, publications: false, owner: true, privileges: true, strict: false, splitTables: false, earlyIndexes: false, setReplicaIdentityFull: false },
};

export const isCode = (code: string) => (e: unknown) => e instanceof PgferryError && e.code === code;

/** Registers the contract's tests in the current suite; `open` gives an empty store, `close` ends it. */
export function storeContract(open: () => Promise<TaskStore>, close: (store: TaskStore) => Promise<void> = (s) => s.close()): void {
  let store: TaskStore;
  const newTask = (id: string, secrets: Partial<Record<'source' | 'target', string>> = {}) =>
    store.create({ id, name: `task ${id}`, spec: SPEC, specHash: 'hash1', jobs: 4, maxRateMBps: null, secrets });

  before(async () => {
    store = await open();
  });
  after(async () => {
    await close(store);
  });

  it('create stores the spec and a history entry; get finds the task by ID and by a unique prefix of 4 or more', async () => {
    const t = await newTask('abcd-1111', { source: 'sealed-src' });
    assert.equal(t.state, 'created');
    assert.equal(t.name, 'task abcd-1111');
    assert.deepEqual(t.spec, SPEC);
    assert.equal(t.jobs, 4);
    assert.equal(t.maxRateMBps, null);
    assert.equal(t.progress, 0);
    assert.equal(t.stopRequested, false);
    assert.equal(t.precheck, null);
    assert.match(t.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal((await store.get('abcd')).id, 'abcd-1111');
    await assert.rejects(store.get('abc'), isCode('PGFERRY_E_TASK_NOT_FOUND'), 'under 4 characters is no prefix');
    await assert.rejects(store.get('abcd', { prefix: false }), isCode('PGFERRY_E_TASK_NOT_FOUND'));
    assert.deepEqual((await store.history('abcd-1111')).map((h) => [h.kind, h.message]), [['created', 'task created: shop on src.example to shop_copy on dst.example']]);
  });

  it('a prefix two tasks share is ambiguous; a LIKE pattern is no prefix', async () => {
    await newTask('abcd-2222');
    await assert.rejects(store.get('abcd'), (e: unknown) => e instanceof PgferryError && e.code === 'PGFERRY_E_TASK_NOT_FOUND' && /ambiguous/.test(e.message));
    await assert.rejects(store.get('abc%'), isCode('PGFERRY_E_TASK_NOT_FOUND'));
    assert.equal((await store.get('abcd-2222')).id, 'abcd-2222');
    assert.deepEqual((await store.list()).map((t) => t.id).sort(), ['abcd-1111', 'abcd-2222']);
  });

  it('update sets run fields (booleans, numbers and JSON summaries too) and ignores others', async () => {
    await store.update('abcd-1111', { state: 'running', phase: 'copy', progress: 0.5, stopRequested: true, summary: { rows: 3 }, pid: 42, pidStart: 'x', bytesDone: 5_000_000_000, startedAt: '2026-01-02T03:04:05.678Z' });
    await store.update('abcd-1111', { name: 'renamed' } as never);
    const t = await store.get('abcd-1111');
    // the write is the run's heartbeat: its age is read with the record
    assert.ok(t.heartbeatAge >= 0 && t.heartbeatAge < 5, `heartbeat ${t.heartbeatAge} s old`);
    assert.deepEqual([t.state, t.phase, t.progress, t.stopRequested, t.summary, t.pid, t.pidStart, t.name, t.bytesDone, t.startedAt],
      ['running', 'copy', 0.5, true, { rows: 3 }, 42, 'x', 'task abcd-1111', 5_000_000_000, '2026-01-02T03:04:05.678Z']);
  });

  it("keeps an incremental task's cutover request and latest stream status as JSON, and clears them with null", async () => {
    const before = await store.get('abcd-1111');
    assert.deepEqual([before.cutoverRequest, before.streamStatus], [null, null]);
    const streamStatus = {
      sourceLsn: '0/3000148', appliedLsn: '0/3000100', lagBytes: 72, lagSeconds: 1.5, transactions: 10, rows: 25,
      transactionsPerSecond: 2.5, rowsPerSecond: 6.25, slotHeldBytes: 16_777_216, sequencesSyncedAt: '2026-01-01T00:00:00.000Z',
    };
    await store.update('abcd-1111', { cutoverRequest: { blockWrites: true, maxLagSeconds: 3 }, streamStatus });
    const t = await store.get('abcd-1111');
    assert.deepEqual(t.cutoverRequest, { blockWrites: true, maxLagSeconds: 3 });
    assert.deepEqual(t.streamStatus, streamStatus);
    assert.deepEqual((await store.list()).find((x) => x.id === 'abcd-1111')?.streamStatus, streamStatus);
    await store.update('abcd-1111', { cutoverRequest: null, streamStatus: null });
    const cleared = await store.get('abcd-1111');
    assert.deepEqual([cleared.cutoverRequest, cleared.streamStatus], [null, null]);
  });

  it('updateIf changes the task only in one of the given states', async () => {
    assert.equal(await store.updateIf('abcd-1111', ['created', 'stopped'], { state: 'stopping' }), false);
    assert.equal((await store.get('abcd-1111')).state, 'running');
    assert.equal(await store.updateIf('abcd-1111', ['running'], { state: 'stopping' }), true);
    assert.equal((await store.get('abcd-1111')).state, 'stopping');
    assert.equal(await store.updateIf('no-such-task', ['running'], { state: 'failed' }), false);
  });

  it('claim applies the update only when the check passes, and returns the new record', async () => {
    const refuse = (t: { state: string }) => {
      if (t.state !== 'created') throw new Error(`task is ${t.state}`);
    };
    const claimed = await store.claim('abcd-2222', refuse, { state: 'running', runId: 'run-1' });
    assert.deepEqual([claimed.state, claimed.runId], ['running', 'run-1']);
    // the check's own error, as it threw it: a refusal is not a failure of the store
    await assert.rejects(store.claim('abcd-2222', refuse, { state: 'running', runId: 'run-2' }), (e: unknown) => !(e instanceof PgferryError) && /^task is running$/.test((e as Error).message));
    assert.equal((await store.get('abcd-2222')).runId, 'run-1', 'a refused claim writes nothing');
    await assert.rejects(store.claim('nope', refuse, {}), isCode('PGFERRY_E_TASK_NOT_FOUND'));
  });

  it("updateOwned writes only while the process is still the task's run (a process that lost it changes nothing)", async () => {
    await newTask('owned-1');
    await store.update('owned-1', { state: 'running', pid: 100, pidStart: 'm1:5' });
    assert.equal(await store.updateOwned('owned-1', { pid: 100, pidStart: 'm1:5' }, { phase: 'data' }), true);
    // taken over: another machine's process, which may even have the same pid
    await store.update('owned-1', { pid: 100, pidStart: 'm2:7' });
    assert.equal(await store.updateOwned('owned-1', { pid: 100, pidStart: 'm1:5' }, { state: 'failed', error: 'late' }), false);
    assert.equal(await store.updateOwned('owned-1', { pid: 101, pidStart: 'm2:7' }, { state: 'failed' }), false);
    const t = await store.get('owned-1');
    assert.deepEqual([t.state, t.phase, t.error, t.pidStart], ['running', 'data', null, 'm2:7']);
    await store.update('owned-1', { pidStart: null });
    assert.equal(await store.updateOwned('owned-1', { pid: 100, pidStart: null }, { phase: 'analyze' }), true, 'no start stamp (not Linux): the pid alone');
    assert.equal(await store.updateOwned('no-such-task', { pid: 100, pidStart: null }, { phase: 'x' }), false);
    await store.delete('owned-1');
  });

  it('of claims made at once, exactly one takes the task', async () => {
    await newTask('race-1');
    const take = (by: string) => store.claim('race-1', (t) => {
      if (t.state !== 'created') throw new Error(`taken by ${t.runId}`);
    }, { state: 'running', runId: by });
    const results = await Promise.allSettled(['a', 'b', 'c', 'd'].map(take));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, JSON.stringify(results.map((r) => r.status)));
    await store.delete('race-1');
  });

  it('history keeps entries in order with their data', async () => {
    await store.addHistory('abcd-2222', 'started', 'run 1', { jobs: 4 });
    await store.addHistory('abcd-2222', 'note', 'no data');
    assert.deepEqual((await store.history('abcd-2222')).slice(1).map((h) => [h.kind, h.message, h.data]), [['started', 'run 1', { jobs: 4 }], ['note', 'no data', null]]);
    assert.deepEqual(await store.historyCounts('started'), new Map([['abcd-2222', 1]]));
  });

  it('secrets: stored per side, replaced only when still the expected one, counted', async () => {
    assert.equal(await store.secret('abcd-1111', 'source'), 'sealed-src');
    assert.equal(await store.secret('abcd-1111', 'target'), undefined);
    await store.setSecret('abcd-1111', 'target', 'sealed-dst');
    assert.equal(await store.secretCount(), 2);
    assert.equal(await store.replaceSecret('abcd-1111', 'source', 'stale', 'new'), false);
    assert.equal(await store.secret('abcd-1111', 'source'), 'sealed-src');
    assert.equal(await store.replaceSecret('abcd-1111', 'source', 'sealed-src', 'resealed'), true);
    assert.equal(await store.secret('abcd-1111', 'source'), 'resealed');
    // a list reads which tasks have which passwords at once
    assert.deepEqual([...(await store.secretSides())].sort(), ['abcd-1111/source', 'abcd-1111/target']);
  });

  it('units: a new list replaces the old one; an update keeps the place and the totals it does not give; a unit names the worker that copied it', async () => {
    await store.saveUnits('abcd-2222', [
      { unit: 'b', state: 'pending', rows: null, bytes: 0, totalBytes: 100, estimatedRows: 10, seconds: null },
      { unit: 'a', state: 'pending', rows: null, bytes: 0, totalBytes: 50, estimatedRows: 5, seconds: null },
    ], true);
    await store.saveUnits('abcd-2222', [{ unit: 'a', state: 'done', rows: 5, bytes: 50, totalBytes: null, estimatedRows: null, seconds: 1.5, worker: 'w2' }]);
    // in the list's order: an update keeps a unit's place
    assert.deepEqual(await store.units('abcd-2222'), [
      { unit: 'b', state: 'pending', rows: null, bytes: 0, totalBytes: 100, estimatedRows: 10, seconds: null, worker: null },
      { unit: 'a', state: 'done', rows: 5, bytes: 50, totalBytes: 50, estimatedRows: 5, seconds: 1.5, worker: 'w2' },
    ]);
    assert.deepEqual((await store.unitCounts()).get('abcd-2222'), { total: 2, done: 1 });
    await store.saveUnits('abcd-2222', [{ unit: 'c', state: 'pending', rows: null, bytes: 0, totalBytes: 1, estimatedRows: 1, seconds: null }], true);
    assert.deepEqual((await store.units('abcd-2222')).map((u) => u.unit), ['c']);
  });

  it('runs: numbered from 1; starting one marks a run left open as interrupted', async () => {
    assert.equal(await store.startRun('abcd-2222', 'start'), 1);
    await store.updateRun('abcd-2222', 1, { rows: 10, bytes: 100, seconds: 2 });
    assert.equal(await store.startRun('abcd-2222', 'resume'), 2);
    await store.updateRun('abcd-2222', 2, { rows: 5, bytes: 50, seconds: 1, state: 'completed' });
    const runs = await store.runs('abcd-2222');
    assert.deepEqual(runs.map((r) => [r.run, r.kind, r.state, r.rows, r.bytes, r.seconds, r.finishedAt === null]), [
      [1, 'start', 'interrupted', 10, 100, 2, true],
      [2, 'resume', 'completed', 5, 50, 1, false],
    ]);
    // every task's runs in one read, each task's in order, as runs() gives them
    const all = await store.allRuns();
    assert.deepEqual(all.get('abcd-2222'), runs);
    assert.equal(all.has('abcd-1111'), false);
  });

  it('verify reports, precheck reports and settings', async () => {
    assert.equal(await store.latestVerify('abcd-2222'), null);
    await store.addVerify('abcd-2222', { ok: false, n: 1 } as never);
    const at = await store.addVerify('abcd-2222', { ok: true, n: 2 } as never);
    assert.deepEqual(await store.latestVerify('abcd-2222'), { at, report: { ok: true, n: 2 } });
    await store.setPrecheck('abcd-2222', 'hash1', { passed: true, items: [] } as never);
    const p = (await store.get('abcd-2222')).precheck;
    assert.deepEqual([p?.hash, p?.passed, p?.report], ['hash1', true, { passed: true, items: [] }]);
    assert.equal(await store.setting('k'), undefined);
    await store.setSetting('k', 'v1');
    await store.setSetting('k', 'v2');
    assert.equal(await store.setting('k'), 'v2');
  });

  it('chart samples: kept in order, a long run thinned to at most 2 × SAMPLES_KEPT with its running totals intact', async () => {
    await newTask('samples');
    const n = 2000;
    for (let i = 1; i <= n; i++) await store.addSample('samples', { run: 1, at: i * 2000, rows: i * 10, bytes: i * 1000, lagSeconds: i > n - 5 ? 0.5 : null, lagBytes: i > n - 5 ? 64 : null });
    const kept = await store.samples('samples');
    assert.ok(kept.length >= SAMPLES_KEPT && kept.length < 2 * SAMPLES_KEPT, `${kept.length} kept`);
    // oldest first, every point a true running total, the newest (a streaming one) as written
    assert.ok(kept.every((s, i) => i === 0 || s.at > kept[i - 1].at));
    assert.ok(kept.every((s) => s.rows === s.at / 200 && s.bytes === s.at / 2));
    assert.deepEqual(kept.slice(-1), [{ run: 1, at: n * 2000, rows: n * 10, bytes: n * 1000, lagSeconds: 0.5, lagBytes: 64 }]);
    assert.equal(kept[0].at, 2000, 'the first point stays');
    await store.delete('samples');
    assert.deepEqual(await store.samples('samples'), []);
  });

  it('workers: a report creates or refreshes its row with a fresh heartbeat; a silent one gives its unit jobs back once; a task names its worker; removeWorker signs off', async () => {
    assert.deepEqual(await store.workers(), []);
    const w = { name: 'w1', host: 'box-1', pid: 4242, startedAt: '2026-01-02T03:04:05.000Z', concurrency: 2, tasks: [] as string[], units: [] as string[], progress: {} as Record<string, number> };
    await store.beatWorker(w);
    await store.beatWorker({ ...w, tasks: ['abcd-2222'], units: ['job-a', 'job-b'], progress: { 'job-a': 5_000_000_000 } });
    await store.beatWorker({ ...w, name: 'w2', host: 'box-2' });
    const seen = await store.workers();
    assert.deepEqual(seen.map(({ heartbeatAge: _, ...r }) => r).sort((a, b) => a.name.localeCompare(b.name)), [
      { ...w, tasks: ['abcd-2222'], units: ['job-a', 'job-b'], progress: { 'job-a': 5_000_000_000 } },
      { ...w, name: 'w2', host: 'box-2' },
    ]);
    assert.ok(seen.every((r) => r.heartbeatAge >= 0 && r.heartbeatAge < 5), JSON.stringify(seen));
    // a worker that reported a moment ago keeps its unit jobs; one silent longer than the bound gives them up, once
    assert.deepEqual(await store.reclaimUnits('w1', 30), []);
    await new Promise((r) => setTimeout(r, 1100));
    assert.deepEqual(await Promise.all([store.reclaimUnits('w1', 1), store.reclaimUnits('w1', 1)]).then((both) => both.flat().sort()), ['job-a', 'job-b']);
    assert.deepEqual((await store.workers()).find((x) => x.name === 'w1')?.units, []);
    await store.update('abcd-2222', { worker: 'w1' });
    assert.equal((await store.get('abcd-2222')).worker, 'w1');
    await store.removeWorker('w1');
    await store.removeWorker('w2');
    assert.deepEqual(await store.workers(), []);
  });

  it('delete removes the task with its secrets, history, units and runs', async () => {
    await store.delete('abcd-1111');
    await store.delete('abcd-2222');
    await assert.rejects(store.get('abcd-1111'), isCode('PGFERRY_E_TASK_NOT_FOUND'));
    assert.equal(await store.secretCount(), 0);
    assert.deepEqual([await store.history('abcd-2222'), await store.units('abcd-2222'), await store.runs('abcd-2222'), await store.latestVerify('abcd-2222')], [[], [], [], null]);
  });
}
