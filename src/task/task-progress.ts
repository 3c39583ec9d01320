/**
 * Turns a run's events into what `task status` shows: phase, overall progress, per-unit rows and
 * bytes, the copy rate, and what this run has copied itself (its record in task_runs). Kept in
 * memory and written to the store at most once a second, so a migration of 10,000 tables does
 * not become 10,000 store transactions. The engine's events come synchronously; the writes they
 * cause go out one after another, in their order (a PostgreSQL store's pool would otherwise let a
 * later write of a row overtake an earlier one), and a failed write is logged, never thrown into
 * the run.
 */
import type { MigrationEvent, MigrationSummary, Phase, StreamStatus } from '../run/events.js';
import type { RunOwner, TaskStore, UnitProgress } from './task-store.js';
import { redact } from '../logger.js';

/** Where each phase starts and ends on the 0..1 progress scale. */
const SPAN: Record<Phase, [number, number]> = {
  connect: [0, 0.01], catalog: [0.01, 0.03], 'pre-data': [0.03, 0.1], data: [0.1, 0.85], 'post-data': [0.85, 0.97],
  sequences: [0.97, 0.98], analyze: [0.98, 0.995], rename: [0.995, 1], stream: [1, 1], cutover: [1, 1], verify: [1, 1],
};

/** The step between the chart points a run keeps (thinned further in a long run: TaskStore.addSample). */
const SAMPLE_MS = 2000;

/**
 * The rows a table still copying has moved, as its share of the source's row estimate by bytes:
 * COPY reports its rows only at its end, so without the estimate a large table would read 0
 * rows/s until it is done. The one place this estimate is made (the CLI's bars, the stored chart
 * points and the console's units all read it).
 */
export function movedRows(estimatedRows: number | null, bytes: number, totalBytes: number | null): number {
  return estimatedRows && totalBytes ? Math.round(estimatedRows * Math.min(1, bytes / totalBytes)) : 0;
}

/** The rows copied so far: each done table's count, and movedRows() of each table still copying. */
export function rowsSoFar(units: Iterable<UnitProgress>): number {
  let rows = 0;
  for (const u of units) {
    if (u.rows !== null) rows += u.rows;
    else if (u.state === 'copying') rows += movedRows(u.estimatedRows, u.bytes, u.totalBytes);
  }
  return rows;
}

/** What one run copied itself: rows, bytes (table data and large objects) and its wall-clock time. */
export interface RunNumbers {
  rows: number;
  bytes: number;
  seconds: number;
}

export class TaskProgress {
  private phase: Phase | null = null;
  private steps = 0;
  private stepsDone = 0;
  private readonly units = new Map<string, UnitProgress>();
  private readonly dirty = new Set<string>();
  private replaceUnits = false;
  private bytesTotal = 0;
  private bytesDone = 0;
  /** (time, bytesDone) samples of the last 10 s, for the rate. */
  private samples: [number, number][] = [];
  private timer: NodeJS.Timeout | null = null;
  /** Units whose table the target rejected: the run reports them skipped, but nothing was copied. */
  private readonly notCopied = new Set<string>();
  /** This run's own rows and bytes, over all its attempts (automatic retries). */
  private runRows = 0;
  private runBytes = 0;
  /** Unit bytes of the current attempt: the rest of its summary's bytes are large objects. */
  private attemptBytes = 0;
  private startedAt = Date.now();
  /** Incremental: the latest stream report, written with the next flush when it is new. */
  private stream: StreamStatus | null = null;
  private streamDirty = false;
  /** When the last chart point was written (every SAMPLE_MS). */
  private sampledAt = 0;

  /** The units the store knew before this run: what earlier runs finished. */
  private known = new Map<string, UnitProgress>();
  /** The writes not yet done, chained in order. */
  private writes: Promise<void> = Promise.resolve();

  /** `run`: the number of this run's record in task_runs (store.startRun). */
  private constructor(
    private readonly store: TaskStore,
    private readonly taskId: string,
    private readonly run: number,
    private readonly owner: RunOwner,
    private readonly onWriteError: (err: unknown) => void,
  ) {}

  /**
   * Reads what earlier runs recorded of the task's units, then tracks this run. `owner`: this
   * process as its claim recorded it; the task's record is written only while it still is.
   */
  static async open(store: TaskStore, taskId: string, run: number, owner: RunOwner, onWriteError: (err: unknown) => void = () => {}): Promise<TaskProgress> {
    const p = new TaskProgress(store, taskId, run, owner, onWriteError);
    p.known = new Map((await store.units(taskId)).map((u) => [u.unit, u]));
    return p;
  }

  /** Queues a store write after the ones before it. */
  private write(fn: (store: TaskStore) => Promise<unknown>): void {
    this.writes = this.writes.then(() => fn(this.store)).then(() => {}, this.onWriteError);
  }

  /** Resolves once every write queued so far is done. */
  drained(): Promise<void> {
    return this.writes;
  }

  start(): void {
    this.startedAt = Date.now();
    this.timer = setInterval(() => this.flush(), 1000);
    this.timer.unref();
  }

  /** Stops the timer and writes the last state; resolves once every write is done. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.flush(true);
    await this.drained();
  }

  /** Stops, counting the large objects of a run that got to its end, and returns what this run copied. */
  async finish(summary?: MigrationSummary): Promise<RunNumbers> {
    if (summary) this.runBytes += Math.max(0, summary.bytesCopied - this.attemptBytes);
    await this.stop();
    return this.numbers();
  }

  numbers(): RunNumbers {
    return { rows: this.runRows, bytes: this.runBytes, seconds: (Date.now() - this.startedAt) / 1000 };
  }

  /**
   * Lists every copy unit. Units an earlier run (or attempt) finished keep the rows and bytes it
   * recorded and show as skipped (done earlier): the run marks them done with 0 rows, which is
   * what it copied now, not what the table holds. The rest start pending.
   */
  onPlan(units: { id: string; bytes: number; estimatedRows: number }[]): void {
    const known = new Map(this.known);
    for (const [id, u] of this.units) known.set(id, u);
    this.units.clear();
    this.bytesDone = 0;
    for (const u of units) {
      const before = known.get(u.id);
      const finished = before && (before.state === 'done' || before.state === 'skipped') && before.rows !== null;
      this.unit(u.id, {
        totalBytes: u.bytes,
        estimatedRows: u.estimatedRows,
        ...(finished ? { state: 'skipped' as const, rows: before.rows, bytes: before.bytes, seconds: before.seconds } : {}),
      });
      if (finished) this.bytesDone += before.bytes;
    }
    // the jump to the earlier runs' bytes is no copy rate
    this.samples = [];
    this.replaceUnits = true;
  }

  onEvent(e: MigrationEvent): void {
    switch (e.type) {
      case 'phase-start':
        this.phase = e.phase;
        this.steps = e.steps ?? 0;
        this.stepsDone = 0;
        this.write((st) => st.addHistory(this.taskId, 'phase', `${e.phase} started${e.steps ? ` (${e.steps} steps)` : ''}`));
        break;
      case 'phase-end':
        this.write((st) => st.addHistory(this.taskId, 'phase', `${e.phase} done in ${e.seconds.toFixed(1)} s`));
        break;
      case 'step-done':
        this.stepsDone++;
        break;
      case 'run':
        this.attemptBytes = 0;
        this.write((st) => st.updateOwned(this.taskId, this.owner, { runId: e.runId }));
        this.write((st) => st.addHistory(this.taskId, 'run', e.resumed ? `resuming run ${e.runId}` : `run ${e.runId}`));
        break;
      case 'plan':
        this.bytesTotal = e.bytes;
        this.write((st) => st.addHistory(this.taskId, 'plan', `${e.tables} tables, ${e.objects} objects, ${e.units} copy units, ${e.skipped.length} skipped`, { skipped: e.skipped, notes: e.notes }));
        break;
      case 'unit-start':
        this.unit(e.unit, { state: 'copying', totalBytes: e.bytes, estimatedRows: e.estimatedRows, bytes: 0 });
        break;
      case 'unit-progress': {
        const u = this.units.get(e.unit);
        this.unit(e.unit, { bytes: (u?.bytes ?? 0) + e.bytes });
        this.bytesDone += e.bytes;
        break;
      }
      case 'unit-done': {
        const u = this.units.get(e.unit);
        if (e.skipped) {
          // done earlier: keep the rows and bytes recorded then (unknown, null, if never recorded)
          if (this.notCopied.has(e.unit)) this.unit(e.unit, { state: 'failed', rows: null, bytes: 0, seconds: null });
          else this.unit(e.unit, { state: 'skipped', rows: u?.rows ?? null, bytes: u?.bytes ?? 0, seconds: u?.seconds ?? null });
          break;
        }
        // progress events carried part of the bytes already
        this.bytesDone += Math.max(0, e.bytes - (u?.bytes ?? 0));
        this.runRows += e.rows;
        this.runBytes += e.bytes;
        this.attemptBytes += e.bytes;
        this.unit(e.unit, { state: 'done', rows: e.rows, bytes: e.bytes || (u?.bytes ?? 0), seconds: e.seconds, totalBytes: u?.totalBytes ?? e.bytes, worker: e.worker ?? null });
        break;
      }
      case 'object-failed':
        // a table the target rejected: its data is not copied
        if (e.failure.kind === 'table data') this.notCopied.add(e.failure.name);
        this.write((st) => st.addHistory(this.taskId, 'object-failed', `${e.failure.kind} ${e.failure.name}: ${redact(e.failure.error)}`));
        break;
      case 'retry':
        this.write((st) => st.addHistory(this.taskId, 'retry', `attempt ${e.attempt} failed (${redact(e.error)}), a transient failure (${e.reason}); resuming in ${e.delaySeconds} s`));
        break;
      case 'stream-start':
        this.write((st) => st.addHistory(this.taskId, 'stream', `streaming the source's changes from slot ${e.slot} (publication ${e.publication}) at ${e.fromLsn}`, { slot: e.slot, publication: e.publication, fromLsn: e.fromLsn }));
        break;
      case 'stream': {
        const { type: _type, ...status } = e;
        this.stream = status;
        this.streamDirty = true;
        break;
      }
      case 'cutover-step':
        this.write((st) => st.addHistory(this.taskId, 'cutover', `${e.step}${e.detail ? `: ${redact(e.detail)}` : ''}`));
        break;
      case 'summary':
        break;
    }
  }

  private unit(id: string, patch: Partial<UnitProgress>): void {
    const base: UnitProgress = this.units.get(id) ?? { unit: id, state: 'pending', rows: null, bytes: 0, totalBytes: null, estimatedRows: null, seconds: null };
    this.units.set(id, { ...base, ...patch });
    this.dirty.add(id);
  }

  private progress(): number {
    if (!this.phase) return 0;
    const [a, b] = SPAN[this.phase];
    const within = this.phase === 'data' ? (this.bytesTotal ? Math.min(1, this.bytesDone / this.bytesTotal) : 0) : this.steps ? Math.min(1, this.stepsDone / this.steps) : 0;
    return a + (b - a) * within;
  }

  /** Writes what changed since the last flush; `last`: the run's end, whose chart point is always kept. */
  flush(last = false): void {
    const t = Date.now();
    this.samples.push([t, this.bytesDone]);
    this.samples = this.samples.filter(([at]) => t - at <= 10_000);
    const [t0, b0] = this.samples[0];
    const rate = t - t0 >= 900 ? ((this.bytesDone - b0) * 1000) / (t - t0) : null;
    // every value is taken now: the write may run after the next events changed them
    const fields = {
      phase: this.phase, progress: this.progress(), bytesTotal: this.bytesTotal, bytesDone: this.bytesDone, rate,
      ...(this.streamDirty ? { streamStatus: this.stream } : {}),
    };
    this.write((st) => st.updateOwned(this.taskId, this.owner, fields));
    this.streamDirty = false;
    const own = this.numbers();
    this.write((st) => st.updateRun(this.taskId, this.run, own));
    // a point for the charts, kept with the task so that they outlive the run and a reload
    // (the task's bytes so far, and its rows: counted for the tables done, estimated for the ones copying)
    if (t - this.sampledAt >= SAMPLE_MS || last) {
      this.sampledAt = t;
      const point = { run: this.run, at: t, rows: rowsSoFar(this.units.values()), bytes: this.bytesDone, lagSeconds: this.stream?.lagSeconds ?? null, lagBytes: this.stream?.lagBytes ?? null };
      this.write((st) => st.addSample(this.taskId, point));
    }
    if (this.dirty.size || this.replaceUnits) {
      const units = [...this.dirty].map((id) => this.units.get(id)!);
      const replace = this.replaceUnits;
      this.write((st) => st.saveUnits(this.taskId, units, replace));
      this.dirty.clear();
      this.replaceUnits = false;
    }
  }
}
