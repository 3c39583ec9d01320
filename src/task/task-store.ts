/**
 * The task store: what every command, `serve` and a task's own process share. Holds specs (no
 * passwords), sealed secrets, run state, per-unit progress, chart points and history. Two
 * backends with one contract (test/harness/store-contract.ts): one SQLite file, the default
 * (sqlite-store.ts), and a PostgreSQL database that several machines share (postgres-store.ts);
 * open-store.ts picks by `--store` / `PGFERRY_STORE`. Every method is async, because the
 * PostgreSQL one is.
 */
import { PgferryError } from '../errors.js';
import type { StoredSpec } from '../config/task-spec.js';
import type { PrecheckReport } from '../precheck/run-precheck.js';
import type { VerifyReport } from '../verify/run-verify.js';
import type { CutoverRequest, LaneReport } from '../run/run-options.js';
import type { StreamStatus } from '../run/events.js';

/** `queued`: a start or resume waits in the fleet's queue for a free worker (fleet mode). */
export type TaskState = 'created' | 'queued' | 'running' | 'stopping' | 'stopped' | 'failed' | 'completed';

export interface TaskRecord {
  id: string;
  name: string;
  spec: StoredSpec;
  specHash: string;
  createdAt: string;
  updatedAt: string;
  /**
   * Seconds since updatedAt when the record was read: the run's heartbeat (it writes its progress
   * every second). By the store's clock for a PostgreSQL store, so machines' clocks need not agree.
   */
  heartbeatAge: number;
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
  /** The fleet worker whose process runs (or last ran) the task; null for a run started on a machine by hand. */
  worker: string | null;
}

/** The process that runs a task, as its claim recorded it. */
export interface RunOwner {
  pid: number;
  pidStart: string | null;
}

/** A fleet worker (`pgferry worker`) as it reports itself every few seconds. */
export interface WorkerRecord {
  name: string;
  host: string;
  pid: number;
  startedAt: string;
  concurrency: number;
  /** The tasks its processes run now. */
  tasks: string[];
  /** The jobs it holds now for other tasks' runs: unit jobs by id, verify parts as `part:ID`, lanes as `lane:ID`. */
  units: string[];
  /**
   * How far each job it holds has got, as of its last report: a unit job's bytes copied (by job
   * id), a lane job's status (by `lane:ID`, src/fleet/lane-queue.ts).
   */
  progress?: Record<string, number | LaneReport>;
  /** Seconds since its last report, by the store's clock. */
  heartbeatAge: number;
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
  /** The fleet worker that copied it (a spread copy); null or absent when the run's own process did. */
  worker?: string | null;
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

/** A task keeps at most twice this many chart samples: at that, every other one is dropped. */
export const SAMPLES_KEPT = 400;

/** Which backend a store is. */
export type StoreKind = 'sqlite' | 'postgresql';

export interface NewTask {
  id: string;
  name: string;
  spec: StoredSpec;
  specHash: string;
  jobs: number;
  maxRateMBps: number | null;
  secrets: Partial<Record<'source' | 'target', string>>;
}

export interface TaskStore {
  readonly kind: StoreKind;
  /** What people are shown: the file, or `user@host:port/db` (never a password). */
  readonly location: string;
  /** What opens this store again in another process (a task run in the background); may hold a password: never shown. */
  readonly reopenWith: string;
  /** Where the background runs started from this machine write their logs. */
  readonly logDir: string;
  close(): Promise<void>;
  /**
   * Stores a new task. The caller picks the ID (`crypto.randomUUID()`): the passwords in
   * `secrets` are sealed for it before anything is written.
   */
  create(t: NewTask): Promise<TaskRecord>;
  /**
   * The task with this ID, or (for people typing at the CLI) the only one whose ID starts with
   * these 4 or more characters; `prefix: false` (the HTTP API) takes exact IDs only. Compared as
   * text, never as a LIKE pattern.
   */
  get(idOrPrefix: string, opts?: { prefix?: boolean }): Promise<TaskRecord>;
  list(): Promise<TaskRecord[]>;
  update(id: string, u: RunUpdate): Promise<void>;
  /**
   * Sets the fields only while the process `owner` is still the task's run (its pid and start
   * stamp): what a run writes about itself, so a process that lost its task to a takeover (a
   * "zombie" that was frozen or cut off) changes nothing. Returns whether it was.
   */
  updateOwned(id: string, owner: RunOwner, u: RunUpdate): Promise<boolean>;
  /** Sets the fields only while the task is in one of `states`; returns whether it was. */
  updateIf(id: string, states: TaskState[], u: RunUpdate): Promise<boolean>;
  /**
   * Compare-and-set for taking a task: reads it and applies `u` in one transaction that no other
   * process can interleave with, after `check` has seen the current record and not thrown. Two
   * processes starting one task: exactly one gets it.
   */
  claim(id: string, check: (t: TaskRecord) => void, u: RunUpdate): Promise<TaskRecord>;
  setPrecheck(id: string, hash: string, report: PrecheckReport): Promise<void>;
  setSecret(id: string, side: 'source' | 'target', sealed: string): Promise<void>;
  secret(id: string, side: 'source' | 'target'): Promise<string | undefined>;
  /** How many sealed passwords the store holds (a key file is created only while there are none). */
  secretCount(): Promise<number>;
  /** Replaces a sealed password only if it is still `expected` (a re-seal never undoes a set-password). */
  replaceSecret(id: string, side: 'source' | 'target', expected: string, sealed: string): Promise<boolean>;
  addHistory(id: string, kind: string, message: string, data?: unknown): Promise<void>;
  history(id: string): Promise<HistoryEntry[]>;
  /** Replaces the unit list (a new plan) or updates units in place, in one transaction. */
  saveUnits(id: string, units: UnitProgress[], replace?: boolean): Promise<void>;
  units(id: string): Promise<UnitProgress[]>;
  /** Per task, how many units there are and how many are done (or were done by an earlier run): one query for every task. */
  unitCounts(): Promise<Map<string, { total: number; done: number }>>;
  /** Per task, how many history entries of `kind` it has (e.g. retries): one query for every task. */
  historyCounts(kind: string): Promise<Map<string, number>>;
  /**
   * Opens the record of a new run (numbered from 1) and closes the ones a killed process left
   * open as interrupted: the caller has just claimed the task, so no other process runs it.
   */
  startRun(id: string, kind: RunRecord['kind']): Promise<number>;
  /** What a run has copied so far (written with its progress), or how it ended. */
  updateRun(id: string, run: number, u: { rows: number; bytes: number; seconds: number; state?: RunRecord['state'] }): Promise<void>;
  /** Marks runs still open as interrupted (their process is gone); keeps what they copied. */
  closeOpenRuns(id: string): Promise<void>;
  runs(id: string): Promise<RunRecord[]>;
  /** Every task's runs in one read (a list of hundreds of tasks, the metrics): task id → its runs in order. */
  allRuns(): Promise<Map<string, RunRecord[]>>;
  /** Which tasks have a stored password, in one read: `ID/source`, `ID/target`. */
  secretSides(): Promise<Set<string>>;
  /**
   * Adds a chart point. The chart of a long run stays bounded by thinning: at 2 × SAMPLES_KEPT
   * points every other one goes, so older stretches keep a coarser step; the points are running
   * totals, so a rate over a dropped point's gap is still the true average.
   */
  addSample(id: string, s: TaskSample): Promise<void>;
  samples(id: string): Promise<TaskSample[]>;
  /** Keeps a verify report as JSON, whatever fields it has; returns when it was stored. */
  addVerify(id: string, report: VerifyReport): Promise<string>;
  /** The task's most recent verify report, or null when it has never been verified. */
  latestVerify(id: string): Promise<StoredVerify | null>;
  setting(key: string): Promise<string | undefined>;
  setSetting(key: string, value: string): Promise<void>;
  delete(id: string): Promise<void>;
  /** Records a worker's report (its heartbeat), creating its row on the first. */
  beatWorker(w: Omit<WorkerRecord, 'heartbeatAge'>): Promise<void>;
  /** Every worker that has reported and not signed off, most recent first. */
  workers(): Promise<WorkerRecord[]>;
  removeWorker(name: string): Promise<void>;
  /**
   * Takes back the unit jobs of a worker silent for over `silentSeconds` (by the store's clock):
   * returns them and empties its list, at most once however many ask at the same time.
   */
  reclaimUnits(name: string, silentSeconds: number): Promise<string[]>;
}

export type Row = Record<string, unknown>;

/** A JSON column: text in SQLite, jsonb (already parsed) in PostgreSQL. */
const json = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);
/** A number column: PostgreSQL's bigint comes as text. */
const num = (v: unknown): number => (typeof v === 'string' ? Number(v) : (v as number));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
/** A time column: text in SQLite, timestamptz (a Date) in PostgreSQL; ISO 8601 either way. */
const time = (v: unknown): string => (v instanceof Date ? v.toISOString() : (v as string));
const timeOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : time(v));
/** Seconds since `at`: the age the PostgreSQL store computed by its own clock, else by this machine's. */
const ageOf = (computed: unknown, at: unknown): number => (computed !== undefined && computed !== null ? Number(computed) : Math.max(0, (Date.now() - Date.parse(time(at))) / 1000));

export function taskFromRow(r: Row): TaskRecord {
  return {
    id: r.id as string,
    name: r.name as string,
    spec: json(r.spec) as StoredSpec,
    specHash: r.spec_hash as string,
    createdAt: time(r.created_at),
    updatedAt: time(r.updated_at),
    heartbeatAge: ageOf(r.heartbeat_age, r.updated_at),
    state: r.state as TaskState,
    phase: (r.phase as string) ?? null,
    progress: num(r.progress),
    runId: (r.run_id as string) ?? null,
    pid: numOrNull(r.pid),
    pidStart: (r.pid_start as string) ?? null,
    startedAt: timeOrNull(r.started_at),
    finishedAt: timeOrNull(r.finished_at),
    stopRequested: Boolean(r.stop_requested),
    jobs: num(r.jobs),
    maxRateMBps: numOrNull(r.max_rate),
    bytesTotal: numOrNull(r.bytes_total),
    bytesDone: numOrNull(r.bytes_done),
    rate: numOrNull(r.rate),
    error: (r.error as string) ?? null,
    summary: r.summary ? json(r.summary) : null,
    precheck: r.precheck_hash
      ? { hash: r.precheck_hash as string, passed: Boolean(r.precheck_passed), at: time(r.precheck_at), report: json(r.precheck) as PrecheckReport }
      : null,
    cutoverRequest: r.cutover_request ? (json(r.cutover_request) as CutoverRequest) : null,
    streamStatus: r.stream_status ? (json(r.stream_status) as StreamStatus) : null,
    worker: (r.worker as string) ?? null,
  };
}

/** Run rows ordered by task and run, grouped by task. */
export function groupRuns(rows: Row[]): Map<string, RunRecord[]> {
  const out = new Map<string, RunRecord[]>();
  for (const r of rows) {
    const id = r.task_id as string;
    if (!out.has(id)) out.set(id, []);
    out.get(id)!.push(runFromRow(r));
  }
  return out;
}

export function workerFromRow(r: Row): WorkerRecord {
  return {
    name: r.name as string,
    host: r.host as string,
    pid: num(r.pid),
    startedAt: time(r.started_at),
    concurrency: num(r.concurrency),
    tasks: json(r.tasks) as string[],
    units: r.units === null || r.units === undefined ? [] : (json(r.units) as string[]),
    progress: r.progress === null || r.progress === undefined ? {} : (json(r.progress) as Record<string, number>),
    heartbeatAge: ageOf(r.heartbeat_age, r.seen_at),
  };
}

export function unitFromRow(r: Row): UnitProgress {
  return {
    unit: r.unit as string,
    state: r.state as UnitProgress['state'],
    rows: numOrNull(r.rows),
    bytes: num(r.bytes),
    totalBytes: numOrNull(r.total_bytes),
    estimatedRows: numOrNull(r.est_rows),
    seconds: numOrNull(r.seconds),
    worker: (r.worker as string | null | undefined) ?? null,
  };
}

export function runFromRow(r: Row): RunRecord {
  return {
    run: num(r.run),
    kind: r.kind as RunRecord['kind'],
    startedAt: time(r.started_at),
    finishedAt: timeOrNull(r.finished_at),
    state: r.state as RunRecord['state'],
    rows: num(r.rows),
    bytes: num(r.bytes),
    seconds: num(r.seconds),
  };
}

export function historyFromRow(r: Row): HistoryEntry {
  return { at: time(r.at), kind: r.kind as string, message: r.message as string, data: r.data ? json(r.data) : null };
}

export function sampleFromRow(r: Row): TaskSample {
  return { run: num(r.run), at: num(r.at), rows: num(r.rows), bytes: num(r.bytes), lagSeconds: numOrNull(r.lag), lagBytes: numOrNull(r.lag_bytes) };
}

export function verifyFromRow(r: Row): StoredVerify {
  return { at: time(r.at), report: json(r.report) as VerifyReport };
}

/** Columns a run may update, by record field. */
export const RUN_FIELDS = {
  state: 'state', phase: 'phase', progress: 'progress', runId: 'run_id', pid: 'pid', pidStart: 'pid_start', startedAt: 'started_at', finishedAt: 'finished_at',
  stopRequested: 'stop_requested', jobs: 'jobs', maxRateMBps: 'max_rate', bytesTotal: 'bytes_total', bytesDone: 'bytes_done', rate: 'rate',
  error: 'error', summary: 'summary', cutoverRequest: 'cutover_request', streamStatus: 'stream_status', worker: 'worker',
} as const;
/** Fields stored as JSON. */
export const JSON_FIELDS = new Set<string>(['summary', 'cutoverRequest', 'streamStatus']);
export type RunUpdate = Partial<Pick<TaskRecord, keyof typeof RUN_FIELDS>>;

/** The (column, value) pairs of an update, in the record's order; JSON fields as text, the rest as given. */
export function updateColumns(u: RunUpdate): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [field, value] of Object.entries(u)) {
    const col = RUN_FIELDS[field as keyof typeof RUN_FIELDS];
    if (!col) continue;
    out.push([col, JSON_FIELDS.has(field) && value !== null && value !== undefined ? JSON.stringify(value) : value]);
  }
  return out;
}

/** The error of a task that is not there (or a prefix that is ambiguous). */
export function taskNotFound(idOrPrefix: string, matches: number, location: string): PgferryError {
  return new PgferryError('PGFERRY_E_TASK_NOT_FOUND', matches ? `task ID prefix ${idOrPrefix} is ambiguous` : `no task ${idOrPrefix}`, {
    object: `store ${location}`,
    fix: 'pgferry task list shows the tasks of this store',
  });
}

/** The record of `idOrPrefix` among up to two rows found by ID or prefix. */
export function pickTask(rows: Row[], idOrPrefix: string, location: string): TaskRecord {
  const exact = rows.find((r) => r.id === idOrPrefix);
  if (exact) return taskFromRow(exact);
  if (rows.length === 1) return taskFromRow(rows[0]);
  throw taskNotFound(idOrPrefix, rows.length, location);
}

/** The history line a new task starts with. */
export function createdLine(spec: StoredSpec): string {
  return `task created: ${spec.source.database} on ${spec.source.host} to ${spec.target.database} on ${spec.target.host}`;
}

export const now = () => new Date().toISOString();
