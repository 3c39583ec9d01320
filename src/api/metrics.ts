/**
 * GET /metrics in Prometheus's text format (prom-client): the tasks of the store as gauges read
 * at each scrape (how many are in each state; per task its progress, units, rows and bytes
 * copied, copy rate, retries, and an incremental task's apply lag), and the serving process's own
 * (memory, CPU, event-loop lag). Nothing is counted in this process: every figure comes from the
 * store, so any `serve` over the same store reports the same numbers, and a restart loses none.
 */
import client from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { TaskStore } from '../task/task-store.js';
import { effectiveState, taskTotals } from '../task/task-service.js';
import type PgBoss from 'pg-boss';
import { openRunQueue, RUN_QUEUE, sharedStore } from '../fleet/run-queue.js';
import { UNIT_QUEUE } from '../fleet/unit-queue.js';

/** The states a task can show: each is reported, 0 when no task is in it, so a dashboard's series never vanish. */
const STATES = [
  'created', 'queued', 'running', 'streaming', 'stopping', 'stopped', 'failed', 'interrupted',
  'completed', 'completed with errors', 'completed from several snapshots', 'completed with skipped objects',
];

/**
 * A registry of pgferry's metrics over `store` and the serving process's defaults; `refresh` reads
 * the store (and, over a PostgreSQL store, the fleet's queue) into it; `close` lets the queue go.
 */
export function metricsRegistry(store: TaskStore): { registry: client.Registry; refresh: () => Promise<void>; close: () => Promise<void> } {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'pgferry_serve_' });
  const labels = ['task_id', 'task_name'] as const;
  const gauge = (name: string, help: string, labelNames: readonly string[] = labels) => new client.Gauge({ name, help, labelNames, registers: [registry] });
  const tasks = gauge('pgferry_tasks', 'tasks in the store by the state they show', ['state']);
  const progress = gauge('pgferry_task_progress_ratio', "a task's progress, 0 to 1");
  const unitsTotal = gauge('pgferry_task_units', "a task's copy units (tables or slices)");
  const unitsDone = gauge('pgferry_task_units_done', "a task's copy units done (by this run or an earlier one)");
  const rows = gauge('pgferry_task_rows_copied', 'rows copied by all of the task\'s runs');
  const bytes = gauge('pgferry_task_bytes_copied', 'bytes copied by all of the task\'s runs');
  const rate = gauge('pgferry_task_copy_rate_bytes', 'bytes per second over the last seconds of the copy (absent when not copying)');
  const retries = gauge('pgferry_task_retries', 'automatic resumes after transient failures, over the task\'s life');
  const lag = gauge('pgferry_task_apply_lag_seconds', 'an incremental task\'s lag behind the source, at its last stream report');
  const lagBytes = gauge('pgferry_task_apply_lag_bytes', 'WAL between the source\'s position and what the task has applied, at its last stream report');
  const workerAge = gauge('pgferry_worker_heartbeat_age_seconds', "seconds since each fleet worker's last report", ['worker', 'host']);
  const workerRuns = gauge('pgferry_worker_runs', 'runs each fleet worker has now', ['worker', 'host']);
  const workerUnits = gauge('pgferry_worker_units', "copy units of spread runs each fleet worker copies now", ['worker', 'host']);
  const workerLanes = gauge('pgferry_worker_lanes', "lanes of spread streams each fleet worker applies now", ['worker', 'host']);
  const queued = gauge('pgferry_queue_waiting_jobs', "task runs waiting in the fleet's queue for a free worker", []);
  const queuedUnits = gauge('pgferry_queue_waiting_units', "copy units of spread runs waiting in the fleet's queue for a free copy slot", []);
  // the queue is opened at the first scrape over a PostgreSQL store, and kept
  let boss: Promise<PgBoss> | null = null;

  async function refresh(): Promise<void> {
    for (const g of [tasks, progress, unitsTotal, unitsDone, rows, bytes, rate, retries, lag, lagBytes, workerAge, workerRuns, workerUnits, workerLanes, queued, queuedUnits]) g.reset();
    for (const w of await store.workers()) {
      workerAge.set({ worker: w.name, host: w.host }, w.heartbeatAge);
      workerRuns.set({ worker: w.name, host: w.host }, w.tasks.length);
      // a worker lists verify parts (`part:ID`) and lanes (`lane:ID`) with its unit jobs
      workerUnits.set({ worker: w.name, host: w.host }, w.units.filter((u) => !u.includes(':')).length);
      workerLanes.set({ worker: w.name, host: w.host }, w.units.filter((u) => u.startsWith('lane:')).length);
    }
    if (store.kind === 'postgresql') {
      boss ??= openRunQueue(sharedStore(store, 'the fleet'), { supervise: false });
      try {
        queued.set(await (await boss).getQueueSize(RUN_QUEUE));
        // the unit queue exists once a worker has started
        queuedUnits.set(await (await boss).getQueueSize(UNIT_QUEUE).catch(() => 0));
      } catch (err) {
        // opened again at the next scrape
        boss = null;
        throw err;
      }
    }
    const byState = new Map(STATES.map((s) => [s, 0]));
    const units = await store.unitCounts();
    const retried = await store.historyCounts('retry');
    const runsOf = await store.allRuns();
    for (const t of await store.list()) {
      const state = effectiveState(t);
      byState.set(state, (byState.get(state) ?? 0) + 1);
      const l = { task_id: t.id, task_name: t.name };
      const totals = taskTotals(t, runsOf.get(t.id) ?? []);
      progress.set(l, t.progress);
      unitsTotal.set(l, units.get(t.id)?.total ?? 0);
      unitsDone.set(l, units.get(t.id)?.done ?? 0);
      rows.set(l, totals.rows);
      bytes.set(l, totals.bytes);
      retries.set(l, retried.get(t.id) ?? 0);
      if (state === 'running' && t.phase === 'data' && t.rate !== null) rate.set(l, t.rate);
      if (state === 'streaming' && t.streamStatus) {
        lag.set(l, t.streamStatus.lagSeconds);
        lagBytes.set(l, t.streamStatus.lagBytes);
      }
    }
    for (const [state, n] of byState) tasks.set({ state }, n);
  }
  const close = async () => {
    if (boss) await (await boss).stop({ graceful: false, close: false });
  };
  return { registry, refresh, close };
}

/** Registers GET /metrics: behind the API token like every route but the console's files and /healthz. */
export function registerMetricsRoute(app: FastifyInstance, store: TaskStore): void {
  const { registry, refresh, close } = metricsRegistry(store);
  app.addHook('onClose', close);
  // every gauge read from the store at once, then the text: one consistent set per scrape
  app.get('/metrics', async (_req, reply) => {
    await refresh();
    return reply.header('content-type', registry.contentType).send(await registry.metrics());
  });
}
