/**
 * The task store (src/task/task-store.ts) on a real SQLite file in a temporary folder: its
 * folder and file modes, create and get (by ID and by prefix), update, updateIf and claim as
 * compare-and-set, history, sealed secrets, units, runs, verify reports, settings and delete.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { PgferryError } from '../../src/errors.js';
import type { StoredConn, StoredSpec } from '../../src/config/task-spec.js';
import { SAMPLES_KEPT, TaskStore } from '../../src/task/task-store.js';

const conn = (host: string, database: string): StoredConn => ({ host, port: 5432, database, user: 'app', sslmode: 'prefer', connectTimeout: 10 });
const spec: StoredSpec = {
  source: conn('src.example', 'shop'),
  target: conn('dst.example', 'shop_copy'),
  migration: 'full',
  incremental: false,
  objects: {},
  mapping: {},
  options: { retries: 5, publications: false, owner: true, privileges: true, strict: false, splitTables: false, earlyIndexes: false, setReplicaIdentityFull: false },
};

const isCode = (code: string) => (e: unknown) => e instanceof PgferryError && e.code === code;

describe('TaskStore', () => {
  let dir: string;
  let store: TaskStore;
  const newTask = (id: string, secrets: Partial<Record<'source' | 'target', string>> = {}) =>
    store.create({ id, name: `task ${id}`, spec, specHash: 'hash1', jobs: 4, maxRateMBps: null, secrets });

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-store-test-'));
    store = TaskStore.open(path.join(dir, 'nested', 'tasks.db'));
  });
  after(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates its folder 0700 and its file 0600', () => {
    assert.equal(fs.statSync(path.join(dir, 'nested')).mode & 0o777, 0o700);
    assert.equal(fs.statSync(store.file).mode & 0o777, 0o600);
  });

  it('create stores the spec and a history entry; get finds the task by ID and by a unique prefix of 4 or more', () => {
    const t = newTask('abcd-1111', { source: 'sealed-src' });
    assert.equal(t.state, 'created');
    assert.equal(t.name, 'task abcd-1111');
    assert.deepEqual(t.spec, spec);
    assert.equal(t.jobs, 4);
    assert.equal(t.maxRateMBps, null);
    assert.equal(t.progress, 0);
    assert.equal(t.stopRequested, false);
    assert.equal(t.precheck, null);
    assert.equal(store.get('abcd').id, 'abcd-1111');
    assert.throws(() => store.get('abc'), isCode('PGFERRY_E_TASK_NOT_FOUND'), 'under 4 characters is no prefix');
    assert.throws(() => store.get('abcd', { prefix: false }), isCode('PGFERRY_E_TASK_NOT_FOUND'));
    assert.deepEqual(store.history('abcd-1111').map((h) => [h.kind, h.message]), [['created', 'task created: shop on src.example to shop_copy on dst.example']]);
  });

  it('the WAL and shared-memory files beside it, which hold the same rows, are 0600 too', () => {
    for (const suffix of ['-wal', '-shm']) assert.equal(fs.statSync(store.file + suffix).mode & 0o777, 0o600, suffix);
  });

  it('a prefix two tasks share is ambiguous; a LIKE pattern is no prefix', () => {
    newTask('abcd-2222');
    assert.throws(() => store.get('abcd'), (e: unknown) => e instanceof PgferryError && e.code === 'PGFERRY_E_TASK_NOT_FOUND' && /ambiguous/.test(e.message));
    assert.throws(() => store.get('abc%'), isCode('PGFERRY_E_TASK_NOT_FOUND'));
    assert.equal(store.get('abcd-2222').id, 'abcd-2222');
    assert.deepEqual(store.list().map((t) => t.id).sort(), ['abcd-1111', 'abcd-2222']);
  });

  it('update sets run fields (booleans and JSON summaries too) and ignores others', () => {
    store.update('abcd-1111', { state: 'running', phase: 'copy', progress: 0.5, stopRequested: true, summary: { rows: 3 }, pid: 42, pidStart: 'x' });
    store.update('abcd-1111', { name: 'renamed' } as never);
    const t = store.get('abcd-1111');
    assert.deepEqual([t.state, t.phase, t.progress, t.stopRequested, t.summary, t.pid, t.pidStart, t.name], ['running', 'copy', 0.5, true, { rows: 3 }, 42, 'x', 'task abcd-1111']);
  });

  it('keeps an incremental task\'s cutover request and latest stream status as JSON, and clears them with null', () => {
    const before = store.get('abcd-1111');
    assert.deepEqual([before.cutoverRequest, before.streamStatus], [null, null]);
    const streamStatus = {
      sourceLsn: '0/3000148', appliedLsn: '0/3000100', lagBytes: 72, lagSeconds: 1.5, transactions: 10, rows: 25,
      transactionsPerSecond: 2.5, rowsPerSecond: 6.25, slotHeldBytes: 16_777_216, sequencesSyncedAt: '2026-01-01T00:00:00.000Z',
    };
    store.update('abcd-1111', { cutoverRequest: { blockWrites: true, maxLagSeconds: 3 }, streamStatus });
    const t = store.get('abcd-1111');
    assert.deepEqual(t.cutoverRequest, { blockWrites: true, maxLagSeconds: 3 });
    assert.deepEqual(t.streamStatus, streamStatus);
    assert.deepEqual(store.list().find((x) => x.id === 'abcd-1111')?.streamStatus, streamStatus);
    store.update('abcd-1111', { cutoverRequest: null, streamStatus: null });
    const cleared = store.get('abcd-1111');
    assert.deepEqual([cleared.cutoverRequest, cleared.streamStatus], [null, null]);
  });

  it('a store made before incremental tasks gets the cutover_request and stream_status columns when opened', () => {
    const file = path.join(dir, 'old.db');
    const old = new Database(file);
    // the tasks table as the first release made it (no pid_start either)
    old.exec(`CREATE TABLE tasks (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, spec TEXT NOT NULL, spec_hash TEXT NOT NULL,
      created_at TEXT NOT NULL, updated_at TEXT NOT NULL, state TEXT NOT NULL, phase TEXT,
      progress REAL NOT NULL DEFAULT 0, run_id TEXT, pid INTEGER, started_at TEXT, finished_at TEXT,
      stop_requested INTEGER NOT NULL DEFAULT 0, jobs INTEGER NOT NULL, max_rate REAL,
      bytes_total INTEGER, bytes_done INTEGER, rate REAL, error TEXT, summary TEXT,
      precheck_hash TEXT, precheck_passed INTEGER, precheck_at TEXT, precheck TEXT)`);
    old.prepare("INSERT INTO tasks (id, name, spec, spec_hash, created_at, updated_at, state, jobs) VALUES ('old-task-1', 'old', ?, 'h', 'x', 'x', 'stopped', 2)").run(JSON.stringify(spec));
    old.close();
    const reopened = TaskStore.open(file);
    try {
      const t = reopened.get('old-task-1');
      assert.deepEqual([t.cutoverRequest, t.streamStatus], [null, null]);
      reopened.update(t.id, { cutoverRequest: { blockWrites: false } });
      assert.deepEqual(reopened.get(t.id).cutoverRequest, { blockWrites: false });
    } finally {
      reopened.close();
    }
  });

  it('updateIf changes the task only in one of the given states', () => {
    assert.equal(store.updateIf('abcd-1111', ['created', 'stopped'], { state: 'stopping' }), false);
    assert.equal(store.get('abcd-1111').state, 'running');
    assert.equal(store.updateIf('abcd-1111', ['running'], { state: 'stopping' }), true);
    assert.equal(store.get('abcd-1111').state, 'stopping');
    assert.equal(store.updateIf('no-such-task', ['running'], { state: 'failed' }), false);
  });

  it('claim applies the update only when the check passes, and returns the new record', () => {
    const refuse = (t: { state: string }) => {
      if (t.state !== 'created') throw new Error(`task is ${t.state}`);
    };
    const claimed = store.claim('abcd-2222', refuse, { state: 'running', runId: 'run-1' });
    assert.deepEqual([claimed.state, claimed.runId], ['running', 'run-1']);
    assert.throws(() => store.claim('abcd-2222', refuse, { state: 'running', runId: 'run-2' }), /task is running/);
    assert.equal(store.get('abcd-2222').runId, 'run-1', 'a refused claim writes nothing');
    assert.throws(() => store.claim('nope', refuse, {}), isCode('PGFERRY_E_TASK_NOT_FOUND'));
  });

  it('history keeps entries in order with their data', () => {
    store.addHistory('abcd-2222', 'started', 'run 1', { jobs: 4 });
    store.addHistory('abcd-2222', 'note', 'no data');
    assert.deepEqual(store.history('abcd-2222').slice(1).map((h) => [h.kind, h.message, h.data]), [['started', 'run 1', { jobs: 4 }], ['note', 'no data', null]]);
  });

  it('secrets: stored per side, replaced only when still the expected one, counted', () => {
    assert.equal(store.secret('abcd-1111', 'source'), 'sealed-src');
    assert.equal(store.secret('abcd-1111', 'target'), undefined);
    store.setSecret('abcd-1111', 'target', 'sealed-dst');
    assert.equal(store.secretCount(), 2);
    assert.equal(store.replaceSecret('abcd-1111', 'source', 'stale', 'new'), false);
    assert.equal(store.secret('abcd-1111', 'source'), 'sealed-src');
    assert.equal(store.replaceSecret('abcd-1111', 'source', 'sealed-src', 'resealed'), true);
    assert.equal(store.secret('abcd-1111', 'source'), 'resealed');
  });

  it('units: a new list replaces the old one; an update keeps the place and the totals it does not give', () => {
    store.saveUnits('abcd-2222', [
      { unit: 'b', state: 'pending', rows: null, bytes: 0, totalBytes: 100, estimatedRows: 10, seconds: null },
      { unit: 'a', state: 'pending', rows: null, bytes: 0, totalBytes: 50, estimatedRows: 5, seconds: null },
    ], true);
    store.saveUnits('abcd-2222', [{ unit: 'a', state: 'done', rows: 5, bytes: 50, totalBytes: null, estimatedRows: null, seconds: 1.5 }]);
    // in the list's order: an update keeps a unit's place
    assert.deepEqual(store.units('abcd-2222'), [
      { unit: 'b', state: 'pending', rows: null, bytes: 0, totalBytes: 100, estimatedRows: 10, seconds: null },
      { unit: 'a', state: 'done', rows: 5, bytes: 50, totalBytes: 50, estimatedRows: 5, seconds: 1.5 },
    ]);
    store.saveUnits('abcd-2222', [{ unit: 'c', state: 'pending', rows: null, bytes: 0, totalBytes: 1, estimatedRows: 1, seconds: null }], true);
    assert.deepEqual(store.units('abcd-2222').map((u) => u.unit), ['c']);
  });

  it('runs: numbered from 1; starting one marks a run left open as interrupted', () => {
    assert.equal(store.startRun('abcd-2222', 'start'), 1);
    store.updateRun('abcd-2222', 1, { rows: 10, bytes: 100, seconds: 2 });
    assert.equal(store.startRun('abcd-2222', 'resume'), 2);
    store.updateRun('abcd-2222', 2, { rows: 5, bytes: 50, seconds: 1, state: 'completed' });
    const runs = store.runs('abcd-2222');
    assert.deepEqual(runs.map((r) => [r.run, r.kind, r.state, r.rows, r.bytes, r.seconds, r.finishedAt === null]), [
      [1, 'start', 'interrupted', 10, 100, 2, true],
      [2, 'resume', 'completed', 5, 50, 1, false],
    ]);
  });

  it('verify reports and settings', () => {
    assert.equal(store.latestVerify('abcd-2222'), null);
    store.addVerify('abcd-2222', { ok: false, n: 1 } as never);
    const at = store.addVerify('abcd-2222', { ok: true, n: 2 } as never);
    assert.deepEqual(store.latestVerify('abcd-2222'), { at, report: { ok: true, n: 2 } });
    assert.equal(store.setting('k'), undefined);
    store.setSetting('k', 'v1');
    store.setSetting('k', 'v2');
    assert.equal(store.setting('k'), 'v2');
  });

  it('chart samples: kept in order, a long run thinned to at most 2 × SAMPLES_KEPT with its running totals intact', () => {
    newTask('samples');
    const n = 2000;
    for (let i = 1; i <= n; i++) store.addSample('samples', { run: 1, at: i * 2000, rows: i * 10, bytes: i * 1000, lagSeconds: i > n - 5 ? 0.5 : null, lagBytes: i > n - 5 ? 64 : null });
    const kept = store.samples('samples');
    assert.ok(kept.length >= SAMPLES_KEPT && kept.length < 2 * SAMPLES_KEPT, `${kept.length} kept`);
    // oldest first, every point a true running total, the newest (a streaming one) as written
    assert.ok(kept.every((s, i) => i === 0 || s.at > kept[i - 1].at));
    assert.ok(kept.every((s) => s.rows === s.at / 200 && s.bytes === s.at / 2));
    assert.deepEqual(kept.slice(-1), [{ run: 1, at: n * 2000, rows: n * 10, bytes: n * 1000, lagSeconds: 0.5, lagBytes: 64 }]);
    assert.equal(kept[0].at, 2000, 'the first point stays');
    store.delete('samples');
    assert.deepEqual(store.samples('samples'), []);
  });

  it('delete removes the task with its secrets, history, units and runs', () => {
    store.delete('abcd-1111');
    store.delete('abcd-2222');
    assert.throws(() => store.get('abcd-1111'), isCode('PGFERRY_E_TASK_NOT_FOUND'));
    assert.equal(store.secretCount(), 0);
    assert.deepEqual([store.history('abcd-2222'), store.units('abcd-2222'), store.runs('abcd-2222'), store.latestVerify('abcd-2222')], [[], [], [], null]);
  });

  it('a store that cannot be opened is PGFERRY_E_STORE naming the file', () => {
    const blocker = path.join(dir, 'a-file');
    fs.writeFileSync(blocker, '');
    assert.throws(() => TaskStore.open(path.join(blocker, 'tasks.db')), (e: unknown) => e instanceof PgferryError && e.code === 'PGFERRY_E_STORE' && e.object === path.join(blocker, 'tasks.db'));
  });
});
