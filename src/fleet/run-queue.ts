/**
 * The fleet's job queue: pg-boss (10.x, which runs on Node 20 and 22) in the task store's
 * database, schema `pgferry_queue`, through the store's own connection pool. One queue,
 * `pgferry-task-run`: "start (or resume) this task". Delivery is at least once; what makes a run
 * happen once is the task's claim in the store (compare-and-set) and the target's run lock.
 * The queue is `stately` with the task ID as singleton key: at most one job per task waits and
 * one is taken at a time, so several workers asking for the same takeover make one job.
 */
import type PgBoss from 'pg-boss';
import { PgferryError } from '../errors.js';
import type { PostgresTaskStore } from '../task/postgres-store.js';
import type { TaskStore } from '../task/task-store.js';

export const QUEUE_SCHEMA = 'pgferry_queue';
export const RUN_QUEUE = 'pgferry-task-run';

/** What a run job asks: start the task, or resume it (`by`: who asked, for its history). */
export interface RunJob {
  taskId: string;
  resume: boolean;
  by: string;
}

/** A task's place in the fleet's queues (its spec's `priority`): higher first, then oldest first. */
export function taskPriority(task: { spec: { options: { priority?: number } } }): number {
  return task.spec.options.priority ?? 0;
}

/** The store as a PostgreSQL one, or a usage error naming what fleet mode needs. */
export function sharedStore(store: TaskStore, what: string): PostgresTaskStore {
  if (store.kind !== 'postgresql')
    throw new PgferryError('PGFERRY_E_USAGE', `${what} needs a PostgreSQL task store; this one is the SQLite file ${store.location}`, {
      fix: 'give --store postgresql://USER@HOST/DB (or PGFERRY_STORE) on every machine of the fleet: see docs/fleet.md',
    });
  return store as PostgresTaskStore;
}

/**
 * Opens the queue (creating its schema and queue on first use); stop it with `boss.stop()`.
 * `supervise`: run the queue's upkeep (expiring jobs a vanished worker took, archiving), which the
 * workers do; a command that only sends a job does not.
 */
export async function openRunQueue(store: PostgresTaskStore, opts: { supervise: boolean; queues?: ((boss: PgBoss) => Promise<void>)[] }): Promise<PgBoss> {
  // loaded here: only a fleet's commands need the queue's modules
  const { default: Boss } = await import('pg-boss');
  const boss = new Boss({
    db: { executeSql: (text: string, values: unknown[]) => store.executeSql(text, values) },
    schema: QUEUE_SCHEMA,
    // pgferry's own leases are the tasks' heartbeats (a job only starts a run): no cron
    schedule: false,
    supervise: opts.supervise,
    maintenanceIntervalSeconds: 15,
  });
  boss.on('error', () => {});
  // pg-boss installs its schema when it finds none, without waiting for another process doing the
  // same, and makes a queue the same way: on a fresh store, workers started at once failed on a
  // duplicate schema. One process at a time sets up (a session lock, freed if the process dies).
  const release = await store.holdSlot('queue-setup', 1, () => false);
  try {
    await boss.start();
    // a job is finished once a run has claimed its task: if the worker that took it vanished first, it comes back after a minute
    await boss.createQueue(RUN_QUEUE, { name: RUN_QUEUE, policy: 'stately', expireInSeconds: 60, retryLimit: 5, retryDelay: 1 });
    for (const ensure of opts.queues ?? []) await ensure(boss);
  } catch (err) {
    await boss.stop({ graceful: false, close: false }).catch(() => {});
    throw err;
  } finally {
    await release();
  }
  return boss;
}

/** Queues a run of the task (`priority`: the task's); false when one is already waiting for it. */
export async function queueRun(boss: PgBoss, job: RunJob, priority: number): Promise<boolean> {
  return (await boss.send(RUN_QUEUE, job, { singletonKey: job.taskId, priority })) !== null;
}
