/**
 * A fleet worker's share of a spread copy: one copy unit of a task whose run another process
 * leads. The unit is copied only while that process still holds the task: an order left over
 * from a leader that was taken over is dropped, not copied into the new run's tables.
 */
import { PgferryError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { copyOrderedUnit } from '../run/ordered-unit.js';
import { runOptionsFromSpec, type UnitOrder } from '../run/run-options.js';
import type { UnitResult } from '../copy/copy-unit.js';
import { taskConnInfo } from './task-service.js';
import type { RunOwner, TaskStore } from './task-store.js';

export type TaskUnitOutcome = (UnitResult & { skipped?: boolean; fenced: number; stale?: undefined }) | { stale: string; stopping?: boolean };

/** Copies `order`'s unit for task `taskId` if `leader` still runs it; `stale` says why not. */
export async function copyTaskUnit(
  store: TaskStore,
  taskId: string,
  leader: RunOwner,
  order: UnitOrder,
  /** `stillMine`: whether this attempt still holds the job (asked before it fences the unit); `onBytes`: COPY bytes as they pass. */
  opts: { keyFile?: string; logger?: Logger; stillMine?: () => Promise<boolean>; onBytes?: (n: number) => void } = {},
): Promise<TaskUnitOutcome> {
  // a store that does not answer throws (the job goes back to the queue); a deleted task is stale
  const task = await store.get(taskId, { prefix: false }).catch((err: unknown) => {
    if (err instanceof PgferryError && err.code === 'PGFERRY_E_TASK_NOT_FOUND') return null;
    throw err;
  });
  if (!task) return { stale: 'no such task' };
  if (task.pid !== leader.pid || task.pidStart !== leader.pidStart || (task.state !== 'running' && task.state !== 'stopping'))
    return { stale: `the run that sent it no longer holds the task (${task.state})` };
  // a stop asked of the task: its leader stops at this unit's boundary, and the unit waits for the resume
  if (task.state === 'stopping') return { stale: 'the task is stopping', stopping: true };
  const conn = await taskConnInfo(store, task, opts.keyFile);
  const migrate = runOptionsFromSpec(task.spec, conn, { runId: order.runId, logger: opts.logger ?? silentLogger });
  const r = await copyOrderedUnit(migrate, order, opts.stillMine, opts.onBytes);
  return r ?? { stale: 'this attempt was taken back while it waited (its worker taken for dead); another copies the unit' };
}
