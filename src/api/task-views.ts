/**
 * A stored task as the API shows it (GET /api/tasks/:id, the progress route and each `progress`
 * event): everything but secrets and internals, with the shown state, outcome and totals.
 */
import type { RunRecord, TaskRecord, TaskStore } from '../task/task-store.js';
import { taskFacts, taskRuns } from '../task/task-service.js';
import { movedRows, rowsSoFar } from '../task/task-progress.js';
import type { TaskProgressView, TaskSummary, TaskView } from './api-types.js';

/**
 * A task as the API shows it: everything but secrets (the store has none in the spec). `state` is
 * the shown state (a completed task says how it ended: `completed with errors`, ...); `outcome`
 * has the counts behind it (null until the task has completed); `totals` sum every run.
 * `read`: what a list of tasks read for all of them at once (their runs, which have passwords
 * stored), so that a list of hundreds is three reads of the store, not three per task.
 */
export async function taskView(store: TaskStore, t: TaskRecord, read?: { runs: Map<string, RunRecord[]>; secrets: Set<string> }): Promise<TaskView> {
  const f = await taskFacts(store, t, read ? (read.runs.get(t.id) ?? []) : undefined);
  const stored = async (side: 'source' | 'target') => (read ? read.secrets.has(`${t.id}/${side}`) : Boolean(await store.secret(t.id, side)));
  return {
    id: t.id,
    name: t.name,
    state: f.state,
    outcome: f.outcome,
    totals: f.totals,
    phase: t.phase,
    progress: t.progress,
    createdAt: t.createdAt,
    startedAt: t.startedAt,
    finishedAt: t.finishedAt,
    jobs: t.jobs,
    maxRateMBps: t.maxRateMBps,
    bytesDone: t.bytesDone,
    bytesTotal: t.bytesTotal,
    rate: t.rate,
    error: t.error,
    spec: t.spec,
    passwordsStored: { source: await stored('source'), target: await stored('target') },
    precheck: t.precheck ? { passed: t.precheck.passed, at: t.precheck.at, current: t.precheck.hash === t.specHash } : null,
    summary: t.summary as TaskSummary | null,
    incremental: Boolean(t.spec.incremental),
    streamStatus: t.streamStatus,
    cutoverRequest: t.cutoverRequest,
    worker: t.worker,
  };
}

/** The task with its runs, copy units and history (the progress route and the event stream). */
export async function progressView(store: TaskStore, t: TaskRecord): Promise<TaskProgressView> {
  const units = await store.units(t.id);
  const views = units.map((u) => (u.state === 'copying' ? { ...u, rowsMoved: movedRows(u.estimatedRows, u.bytes, u.totalBytes) } : u));
  return { ...(await taskView(store, t)), runs: await taskRuns(store, t), units: views, rowsDone: rowsSoFar(units), history: await store.history(t.id) };
}
