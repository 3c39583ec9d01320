/**
 * The SQLite task store (src/task/sqlite-store.ts) on a real file in a temporary folder: the
 * store contract (test/harness/store-contract.ts), and what only a file has: its folder and file
 * modes, an old store's columns added when opened, and a path that cannot be opened.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { PgferryError } from '../../src/errors.js';
import { openStore } from '../../src/task/open-store.js';
import { SqliteTaskStore } from '../../src/task/sqlite-store.js';
import { SPEC, storeContract } from '../harness/store-contract.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-store-test-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('SQLite task store: the contract', () => {
  storeContract(() => openStore(path.join(dir, 'contract', 'tasks.db')));
});

describe('SQLite task store: the file', () => {
  it('creates its folder 0700 and its file 0600; the WAL and shared-memory files beside it, which hold the same rows, are 0600 too', async () => {
    const store = SqliteTaskStore.open(path.join(dir, 'nested', 'tasks.db'));
    try {
      await store.create({ id: 'mode-1', name: 'm', spec: SPEC, specHash: 'h', jobs: 1, maxRateMBps: null, secrets: {} });
      assert.equal(fs.statSync(path.join(dir, 'nested')).mode & 0o777, 0o700);
      assert.equal(fs.statSync(store.file).mode & 0o777, 0o600);
      for (const suffix of ['-wal', '-shm']) assert.equal(fs.statSync(store.file + suffix).mode & 0o777, 0o600, suffix);
      assert.equal(store.logDir, path.join(dir, 'nested', 'logs'));
    } finally {
      await store.close();
    }
  });

  it('a store made before incremental tasks gets the cutover_request and stream_status columns when opened', async () => {
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
    old.prepare("INSERT INTO tasks (id, name, spec, spec_hash, created_at, updated_at, state, jobs) VALUES ('old-task-1', 'old', ?, 'h', 'x', 'x', 'stopped', 2)").run(JSON.stringify(SPEC));
    old.close();
    const reopened = SqliteTaskStore.open(file);
    try {
      const t = await reopened.get('old-task-1');
      assert.deepEqual([t.cutoverRequest, t.streamStatus], [null, null]);
      await reopened.update(t.id, { cutoverRequest: { blockWrites: false } });
      assert.deepEqual((await reopened.get(t.id)).cutoverRequest, { blockWrites: false });
    } finally {
      await reopened.close();
    }
  });

  it('a store that cannot be opened is PGFERRY_E_STORE naming the file', async () => {
    const blocker = path.join(dir, 'a-file');
    fs.writeFileSync(blocker, '');
    await assert.rejects(openStore(path.join(blocker, 'tasks.db')), (e: unknown) => e instanceof PgferryError && e.code === 'PGFERRY_E_STORE' && e.object === path.join(blocker, 'tasks.db'));
  });
});
