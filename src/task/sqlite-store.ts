/**
 * The default task store: one SQLite file (better-sqlite3), `--store FILE`, `PGFERRY_STORE` or
 * `~/.pgferry/tasks.db`. WAL mode, so `task status` reads while a background run writes. The
 * driver is synchronous: each method does its work before it returns its promise, so calls made
 * one after another from one process are applied in that order.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { PgferryError, messageOf } from '../errors.js';
import type { PrecheckReport } from '../precheck/run-precheck.js';
import type { VerifyReport } from '../verify/run-verify.js';
import {
  SAMPLES_KEPT, createdLine, groupRuns, historyFromRow, now, pickTask, runFromRow, sampleFromRow, taskFromRow, taskNotFound, unitFromRow, updateColumns, verifyFromRow, workerFromRow,
  type HistoryEntry, type NewTask, type Row, type RunRecord, type RunUpdate, type StoredVerify, type TaskRecord, type TaskSample, type TaskState, type TaskStore, type UnitProgress, type WorkerRecord, type RunOwner,
} from './task-store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tasks (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, spec TEXT NOT NULL, spec_hash TEXT NOT NULL,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, state TEXT NOT NULL, phase TEXT,
  progress REAL NOT NULL DEFAULT 0, run_id TEXT, pid INTEGER, started_at TEXT, finished_at TEXT,
  stop_requested INTEGER NOT NULL DEFAULT 0, jobs INTEGER NOT NULL, max_rate REAL,
  bytes_total INTEGER, bytes_done INTEGER, rate REAL, error TEXT, summary TEXT,
  precheck_hash TEXT, precheck_passed INTEGER, precheck_at TEXT, precheck TEXT
);
CREATE TABLE IF NOT EXISTS task_secrets (
  task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE, side TEXT NOT NULL, sealed TEXT NOT NULL,
  PRIMARY KEY (task_id, side)
);
CREATE TABLE IF NOT EXISTS task_units (
  task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE, unit TEXT NOT NULL, state TEXT NOT NULL,
  rows INTEGER, bytes INTEGER NOT NULL DEFAULT 0, total_bytes INTEGER, est_rows INTEGER, seconds REAL, ord INTEGER NOT NULL,
  PRIMARY KEY (task_id, unit)
);
CREATE TABLE IF NOT EXISTS task_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  at TEXT NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL, data TEXT
);
CREATE INDEX IF NOT EXISTS task_history_task ON task_history (task_id, id);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS task_runs (
  task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE, run INTEGER NOT NULL, kind TEXT NOT NULL,
  started_at TEXT NOT NULL, finished_at TEXT, state TEXT NOT NULL,
  rows INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0, seconds REAL NOT NULL DEFAULT 0,
  PRIMARY KEY (task_id, run)
);
CREATE TABLE IF NOT EXISTS task_verifies (
  id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  at TEXT NOT NULL, ok INTEGER NOT NULL, report TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS task_verifies_task ON task_verifies (task_id, id);
CREATE TABLE IF NOT EXISTS task_samples (
  id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  run INTEGER NOT NULL, at INTEGER NOT NULL, rows INTEGER NOT NULL, bytes INTEGER NOT NULL, lag REAL, lag_bytes INTEGER
);
CREATE INDEX IF NOT EXISTS task_samples_task ON task_samples (task_id, id);
CREATE TABLE IF NOT EXISTS workers (
  name TEXT PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL, started_at TEXT NOT NULL, seen_at TEXT NOT NULL,
  concurrency INTEGER NOT NULL, tasks TEXT NOT NULL, units TEXT NOT NULL DEFAULT '[]', progress TEXT NOT NULL DEFAULT '{}'
);
`;

/** SQLite binds no booleans. */
const bindable = (v: unknown) => (typeof v === 'boolean' ? Number(v) : v);

export class SqliteTaskStore implements TaskStore {
  readonly kind = 'sqlite' as const;
  readonly location: string;
  readonly reopenWith: string;
  readonly logDir: string;

  private constructor(private readonly db: Database.Database, readonly file: string) {
    this.location = file;
    this.reopenWith = file;
    this.logDir = path.join(path.dirname(file), 'logs');
  }

  /** Opens (creating) the store at `file`. */
  static open(file: string): SqliteTaskStore {
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      // every task process, the server and the CLI share the store: a writer waits up to 30 s for
      // another's lock (under load, and while a killed process's WAL is recovered, 5 s was too short)
      const db = new Database(file, { timeout: 30_000 });
      fs.chmodSync(file, 0o600);
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      db.exec(SCHEMA);
      // columns added after the first release
      const columns = new Set((db.prepare("SELECT name FROM pragma_table_info('tasks')").all() as { name: string }[]).map((c) => c.name));
      if (!columns.has('pid_start')) db.exec('ALTER TABLE tasks ADD COLUMN pid_start TEXT');
      if (!columns.has('cutover_request')) db.exec('ALTER TABLE tasks ADD COLUMN cutover_request TEXT');
      if (!columns.has('stream_status')) db.exec('ALTER TABLE tasks ADD COLUMN stream_status TEXT');
      if (!columns.has('worker')) db.exec('ALTER TABLE tasks ADD COLUMN worker TEXT');
      const unitColumns = new Set((db.prepare("SELECT name FROM pragma_table_info('task_units')").all() as { name: string }[]).map((c) => c.name));
      if (!unitColumns.has('worker')) db.exec('ALTER TABLE task_units ADD COLUMN worker TEXT');
      const workerColumns = new Set((db.prepare("SELECT name FROM pragma_table_info('workers')").all() as { name: string }[]).map((c) => c.name));
      if (!workerColumns.has('units')) db.exec("ALTER TABLE workers ADD COLUMN units TEXT NOT NULL DEFAULT '[]'");
      if (!workerColumns.has('progress')) db.exec("ALTER TABLE workers ADD COLUMN progress TEXT NOT NULL DEFAULT '{}'");
      return new SqliteTaskStore(db, file);
    } catch (err) {
      throw new PgferryError('PGFERRY_E_STORE', `cannot open the task store: ${messageOf(err)}`, { object: file, fix: 'check the path (--store, PGFERRY_STORE) and its permissions', cause: err });
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }

  /**
   * Runs `fn` in a write transaction taken at BEGIN (IMMEDIATE). A deferred one that reads first
   * and writes after another process has committed fails with SQLITE_BUSY at once, without the
   * busy timeout (SQLite cannot upgrade a stale read snapshot): a `database is locked` under load.
   */
  private write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  private row(id: string): Row | undefined {
    return this.db.prepare('SELECT * FROM tasks WHERE id = ?').get(id) as Row | undefined;
  }

  async create(t: NewTask): Promise<TaskRecord> {
    const at = now();
    this.write(() => {
      this.db
        .prepare('INSERT INTO tasks (id, name, spec, spec_hash, created_at, updated_at, state, jobs, max_rate) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(t.id, t.name, JSON.stringify(t.spec), t.specHash, at, at, 'created', t.jobs, t.maxRateMBps);
      for (const [side, sealed] of Object.entries(t.secrets)) if (sealed) this.putSecret(t.id, side, sealed);
      this.putHistory(t.id, 'created', createdLine(t.spec));
    });
    return taskFromRow(this.row(t.id)!);
  }

  async get(idOrPrefix: string, opts: { prefix?: boolean } = {}): Promise<TaskRecord> {
    const prefix = opts.prefix !== false && idOrPrefix.length >= 4;
    const rows = this.db
      .prepare('SELECT * FROM tasks WHERE id = ? OR (? AND substr(id, 1, length(?)) = ?) LIMIT 2')
      .all(idOrPrefix, Number(prefix), idOrPrefix, idOrPrefix) as Row[];
    return pickTask(rows, idOrPrefix, this.location);
  }

  async list(): Promise<TaskRecord[]> {
    return (this.db.prepare('SELECT * FROM tasks ORDER BY created_at DESC').all() as Row[]).map(taskFromRow);
  }

  async update(id: string, u: RunUpdate): Promise<void> {
    this.set(id, u);
  }

  private set(id: string, u: RunUpdate): void {
    const cols = updateColumns(u);
    if (!cols.length) return;
    this.db.prepare(`UPDATE tasks SET ${cols.map(([c]) => `${c} = ?`).join(', ')}, updated_at = ? WHERE id = ?`).run(...cols.map(([, v]) => bindable(v)), now(), id);
  }

  async updateOwned(id: string, owner: RunOwner, u: RunUpdate): Promise<boolean> {
    return this.write(() => {
      const row = this.db.prepare('SELECT pid, pid_start FROM tasks WHERE id = ?').get(id) as Row | undefined;
      if (!row || row.pid !== owner.pid || (row.pid_start ?? null) !== owner.pidStart) return false;
      this.set(id, u);
      return true;
    });
  }

  async updateIf(id: string, states: TaskState[], u: RunUpdate): Promise<boolean> {
    return this.write(() => {
      const row = this.db.prepare('SELECT state FROM tasks WHERE id = ?').get(id) as Row | undefined;
      if (!row || !states.includes(row.state as TaskState)) return false;
      this.set(id, u);
      return true;
    });
  }

  async claim(id: string, check: (t: TaskRecord) => void, u: RunUpdate): Promise<TaskRecord> {
    return this.write(() => {
      const row = this.row(id);
      if (!row) throw taskNotFound(id, 0, this.location);
      check(taskFromRow(row));
      this.set(id, u);
      return taskFromRow(this.row(id)!);
    });
  }

  async setPrecheck(id: string, hash: string, report: PrecheckReport): Promise<void> {
    this.db
      .prepare('UPDATE tasks SET precheck_hash = ?, precheck_passed = ?, precheck_at = ?, precheck = ?, updated_at = ? WHERE id = ?')
      .run(hash, Number(report.passed), now(), JSON.stringify(report), now(), id);
  }

  private putSecret(id: string, side: string, sealed: string): void {
    this.db.prepare('INSERT INTO task_secrets (task_id, side, sealed) VALUES (?, ?, ?) ON CONFLICT (task_id, side) DO UPDATE SET sealed = excluded.sealed').run(id, side, sealed);
  }

  async setSecret(id: string, side: 'source' | 'target', sealed: string): Promise<void> {
    this.putSecret(id, side, sealed);
  }

  async secret(id: string, side: 'source' | 'target'): Promise<string | undefined> {
    return (this.db.prepare('SELECT sealed FROM task_secrets WHERE task_id = ? AND side = ?').get(id, side) as Row | undefined)?.sealed as string | undefined;
  }

  async secretCount(): Promise<number> {
    return (this.db.prepare('SELECT count(*) AS n FROM task_secrets').get() as Row).n as number;
  }

  async replaceSecret(id: string, side: 'source' | 'target', expected: string, sealed: string): Promise<boolean> {
    return this.db.prepare('UPDATE task_secrets SET sealed = ? WHERE task_id = ? AND side = ? AND sealed = ?').run(sealed, id, side, expected).changes === 1;
  }

  private putHistory(id: string, kind: string, message: string, data?: unknown): void {
    this.db.prepare('INSERT INTO task_history (task_id, at, kind, message, data) VALUES (?, ?, ?, ?, ?)').run(id, now(), kind, message, data === undefined ? null : JSON.stringify(data));
  }

  async addHistory(id: string, kind: string, message: string, data?: unknown): Promise<void> {
    this.putHistory(id, kind, message, data);
  }

  async history(id: string): Promise<HistoryEntry[]> {
    return (this.db.prepare('SELECT at, kind, message, data FROM task_history WHERE task_id = ? ORDER BY id').all(id) as Row[]).map(historyFromRow);
  }

  async saveUnits(id: string, units: UnitProgress[], replace = false): Promise<void> {
    this.write(() => {
      if (replace) this.db.prepare('DELETE FROM task_units WHERE task_id = ?').run(id);
      const up = this.db.prepare(
        `INSERT INTO task_units (task_id, unit, state, rows, bytes, total_bytes, est_rows, seconds, worker, ord) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (task_id, unit) DO UPDATE SET state = excluded.state, rows = excluded.rows, bytes = excluded.bytes,
           total_bytes = coalesce(excluded.total_bytes, task_units.total_bytes), est_rows = coalesce(excluded.est_rows, task_units.est_rows), seconds = excluded.seconds, worker = excluded.worker`,
      );
      units.forEach((u, i) => up.run(id, u.unit, u.state, u.rows, u.bytes, u.totalBytes, u.estimatedRows, u.seconds, u.worker ?? null, i));
    });
  }

  async units(id: string): Promise<UnitProgress[]> {
    return (this.db.prepare('SELECT * FROM task_units WHERE task_id = ? ORDER BY ord').all(id) as Row[]).map(unitFromRow);
  }

  async unitCounts(): Promise<Map<string, { total: number; done: number }>> {
    const rows = this.db.prepare("SELECT task_id, count(*) AS total, count(*) FILTER (WHERE state IN ('done', 'skipped')) AS done FROM task_units GROUP BY task_id").all() as Row[];
    return new Map(rows.map((r) => [r.task_id as string, { total: r.total as number, done: r.done as number }]));
  }

  async historyCounts(kind: string): Promise<Map<string, number>> {
    const rows = this.db.prepare('SELECT task_id, count(*) AS n FROM task_history WHERE kind = ? GROUP BY task_id').all(kind) as Row[];
    return new Map(rows.map((r) => [r.task_id as string, r.n as number]));
  }

  async startRun(id: string, kind: RunRecord['kind']): Promise<number> {
    return this.write(() => {
      this.closeRuns(id);
      const n = ((this.db.prepare('SELECT max(run) AS n FROM task_runs WHERE task_id = ?').get(id) as Row).n as number | null) ?? 0;
      this.db.prepare('INSERT INTO task_runs (task_id, run, kind, started_at, state) VALUES (?, ?, ?, ?, ?)').run(id, n + 1, kind, now(), 'running');
      return n + 1;
    });
  }

  async updateRun(id: string, run: number, u: { rows: number; bytes: number; seconds: number; state?: RunRecord['state'] }): Promise<void> {
    const end = u.state && u.state !== 'running';
    this.db
      .prepare('UPDATE task_runs SET rows = ?, bytes = ?, seconds = ?, state = coalesce(?, state), finished_at = CASE WHEN ? THEN ? ELSE finished_at END WHERE task_id = ? AND run = ?')
      .run(u.rows, u.bytes, u.seconds, u.state ?? null, Number(Boolean(end)), now(), id, run);
  }

  private closeRuns(id: string): void {
    this.db.prepare("UPDATE task_runs SET state = 'interrupted' WHERE task_id = ? AND state = 'running'").run(id);
  }

  async closeOpenRuns(id: string): Promise<void> {
    this.closeRuns(id);
  }

  async runs(id: string): Promise<RunRecord[]> {
    return (this.db.prepare('SELECT * FROM task_runs WHERE task_id = ? ORDER BY run').all(id) as Row[]).map(runFromRow);
  }

  async allRuns(): Promise<Map<string, RunRecord[]>> {
    return groupRuns(this.db.prepare('SELECT * FROM task_runs ORDER BY task_id, run').all() as Row[]);
  }

  async secretSides(): Promise<Set<string>> {
    return new Set((this.db.prepare('SELECT task_id, side FROM task_secrets').all() as Row[]).map((r) => `${r.task_id as string}/${r.side as string}`));
  }

  async addSample(id: string, s: TaskSample): Promise<void> {
    this.write(() => {
      this.db.prepare('INSERT INTO task_samples (task_id, run, at, rows, bytes, lag, lag_bytes) VALUES (?, ?, ?, ?, ?, ?, ?)').run(id, s.run, s.at, s.rows, s.bytes, s.lagSeconds, s.lagBytes);
      const n = (this.db.prepare('SELECT count(*) AS n FROM task_samples WHERE task_id = ?').get(id) as Row).n as number;
      if (n < 2 * SAMPLES_KEPT) return;
      this.db.prepare(
        `DELETE FROM task_samples WHERE id IN (
           SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS k FROM task_samples WHERE task_id = ?) WHERE k % 2 = 0 AND k < ?)`,
      ).run(id, n);
    });
  }

  async samples(id: string): Promise<TaskSample[]> {
    return (this.db.prepare('SELECT run, at, rows, bytes, lag, lag_bytes FROM task_samples WHERE task_id = ? ORDER BY id').all(id) as Row[]).map(sampleFromRow);
  }

  async addVerify(id: string, report: VerifyReport): Promise<string> {
    const at = now();
    this.db.prepare('INSERT INTO task_verifies (task_id, at, ok, report) VALUES (?, ?, ?, ?)').run(id, at, Number(Boolean(report.ok)), JSON.stringify(report));
    return at;
  }

  async latestVerify(id: string): Promise<StoredVerify | null> {
    const r = this.db.prepare('SELECT at, report FROM task_verifies WHERE task_id = ? ORDER BY id DESC LIMIT 1').get(id) as Row | undefined;
    return r ? verifyFromRow(r) : null;
  }

  async setting(key: string): Promise<string | undefined> {
    return (this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as Row | undefined)?.value as string | undefined;
  }

  async setSetting(key: string, value: string): Promise<void> {
    this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  async delete(id: string): Promise<void> {
    this.db.prepare('DELETE FROM tasks WHERE id = ?').run(id);
  }

  async beatWorker(w: Omit<WorkerRecord, 'heartbeatAge'>): Promise<void> {
    this.db
      .prepare(`INSERT INTO workers (name, host, pid, started_at, seen_at, concurrency, tasks, units, progress) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET host = excluded.host, pid = excluded.pid, started_at = excluded.started_at, seen_at = excluded.seen_at,
          concurrency = excluded.concurrency, tasks = excluded.tasks, units = excluded.units, progress = excluded.progress`)
      .run(w.name, w.host, w.pid, w.startedAt, now(), w.concurrency, JSON.stringify(w.tasks), JSON.stringify(w.units), JSON.stringify(w.progress ?? {}));
  }

  async reclaimUnits(name: string, silentSeconds: number): Promise<string[]> {
    // one write transaction, taken before the read: a second reclaimer waits for it and reads the emptied list
    const reclaim = this.db.transaction(() => {
      const w = (this.db.prepare('SELECT * FROM workers WHERE name = ?').get(name) as Row | undefined);
      if (!w || workerFromRow(w).heartbeatAge <= silentSeconds) return [];
      this.db.prepare("UPDATE workers SET units = '[]' WHERE name = ?").run(name);
      return JSON.parse(w.units as string) as string[];
    });
    return reclaim.immediate();
  }

  async workers(): Promise<WorkerRecord[]> {
    return (this.db.prepare('SELECT * FROM workers ORDER BY seen_at DESC, name').all() as Row[]).map(workerFromRow);
  }

  async removeWorker(name: string): Promise<void> {
    this.db.prepare('DELETE FROM workers WHERE name = ?').run(name);
  }
}
