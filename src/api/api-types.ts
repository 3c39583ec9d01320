/**
 * What the HTTP API sends, as types: each response shape defined once, here, from the server's
 * own definitions. app.ts annotates its handlers with them and the console imports them with
 * `import type` (erased from the browser bundle), so the two cannot drift apart. Type-only: this
 * module imports nothing at run time.
 */
import type { z } from 'zod';
import type { ConnSpecSchema, TaskSpecInput } from '../config/task-spec.js';
import type { SslMode } from '../config/conninfo.js';
import type { ConnectivityReport, SideResult } from '../pg/test-connectivity.js';
import type { ObjectTree, ObjectTreePartition, ObjectTreeTable } from '../catalog/list-objects.js';
import type { PrecheckItem } from '../precheck/precheck-model.js';
import type { PrecheckReport } from '../precheck/run-precheck.js';
import type { CutoverSummary, MigrationEvent, StreamStatus } from '../run/events.js';
import type { CutoverRequest } from '../run/run-options.js';
import type { ObjectFailure } from '../run/object-failures.js';
import type { VerifyReport } from '../verify/run-verify.js';
import type { HistoryEntry, RunRecord, StoredVerify, TaskRecord, TaskSample, UnitProgress, WorkerRecord } from '../task/task-store.js';
import type { TaskFacts } from '../task/task-facts.js';
import type { TaskOutcome } from '../task/task-outcome.js';
import type { TaskSummary } from '../task/task-service.js';
import type { EventTickets } from './request-guard.js';

// the server's own types that responses carry as they are
export type {
  ConnectivityReport, CutoverRequest, CutoverSummary, HistoryEntry, ObjectFailure, ObjectTree, ObjectTreePartition, ObjectTreeTable, PrecheckItem, PrecheckReport, RunRecord, SideResult,
  SslMode, StreamStatus, TaskOutcome, TaskSample, TaskSpecInput, TaskSummary, UnitProgress, VerifyReport,
};

/** GET /api/tasks/{id}/samples: the points of the task's charts, oldest first. */
export interface SamplesView {
  samples: TaskSample[];
}

/** One side's connection as a request body gives it (POST /api/connections/test, /api/catalog/objects, a task spec). */
export type ConnSpecInput = z.input<typeof ConnSpecSchema>;

/** An error body's `error`: the stable code, the cause, what it concerns, a fix, bad fields, and whether to retry. */
export interface ApiError {
  code: string;
  message: string;
  object?: string;
  fix?: string;
  fields?: { field: string; message: string }[];
  /**
   * Set on errors a handler raised: true for a transient failure (a 503 with Retry-After: the
   * same request may succeed later), false when repeating it would fail the same way.
   */
  retryable?: boolean;
}

/**
 * A task as GET /api/tasks/:id (and every call that answers with a task) shows it: the stored
 * record without its secrets and internals (pid, run id, spec hash), with the shown state, the
 * outcome and the totals of every run (task-facts.ts), which passwords are stored, and whether
 * the last precheck still matches the spec.
 */
export interface TaskView
  extends Pick<TaskRecord, 'id' | 'name' | 'phase' | 'progress' | 'createdAt' | 'startedAt' | 'finishedAt' | 'jobs' | 'maxRateMBps' | 'bytesDone' | 'bytesTotal' | 'rate' | 'error' | 'spec'>,
    Pick<TaskFacts, 'state' | 'outcome' | 'totals'> {
  passwordsStored: { source: boolean; target: boolean };
  precheck: { passed: boolean; at: string; current: boolean } | null;
  /** What the last completed run stored (null before one completed). */
  summary: TaskSummary | null;
  /** Whether the task keeps the target in step after its copy, until a cutover. */
  incremental: boolean;
  /** Incremental: the latest stream report (lag, positions, rates, WAL the slot holds); null before it streamed. */
  streamStatus: StreamStatus | null;
  /** Incremental: the cutover asked for and not yet made; null while none is. */
  cutoverRequest: CutoverRequest | null;
  /** Fleet mode: the worker whose process runs (or last ran) the task; null for a run started on a machine by hand. */
  worker: string | null;
}

/** GET /api/workers: the fleet's workers; `live` while each reported within `silenceSeconds`. */
export interface WorkersView {
  workers: (WorkerRecord & { live: boolean })[];
  silenceSeconds: number;
  /** Limits per database server (pgferry host-limit): `host:port` → most table copies at once. */
  hostLimits: Record<string, number>;
}

/** GET /api/tasks/:id/progress and each `progress` event: the task with its runs, copy units and history. */
export interface TaskProgressView extends TaskView {
  runs: RunRecord[];
  /** Each unit; one still copying carries the rows it has moved, estimated by bytes (task-progress.ts movedRows). */
  units: (UnitProgress & { rowsMoved?: number })[];
  /** Rows copied: counted for the tables done, estimated by bytes for the ones copying (task-progress.ts rowsSoFar). */
  rowsDone: number;
  history: HistoryEntry[];
}

/** GET /api/tasks. */
export interface TaskListView {
  tasks: TaskView[];
}

/** POST /api/tasks/:id/start and /resume: the task, and the pid of the process that runs it. */
export interface StartedView extends TaskView {
  /** The process of a run started on the serving machine; null when the run was queued for the fleet. */
  pid: number | null;
  /** Queued for the fleet's workers (a PostgreSQL store with live workers): the number of live workers; else absent. */
  queuedFor?: number;
}

/** The `data` of a history entry of kind `plan`: what the run's plan skipped, and its notes. */
export type PlanHistoryData = Pick<Extract<MigrationEvent, { type: 'plan' }>, 'skipped' | 'notes'>;

/** POST /api/plan/preview: what a spec's selection and mapping would skip, and notes on it. */
export type PlanPreview = PlanHistoryData;

/** GET /api/tasks/:id/precheck: the stored report, when it ran, and whether the spec is unchanged since. */
export type StoredPrecheckView = PrecheckReport & { at: string; current: boolean };

/** POST and GET /api/tasks/:id/verify: a verify report with when it ran. */
export type VerifyView = VerifyReport & Pick<StoredVerify, 'at'>;

/** DELETE /api/tasks/:id. */
export interface ReleasedView {
  released: string;
  checkpointsDropped: boolean;
  /** Incremental: whether its replication slot and pgferry's publication were dropped on the source. */
  slotDropped: boolean;
  publicationDropped: boolean;
}

/** POST /api/tasks/:id/events/ticket: the single-use ticket that opens the event stream. */
export type EventTicket = ReturnType<EventTickets['issue']>;
