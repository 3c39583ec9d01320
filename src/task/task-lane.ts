/**
 * A fleet worker's share of a spread stream: one lane of an incremental task whose run another
 * process leads. The lane is applied only while that process still holds the task, and it reads
 * the run's word to its lanes (cut over at a position, stop) from the store.
 */
import { PgferryError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { applyOrderedLane, type LaneCommand } from '../run/ordered-lane.js';
import { runOptionsFromSpec, type LaneEnd, type LaneOrder, type LaneReport } from '../run/run-options.js';
import { taskConnInfo } from './task-service.js';
import type { RunOwner, TaskRecord, TaskStore } from './task-store.js';

export type TaskLaneOutcome = (LaneEnd & { fenced: number; stale?: undefined }) | { stale: string };

/** The store setting that carries a run's word to its lanes applied elsewhere. */
export const laneCommandKey = (runId: string) => `lane-command:${runId}`;

/** Why `task` is no longer `leader`'s to stream, or undefined while it is. */
function notLeaders(task: TaskRecord | null, leader: RunOwner): string | undefined {
  if (!task) return 'no such task';
  if (task.pid !== leader.pid || task.pidStart !== leader.pidStart || (task.state !== 'running' && task.state !== 'stopping'))
    return `the run that sent it no longer holds the task (${task.state})`;
  return undefined;
}

/** Applies `order`'s lane for task `taskId` while `leader` runs it; `stale` says why it stopped or never began. */
export async function applyTaskLane(
  store: TaskStore,
  taskId: string,
  leader: RunOwner,
  order: LaneOrder,
  /** `stillMine`: whether this attempt still holds the job; `handOff`: whether to give the lane to another process now. */
  opts: { worker: string; keyFile?: string; logger?: Logger; stillMine: () => Promise<boolean>; report: (r: LaneReport) => void; handOff: () => boolean },
): Promise<TaskLaneOutcome> {
  const read = () =>
    store.get(taskId, { prefix: false }).catch((err: unknown) => {
      if (err instanceof PgferryError && err.code === 'PGFERRY_E_TASK_NOT_FOUND') return null;
      throw err;
    });
  const task = await read();
  const gone = notLeaders(task, leader);
  if (gone) return { stale: gone };
  const conn = await taskConnInfo(store, task!, opts.keyFile);
  const migrate = runOptionsFromSpec(task!.spec, conn, { runId: order.runId, logger: opts.logger ?? silentLogger });
  return applyOrderedLane(migrate, order, opts.worker, {
    command: async () => {
      const raw = await store.setting(laneCommandKey(order.runId));
      return raw ? (JSON.parse(raw) as LaneCommand) : undefined;
    },
    stale: async () => {
      if (!(await opts.stillMine())) return 'this attempt was taken back (its worker taken for dead); another applies the lane';
      return notLeaders(await read(), leader);
    },
    report: opts.report,
    handOff: opts.handOff,
  });
}
