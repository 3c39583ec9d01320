/**
 * What every face (CLI, API, console) shows about a task beyond its stored record: the shown
 * state (derived: `interrupted`, and how a completed task ended), the outcome's counts, the
 * totals of all its runs, each run, and a verify report's counts.
 */
import { processAlive, startedElsewhere } from './process-identity.js';
import { outcomeOf, type CompletedState, type TaskOutcome } from './task-outcome.js';
import type { MigrationSummary } from '../run/events.js';
import type { RunRecord, TaskRecord, TaskStore } from './task-store.js';
import type { VerifyReport } from '../verify/run-verify.js';

/** A verify report's counts, read defensively: the report's shape may grow. */
export function verifyCounts(report: VerifyReport) {
  const tables = report.tables ?? [];
  const sequences = report.sequences ?? [];
  const tablesDiffering = tables.filter((t) => !t.ok).length;
  const sequencesDiffering = sequences.filter((q) => !q.ok).length;
  const largeObjectProblems = report.largeObjects?.problems?.length ?? 0;
  return {
    tables: tables.length,
    tablesDiffering,
    sequences: sequences.length,
    sequencesDiffering,
    largeObjects: report.largeObjects?.count ?? 0,
    largeObjectProblems,
    differences: tablesDiffering + sequencesDiffering + largeObjectProblems,
  };
}

/**
 * The states a task shows: the stored ones, `interrupted`, `streaming` (an incremental task
 * keeping the target in step after its copy) and how a completed one ended.
 */
export type ShownState = Exclude<TaskRecord['state'], 'completed'> | 'interrupted' | 'streaming' | CompletedState;

/** Whether a shown state has a live process behind it (running, streaming or stopping). */
export function isLive(state: ShownState): boolean {
  return state === 'running' || state === 'streaming' || state === 'stopping';
}

/** Whether a task is under way: a live process runs it, or a run of it waits in the fleet's queue. */
export function isUnderway(state: ShownState): boolean {
  return isLive(state) || state === 'queued';
}

/**
 * How long a run on another machine may be silent before it counts as gone. A run writes its
 * progress (and so its heartbeat, the record's updated_at) every second; 30 s rides out a busy
 * store or a slow network, and bounds how long a run killed with its machine still shows running.
 */
export const REMOTE_RUN_SILENCE_SECONDS = 30;

/** Whether the process that runs the task is alive: by pid here, by heartbeat when it runs on another machine (a shared store). */
export function runAlive(task: TaskRecord): boolean {
  if (startedElsewhere(task.pidStart)) return task.heartbeatAge < REMOTE_RUN_SILENCE_SECONDS;
  return processAlive(task.pid, task.pidStart);
}

/**
 * The state to show. Derived, never stored: a `running` task whose process is gone (or whose pid
 * another process now has, or which ran on another machine and has been silent too long) was
 * interrupted; a completed one shows how it ended (task-outcome.ts).
 */
export function effectiveState(task: TaskRecord): ShownState {
  if ((task.state === 'running' || task.state === 'stopping') && !runAlive(task)) return 'interrupted';
  if (task.state === 'running' && task.phase === 'stream') return 'streaming';
  if (task.state === 'completed') return outcomeOf(task.summary).state;
  return task.state;
}

/** How a completed task ended, with counts; null while it has not completed. */
export function taskOutcome(task: TaskRecord): TaskOutcome | null {
  return task.state === 'completed' ? outcomeOf(task.summary) : null;
}

/** The whole task's totals: every run's own rows, bytes and time, summed. */
export interface TaskTotals {
  runs: number;
  rows: number;
  bytes: number;
  seconds: number;
}

/** Sums the task's runs (a task stored before runs were recorded: its summary's numbers). */
export function taskTotals(task: TaskRecord, runs: RunRecord[]): TaskTotals {
  if (!runs.length) {
    const s = task.summary as Partial<MigrationSummary> | null;
    return s ? { runs: 1, rows: s.rowsCopied ?? 0, bytes: s.bytesCopied ?? 0, seconds: s.totalSeconds ?? 0 } : { runs: 0, rows: 0, bytes: 0, seconds: 0 };
  }
  return runs.reduce((t, r) => ({ runs: t.runs + 1, rows: t.rows + r.rows, bytes: t.bytes + r.bytes, seconds: t.seconds + r.seconds }), { runs: 0, rows: 0, bytes: 0, seconds: 0 });
}

/** The task's runs; one left running by a process that is gone shows as interrupted. */
export async function taskRuns(store: TaskStore, task: TaskRecord, read?: RunRecord[]): Promise<RunRecord[]> {
  const live = isLive(effectiveState(task));
  return (read ?? (await store.runs(task.id))).map((r) => (r.state === 'running' && !live ? { ...r, state: 'interrupted' } : r));
}

/** What every face shows about a task beyond its record: the shown state, outcome, totals and runs. */
export interface TaskFacts {
  state: ShownState;
  outcome: TaskOutcome | null;
  totals: TaskTotals;
  runs: RunRecord[];
}

/** The shown state, outcome, totals and runs of one task, read from the store once (`read`: its runs, read already). */
export async function taskFacts(store: TaskStore, task: TaskRecord, read?: RunRecord[]): Promise<TaskFacts> {
  const runs = await taskRuns(store, task, read);
  return { state: effectiveState(task), outcome: taskOutcome(task), totals: taskTotals(task, runs), runs };
}

