/**
 * The local task store: one SQLite file (better-sqlite3), `--store`, `PGFERRY_STORE` or
 * `~/.pgferry/tasks.db`. WAL mode, so `task status` reads while a background run writes. Holds
 * specs (no passwords), sealed secrets, run state, per-unit progress and history.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { PgferryError, messageOf } from '../errors.js';
import type { StoredSpec } from '../config/task-spec.js';
import type { PrecheckReport } from '../precheck/run-precheck.js';
import type { VerifyReport } from '../verify/run-verify.js';
import type { CutoverRequest } from '../run/run-options.js';
import type { StreamStatus } from '../run/events.js';

export type TaskState = 'created' | 'running' | 'stopping' | 'stopped' | 'failed' | 'completed';

export interface TaskRecord {
  id: string;
  name: string;
  spec: StoredSpec;
  specHash: string;
  createdAt: string;
  updatedAt: string;
  state: TaskState;
  phase: string | null;
  /** 0..1 */
  progress: number;
  runId: string | null;
  pid: number | null;
  /** What identifies the run's process beyond its pid, which the OS reuses (see process-identity.ts). */
  pidStart: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  stopRequested: boolean;
  /** Current throughput settings; a running task picks up changes within a second. */
  jobs: number;
  maxRateMBps: number | null;
  bytesTotal: number | null;
  bytesDone: number | null;
  /** Bytes per second over the last seconds of the copy. */
  rate: number | null;
  error: string | null;
  summary: unknown;
  precheck: { hash: string; passed: boolean; at: string; report: PrecheckReport } | null;
  /** Incremental: the cutover asked for (task cutover), which the running task picks up within a second; null while none is. */
  cutoverRequest: CutoverRequest | null;
  /** Incremental: the latest stream report of the run (lag, positions, rates, WAL the slot holds); null before it streamed. */
  streamStatus: StreamStatus | null;
}

export interface UnitProgress {
  unit: string;
  /** skipped: done by an earlier run or attempt (rows and bytes are what that one copied); failed: not copied, its table was rejected. */
  state: 'pending' | 'copying' | 'done' | 'skipped' | 'failed';
  rows: number | null;
  bytes: number;
  totalBytes: number | null;
  estimatedRows: number | null;
  seconds: number | null;
}

/** One run of a task (a start, or a resume): what it copied itself, and how it ended. */
export interface RunRecord {
  run: number;
  kind: 'start' | 'resume';
  startedAt: string;
  finishedAt: string | null;
  /** running (or, once its process is gone, interrupted), completed, stopped, failed. */
  state: 'running' | 'completed' | 'stopped' | 'failed' | 'interrupted';
  rows: number;
  bytes: number;
  seconds: number;
}

/** A verify report as it came, with when it ran. */
export interface StoredVerify {
  at: string;
  report: VerifyReport;
}

/**
 * A point of a run's charts: what the run had copied by then (its own rows and bytes, so a rate is
 * the difference to the run's previous point) and, while it streams, its lag.
 */
export interface TaskSample {
  run: number;
  at: number;
  rows: number;
  bytes: number;
  lagSeconds: number | null;
  lagBytes: number | null;
}

export interface HistoryEntry {
  at: string;
  kind: string;
  message: string;
  data: unknown;
}

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
`;

/** A task keeps at most twice this many chart samples: at that, every other one is dropped. */
export const SAMPLES_KEPT = 400;

export function defaultStorePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.PGFERRY_STORE || path.join(os.homedir(), '.pgferry', 'tasks.db');
}

const now = () => new Date().toISOString();

type Row = Record<string, unknown>;

function toRecord(r: Row): TaskRecord {
  return {
    id: r.id as string,
    name: r.name as string,
    spec: JSON.parse(r.spec as string) as StoredSpec,
    specHash: r.spec_hash as string,
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
    state: r.state as TaskState,
    phase: (r.phase as string) ?? null,
    progress: r.progress as number,
    runId: (r.run_id as string) ?? null,
    pid: (r.pid as number) ?? null,
    pidStart: (r.pid_start as string) ?? null,
    startedAt: (r.started_at as string) ?? null,
    finishedAt: (r.finished_at as string) ?? null,
    stopRequested: Boolean(r.stop_requested),
    jobs: r.jobs as number,
    maxRateMBps: (r.max_rate as number) ?? null,
    bytesTotal: (r.bytes_total as number) ?? null,
    bytesDone: (r.bytes_done as number) ?? null,
    rate: (r.rate as number) ?? null,
    error: (r.error as string) ?? null,
    summary: r.summary ? JSON.parse(r.summary as string) : null,
    precheck: r.precheck_hash
      ? { hash: r.precheck_hash as string, passed: Boolean(r.precheck_passed), at: r.precheck_at as string, report: JSON.parse(r.precheck as string) as PrecheckReport }
      : null,
    cutoverRequest: r.cutover_request ? (JSON.parse(r.cutover_request as string) as CutoverRequest) : null,
    streamStatus: r.stream_status ? (JSON.parse(r.stream_status as string) as StreamStatus) : null,
  };
}

/** Columns a run may update, by record field. */
const RUN_FIELDS = {
  state: 'state', phase: 'phase', progress: 'progress', runId: 'run_id', pid: 'pid', pidStart: 'pid_start', startedAt: 'started_at', finishedAt: 'finished_at',
  stopRequested: 'stop_requested', jobs: 'jobs', maxRateMBps: 'max_rate', bytesTotal: 'bytes_total', bytesDone: 'bytes_done', rate: 'rate',
  error: 'error', summary: 'summary', cutoverRequest: 'cutover_request', streamStatus: 'stream_status',
} as const;
/** Fields stored as JSON text. */
const JSON_FIELDS = new Set<string>(['summary', 'cutoverRequest', 'streamStatus']);
export type RunUpdate = Partial<Pick<TaskRecord, keyof typeof RUN_FIELDS>>;

export class TaskStore {
  private constructor(private readonly db: Database.Database, readonly file: string) {}

  /** Opens (creating) the store at `file`. */
  static open(file = defaultStorePath()): TaskStore {
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
      return new TaskStore(db, file);
    } catch (err) {
      throw new PgferryError('PGFERRY_E_STORE', `cannot open the task store: ${messageOf(err)}`, { object: file, fix: 'check the path (--store, PGFERRY_STORE) and its permissions', cause: err });
    }
  }

  close(): void {
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

  /**
   * Stores a new task. The caller picks the ID (`crypto.randomUUID()`): the passwords in
   * `secrets` are sealed for it before anything is written.
   */
  create(t: { id: string; name: string; spec: StoredSpec; specHash: string; jobs: number; maxRateMBps: number | null; secrets: Partial<Record<'source' | 'target', string>> }): TaskRecord {
    const id = t.id;
    const at = now();
    this.write(() => {
      this.db
        .prepare('INSERT INTO tasks (id, name, spec, spec_hash, created_at, updated_at, state, jobs, max_rate) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(id, t.name, JSON.stringify(t.spec), t.specHash, at, at, 'created', t.jobs, t.maxRateMBps);
      for (const [side, sealed] of Object.entries(t.secrets)) if (sealed) this.setSecret(id, side as 'source' | 'target', sealed);
      this.addHistory(id, 'created', `task created: ${t.spec.source.database} on ${t.spec.source.host} to ${t.spec.target.database} on ${t.spec.target.host}`);
    });
    return this.get(id);
  }

  /**
   * The task with this ID, or (for people typing at the CLI) the only one whose ID starts with
   * these 4 or more characters; `prefix: false` (the HTTP API) takes exact IDs only. Compared as
   * text, never as a LIKE pattern.
   */
  get(idOrPrefix: string, opts: { prefix?: boolean } = {}): TaskRecord {
    const prefix = opts.prefix !== false && idOrPrefix.length >= 4;
    const rows = this.db
      .prepare('SELECT * FROM tasks WHERE id = ? OR (? AND substr(id, 1, length(?)) = ?) LIMIT 2')
      .all(idOrPrefix, Number(prefix), idOrPrefix, idOrPrefix) as Row[];
    const exact = rows.find((r) => r.id === idOrPrefix);
    if (exact) return toRecord(exact);
    if (rows.length === 1) return toRecord(rows[0]);
    throw new PgferryError('PGFERRY_E_TASK_NOT_FOUND', rows.length ? `task ID prefix ${idOrPrefix} is ambiguous` : `no task ${idOrPrefix}`, {
      object: `store ${this.file}`,
      fix: 'pgferry task list shows the tasks of this store',
    });
  }

  list(): TaskRecord[] {
    return (this.db.prepare('SELECT * FROM tasks ORDER BY created_at DESC').all() as Row[]).map(toRecord);
  }

  update(id: string, u: RunUpdate): void {
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [field, value] of Object.entries(u)) {
      const col = RUN_FIELDS[field as keyof typeof RUN_FIELDS];
      if (!col) continue;
      sets.push(`${col} = ?`);
      values.push(typeof value === 'boolean' ? Number(value) : JSON_FIELDS.has(field) && value !== null && value !== undefined ? JSON.stringify(value) : value);
    }
    if (!sets.length) return;
    this.db.prepare(`UPDATE tasks SET ${sets.join(', ')}, updated_at = ? WHERE id = ?`).run(...values, now(), id);
  }

  /** Sets the fields only while the task is in one of `states`; returns whether it was. */
  updateIf(id: string, states: TaskState[], u: RunUpdate): boolean {
    return this.write(() => {
      const row = this.db.prepare('SELECT state FROM tasks WHERE id = ?').get(id) as Row | undefined;
      if (!row || !states.includes(row.state as TaskState)) return false;
      this.update(id, u);
      return true;
    });
  }

  /**
   * Compare-and-set for taking a task: reads it and applies `u` in one write transaction (SQLite
   * IMMEDIATE: no other process can read-then-write in between), after `check` has seen the
   * current record and not thrown. Two processes starting one task: exactly one gets it.
   */
  claim(id: string, check: (t: TaskRecord) => void, u: RunUpdate): TaskRecord {
    return this.write(() => {
      const row = this.db.prepare('SELECT * FROM tasks WHERE id = ?').get(id) as Row | undefined;
      if (!row) throw new PgferryError('PGFERRY_E_TASK_NOT_FOUND', `no task ${id}`, { object: `store ${this.file}` });
      check(toRecord(row));
      this.update(id, u);
      return toRecord(this.db.prepare('SELECT * FROM tasks WHERE id = ?').get(id) as Row);
    });
  }

  setPrecheck(id: string, hash: string, report: PrecheckReport): void {
    this.db
      .prepare('UPDATE tasks SET precheck_hash = ?, precheck_passed = ?, precheck_at = ?, precheck = ?, updated_at = ? WHERE id = ?')
      .run(hash, Number(report.passed), now(), JSON.stringify(report), now(), id);
  }

  setSecret(id: string, side: 'source' | 'target', sealed: string): void {
    this.db.prepare('INSERT INTO task_secrets (task_id, side, sealed) VALUES (?, ?, ?) ON CONFLICT (task_id, side) DO UPDATE SET sealed = excluded.sealed').run(id, side, sealed);
  }

  secret(id: string, side: 'source' | 'target'): string | undefined {
    return (this.db.prepare('SELECT sealed FROM task_secrets WHERE task_id = ? AND side = ?').get(id, side) as Row | undefined)?.sealed as string | undefined;
  }

  /** How many sealed passwords the store holds (a key file is created only while there are none). */
  secretCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM task_secrets').get() as Row).n as number;
  }

  /** Replaces a sealed password only if it is still `expected` (a re-seal never undoes a set-password). */
  replaceSecret(id: string, side: 'source' | 'target', expected: string, sealed: string): boolean {
    return this.db.prepare('UPDATE task_secrets SET sealed = ? WHERE task_id = ? AND side = ? AND sealed = ?').run(sealed, id, side, expected).changes === 1;
  }

  addHistory(id: string, kind: string, message: string, data?: unknown): void {
    this.db.prepare('INSERT INTO task_history (task_id, at, kind, message, data) VALUES (?, ?, ?, ?, ?)').run(id, now(), kind, message, data === undefined ? null : JSON.stringify(data));
  }

  history(id: string): HistoryEntry[] {
    return (this.db.prepare('SELECT at, kind, message, data FROM task_history WHERE task_id = ? ORDER BY id').all(id) as Row[]).map((r) => ({
      at: r.at as string,
      kind: r.kind as string,
      message: r.message as string,
      data: r.data ? JSON.parse(r.data as string) : null,
    }));
  }

  /** Replaces the unit list (a new plan) or updates units in place, in one transaction. */
  saveUnits(id: string, units: UnitProgress[], replace = false): void {
    this.write(() => {
      if (replace) this.db.prepare('DELETE FROM task_units WHERE task_id = ?').run(id);
      const up = this.db.prepare(
        `INSERT INTO task_units (task_id, unit, state, rows, bytes, total_bytes, est_rows, seconds, ord) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (task_id, unit) DO UPDATE SET state = excluded.state, rows = excluded.rows, bytes = excluded.bytes,
           total_bytes = coalesce(excluded.total_bytes, task_units.total_bytes), est_rows = coalesce(excluded.est_rows, task_units.est_rows), seconds = excluded.seconds`,
      );
      units.forEach((u, i) => up.run(id, u.unit, u.state, u.rows, u.bytes, u.totalBytes, u.estimatedRows, u.seconds, i));
    });
  }

  units(id: string): UnitProgress[] {
    return (this.db.prepare('SELECT * FROM task_units WHERE task_id = ? ORDER BY ord').all(id) as Row[]).map((r) => ({
      unit: r.unit as string,
      state: r.state as UnitProgress['state'],
      rows: (r.rows as number) ?? null,
      bytes: r.bytes as number,
      totalBytes: (r.total_bytes as number) ?? null,
      estimatedRows: (r.est_rows as number) ?? null,
      seconds: (r.seconds as number) ?? null,
    }));
  }

  /** Per task, how many units there are and how many are done (or were done by an earlier run): one query for every task. */
  unitCounts(): Map<string, { total: number; done: number }> {
    const rows = this.db.prepare("SELECT task_id, count(*) AS total, count(*) FILTER (WHERE state IN ('done', 'skipped')) AS done FROM task_units GROUP BY task_id").all() as Row[];
    return new Map(rows.map((r) => [r.task_id as string, { total: r.total as number, done: r.done as number }]));
  }

  /** Per task, how many history entries of `kind` it has (e.g. retries): one query for every task. */
  historyCounts(kind: string): Map<string, number> {
    const rows = this.db.prepare('SELECT task_id, count(*) AS n FROM task_history WHERE kind = ? GROUP BY task_id').all(kind) as Row[];
    return new Map(rows.map((r) => [r.task_id as string, r.n as number]));
  }

  /**
   * Opens the record of a new run (numbered from 1) and closes the ones a killed process left
   * open as interrupted: the caller has just claimed the task, so no other process runs it.
   */
  startRun(id: string, kind: RunRecord['kind']): number {
    return this.write(() => {
      this.closeOpenRuns(id);
      const n = ((this.db.prepare('SELECT max(run) AS n FROM task_runs WHERE task_id = ?').get(id) as Row).n as number | null) ?? 0;
      this.db.prepare('INSERT INTO task_runs (task_id, run, kind, started_at, state) VALUES (?, ?, ?, ?, ?)').run(id, n + 1, kind, now(), 'running');
      return n + 1;
    });
  }

  /** What a run has copied so far (written with its progress), or how it ended. */
  updateRun(id: string, run: number, u: { rows: number; bytes: number; seconds: number; state?: RunRecord['state'] }): void {
    const end = u.state && u.state !== 'running';
    this.db
      .prepare('UPDATE task_runs SET rows = ?, bytes = ?, seconds = ?, state = coalesce(?, state), finished_at = CASE WHEN ? THEN ? ELSE finished_at END WHERE task_id = ? AND run = ?')
      .run(u.rows, u.bytes, u.seconds, u.state ?? null, Number(Boolean(end)), now(), id, run);
  }

  /** Marks runs still open as interrupted (their process is gone); keeps what they copied. */
  closeOpenRuns(id: string): void {
    this.db.prepare("UPDATE task_runs SET state = 'interrupted' WHERE task_id = ? AND state = 'running'").run(id);
  }

  runs(id: string): RunRecord[] {
    return (this.db.prepare('SELECT * FROM task_runs WHERE task_id = ? ORDER BY run').all(id) as Row[]).map((r) => ({
      run: r.run as number,
      kind: r.kind as RunRecord['kind'],
      startedAt: r.started_at as string,
      finishedAt: (r.finished_at as string) ?? null,
      state: r.state as RunRecord['state'],
      rows: r.rows as number,
      bytes: r.bytes as number,
      seconds: r.seconds as number,
    }));
  }

  /**
   * Adds a chart point. The chart of a long run stays bounded by thinning: at 2 × SAMPLES_KEPT
   * points every other one goes, so older stretches keep a coarser step; the points are running
   * totals, so a rate over a dropped point's gap is still the true average.
   */
  addSample(id: string, s: TaskSample): void {
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

  samples(id: string): TaskSample[] {
    return (this.db.prepare('SELECT run, at, rows, bytes, lag, lag_bytes FROM task_samples WHERE task_id = ? ORDER BY id').all(id) as Row[]).map((r) => ({
      run: r.run as number,
      at: r.at as number,
      rows: r.rows as number,
      bytes: r.bytes as number,
      lagSeconds: (r.lag as number) ?? null,
      lagBytes: (r.lag_bytes as number) ?? null,
    }));
  }

  /** Keeps a verify report as JSON, whatever fields it has; returns when it was stored. */
  addVerify(id: string, report: VerifyReport): string {
    const at = now();
    this.db.prepare('INSERT INTO task_verifies (task_id, at, ok, report) VALUES (?, ?, ?, ?)').run(id, at, Number(Boolean(report.ok)), JSON.stringify(report));
    return at;
  }

  /** The task's most recent verify report, or null when it has never been verified. */
  latestVerify(id: string): StoredVerify | null {
    const r = this.db.prepare('SELECT at, report FROM task_verifies WHERE task_id = ? ORDER BY id DESC LIMIT 1').get(id) as Row | undefined;
    return r ? { at: r.at as string, report: JSON.parse(r.report as string) as VerifyReport } : null;
  }

  setting(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as Row | undefined)?.value as string | undefined;
  }

  setSetting(key: string, value: string): void {
    this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM tasks WHERE id = ?').run(id);
  }
}
