/**
 * Where `task start` / `task resume` (CLI and API) send a run: with a shared store that has live
 * workers, to the fleet's queue, for whichever worker is free; otherwise a process on this
 * machine, as without a fleet. The choice is made per start and said in the answer.
 */
import os from 'node:os';
import { checkStartable, startInBackground } from '../task/task-service.js';
import type { TaskStore, WorkerRecord } from '../task/task-store.js';
import { openRunQueue, queueRun, sharedStore, taskPriority } from './run-queue.js';

/** A worker silent for longer than this is taken for gone (it reports every 2 s). */
export const WORKER_SILENCE_SECONDS = 15;

export type Started = { pid: number; log: string; queued?: undefined } | { queued: true; workers: number; pid?: undefined };

/** The workers that reported within WORKER_SILENCE_SECONDS (none for a SQLite store). */
export async function liveWorkers(store: TaskStore): Promise<WorkerRecord[]> {
  if (store.kind !== 'postgresql') return [];
  return (await store.workers()).filter((w) => w.heartbeatAge < WORKER_SILENCE_SECONDS);
}

export async function startTask(store: TaskStore, id: string, opts: { resume: boolean; keyFile?: string }): Promise<Started> {
  const workers = await liveWorkers(store);
  if (!workers.length) return startInBackground(store, id, opts);
  // compare-and-set: of two starts at once, one queues the run; the task shows `queued` until a worker runs it
  const task = await store.claim((await store.get(id)).id, (t) => checkStartable(t, opts.resume), { state: 'queued', error: null });
  const boss = await openRunQueue(sharedStore(store, 'the fleet'), { supervise: false });
  try {
    const by = `${os.userInfo().username}@${os.hostname()}`;
    const sent = await queueRun(boss, { taskId: task.id, resume: opts.resume, by }, taskPriority(task));
    await store.addHistory(task.id, 'queued', sent
      ? `${opts.resume ? 'resume' : 'start'} queued by ${by} for the fleet's ${workers.length} live worker(s)`
      : `${opts.resume ? 'resume' : 'start'} asked by ${by}: a run of this task is queued already`);
  } finally {
    await boss.stop({ graceful: false, close: false });
  }
  return { queued: true, workers: workers.length };
}
