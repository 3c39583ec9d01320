/**
 * A spread copy (fleet mode): one task's copy units over the fleet's workers. The run that holds
 * the task (the leader) exports the snapshot and keeps it open, reads the catalog, creates the
 * schema, builds indexes; its copy lanes, instead of copying, each send a unit job to the queue
 * `pgferry-unit-copy` and wait for it. Any worker takes it, joins the snapshot, and copies the
 * unit with its mark on the target (src/run/ordered-unit.ts). So the task's --jobs is the number
 * of its units in flight over the whole fleet, and its --max-rate is shared by them.
 *
 * Leases: a job is held by the worker that took it while that worker reports (every 2 s). One
 * silent for REMOTE_RUN_SILENCE_SECONDS is taken for dead, and its jobs are failed back into the
 * queue (src/fleet/worker.ts), to be retried by another worker; the unit's fence on the target
 * ends the old attempt's session first. The pg-boss expiry is only a backstop.
 */
import type PgBoss from 'pg-boss';
import { ERROR_CODES, PgferryError, stoppedError, type ErrorCode } from '../errors.js';
import type { LanesElsewhere, UnitDoneElsewhere, UnitOrder, UnitsElsewhere } from '../run/run-options.js';
import type { RunOwner, TaskStore } from '../task/task-store.js';
import { REMOTE_RUN_SILENCE_SECONDS } from '../task/task-facts.js';
import { liveWorkers } from './dispatch.js';
import { taskPriority } from './run-queue.js';

export const UNIT_QUEUE = 'pgferry-unit-copy';

/** What a unit job asks: copy this unit of this task's run, while `leader` holds the task. */
export interface UnitJob {
  taskId: string;
  leader: RunOwner;
  order: UnitOrder;
}

/** What a worker answers: the unit's result, or the error it met, or why it did not copy (stale). */
export type UnitJobOutput =
  | { worker: string; rows: number; bytes: number; seconds: number; skipped?: boolean }
  | { worker: string; error: { code: string; message: string; fix?: string } }
  | { worker: string; stale: string; stopping?: boolean };

/**
 * Below this many bytes to copy a task's run copies its units itself, as without a fleet
 * (PGFERRY_SPREAD_MIN_BYTES): each spread unit costs a queue round trip and a snapshot join.
 */
export const DEFAULT_SPREAD_MIN_BYTES = 256 * 1024 * 1024;

const POLL_MS = 250;
/** How often a leader looks whether a taken unit job still has a live worker. */
const ORPHAN_LOOK_MS = 5000;
/** How often a leader reads how far a unit copying elsewhere has got (its worker reports every 2 s). */
const PROGRESS_LOOK_MS = 1000;

/** Creates the unit queue if it is not there yet. */
export async function ensureUnitQueue(boss: PgBoss): Promise<void> {
  // the lease is the worker's heartbeat; the queue's own expiry (its longest) is a backstop
  await boss.createQueue(UNIT_QUEUE, { name: UNIT_QUEUE, policy: 'standard', expireInSeconds: 23 * 3600, retryLimit: 5, retryDelay: 1 });
}

/** The leader's side: sends its units to the queue and waits for each. */
export class FleetUnits implements UnitsElsewhere {
  private readonly open = new Set<string>();
  private readonly minBytes: number;
  /** The task's priority, read when the copy is planned: its units go before lower ones'. */
  private priority = 0;

  constructor(private readonly store: TaskStore, private readonly boss: PgBoss, private readonly taskId: string, private readonly leader: RunOwner) {
    this.minBytes = thresholdFromEnv('PGFERRY_SPREAD_MIN_BYTES', DEFAULT_SPREAD_MIN_BYTES);
  }

  async wanted(bytes: number, units: number): Promise<{ spread: boolean; why: string }> {
    this.priority = taskPriority(await this.store.get(this.taskId, { prefix: false }));
    const workers = (await liveWorkers(this.store)).length;
    const mb = (n: number) => `${(n / 1048576).toFixed(0)} MB`;
    if (workers < 2) return { spread: false, why: `${workers} live worker(s): nothing to spread over` };
    if (units < 2) return { spread: false, why: `${units} unit(s) to copy` };
    if (bytes < this.minBytes) return { spread: false, why: `${mb(bytes)} to copy, under the ${mb(this.minBytes)} worth spreading (PGFERRY_SPREAD_MIN_BYTES)` };
    return { spread: true, why: `${units} units (${mb(bytes)}) over ${workers} live workers` };
  }

  async copy(order: UnitOrder, stopRequested: () => boolean, onBytes?: (n: number) => void): Promise<UnitDoneElsewhere> {
    const job: UnitJob = { taskId: this.taskId, leader: this.leader, order };
    const id = await this.boss.send(UNIT_QUEUE, job, { priority: this.priority });
    if (!id) throw new PgferryError('PGFERRY_E_INTERNAL', `the unit job of ${order.unit.id} was refused by the queue`, { object: `table ${order.unit.id}` });
    this.open.add(id);
    let lastLook = Date.now();
    let lastProgress = Date.now();
    let reported = 0;
    try {
      for (;;) {
        await new Promise((r) => setTimeout(r, POLL_MS));
        const j = await this.boss.getJobById<UnitJob>(UNIT_QUEUE, id, { includeArchive: true });
        if (!j) throw new PgferryError('PGFERRY_E_INTERNAL', `the unit job of ${order.unit.id} left the queue`, { object: `table ${order.unit.id}` });
        if (j.state === 'completed') return outcome(order, j.output as UnitJobOutput);
        // a stop (or the task lost to a takeover) withdraws a unit no worker has begun; one begun is finished
        if (stopRequested() && (j.state === 'created' || j.state === 'retry')) {
          await this.boss.cancel(UNIT_QUEUE, id);
          throw stoppedError();
        }
        if (onBytes && j.state === 'active' && Date.now() - lastProgress > PROGRESS_LOOK_MS) {
          lastProgress = Date.now();
          // an attempt taken again starts from 0: the bar waits until it is past what was shown
          // only a display: a store that does not answer now leaves the bar where it is
          const seen = (await this.store.workers().catch(() => [])).find((w) => w.units.includes(id))?.progress?.[id];
          const now = typeof seen === 'number' ? seen : 0;
          if (now > reported) {
            onBytes(now - reported);
            reported = now;
          }
        }
        if (j.state === 'active' && Date.now() - lastLook > ORPHAN_LOOK_MS) {
          lastLook = Date.now();
          await sendBackIfOrphaned(this.store, this.boss, UNIT_QUEUE, j);
        }
        if (j.state === 'failed')
          throw new PgferryError('PGFERRY_E_COPY', `no worker finished the unit in ${j.retryLimit + 1} attempts: ${describeFailure(j.output)}`, {
            object: `table ${order.unit.id}`,
            fix: 'pgferry workers shows the fleet; a resume of the task sends the unit again',
          });
        if (j.state === 'cancelled') throw new PgferryError('PGFERRY_E_STOPPED', 'the unit job was withdrawn', { object: `table ${order.unit.id}` });
      }
    } finally {
      this.open.delete(id);
    }
  }

  async close(): Promise<void> {
    // an order already taken goes on to its commit (or rolls back); a resume skips what is marked
    if (this.open.size) await this.boss.cancel(UNIT_QUEUE, [...this.open]).catch(() => {});
  }
}

/** The prefix a job of each queue but the unit queue is listed with (src/fleet/part-queue.ts, lane-queue.ts). */
export const LISTED_PREFIX: Record<string, string> = { 'pgferry-verify-part': 'part:', 'pgferry-cdc-lane': 'lane:' };

/**
 * How a worker lists a job it holds in its reports (`units`): a unit job by its id, a verify
 * part's as `part:ID`, a lane's as `lane:ID`, so that a reclaim sends each back to its queue.
 */
export function listedAs(queue: string, id: string): string {
  return (LISTED_PREFIX[queue] ?? '') + id;
}

/**
 * A job taken but held by no live worker (its worker died before it listed it, lost its answer,
 * or restarted under the same name) would wait for the queue's expiry: its sender sends it back
 * to the queue once it has been active longer than a worker may stay silent.
 */
export async function sendBackIfOrphaned(store: TaskStore, boss: PgBoss, queue: string, seen: { id: string; startedOn?: Date | string | null; retryCount: number }): Promise<void> {
  const since = seen.startedOn ? Date.now() - new Date(seen.startedOn).getTime() : 0;
  if (since < (REMOTE_RUN_SILENCE_SECONDS + 10) * 1000) return;
  const listed = listedAs(queue, seen.id);
  const holders = (await store.workers()).filter((w) => w.heartbeatAge <= REMOTE_RUN_SILENCE_SECONDS && w.units.includes(listed));
  if (holders.length) return;
  // a reclaim may have sent it back meanwhile, and another worker taken it: that attempt is left alone
  const now = await boss.getJobById(queue, seen.id);
  if (now?.state !== 'active' || now.retryCount !== seen.retryCount) return;
  await boss.fail(queue, seen.id, { error: `no live worker held the job after ${(since / 1000).toFixed(0)} s; sent back to the queue by its sender` });
}

/** A completed job's answer as the run sees it: its result, or the worker's error thrown again. */
function outcome(order: UnitOrder, out: UnitJobOutput): UnitDoneElsewhere {
  if ('error' in out) throw workerError(out, 'PGFERRY_E_COPY', `table ${order.unit.id}`);
  if ('stale' in out && out.stopping)
    throw stoppedError();
  if ('stale' in out)
    throw new PgferryError('PGFERRY_E_TASK_STATE', `worker ${out.worker} did not copy ${order.unit.id}: ${out.stale}`, {
      object: `table ${order.unit.id}`,
      fix: 'nothing to do: the process that holds the task now continues the run',
    });
  return { rows: out.rows, bytes: out.bytes, seconds: out.seconds, skipped: out.skipped, worker: out.worker };
}

/** What a failed job's last attempt left as its output, in words. */
export function describeFailure(output: unknown): string {
  const v = output as { message?: string; value?: { message?: string }; error?: string } | null;
  return v?.error ?? v?.message ?? v?.value?.message ?? 'no answer';
}

/** A worker's error answer thrown again here; a worker of a newer pgferry may name a code this one does not know. */
export function workerError(out: { worker: string; error: { code: string; message: string; fix?: string } }, fallback: ErrorCode, object: string): PgferryError {
  const code = (out.error.code in ERROR_CODES ? out.error.code : fallback) as ErrorCode;
  return new PgferryError(code, `${out.error.message} (on worker ${out.worker})`, { object, fix: out.error.fix });
}

/** A threshold from the environment (a number, 0 or more), or its default. */
export function thresholdFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = Number(raw);
  return raw !== undefined && raw !== '' && Number.isFinite(n) && n >= 0 ? n : fallback;
}

/**
 * For a run a fleet worker started (PGFERRY_WORKER): the queue its copy may be spread over, as
 * runTask's `unitsElsewhere`, the queue its stream's lanes may be (`lanesElsewhere`,
 * src/fleet/lane-queue.ts), and how to close them once the run is over. None for any other run.
 */
export async function openFleetUnits(store: TaskStore): Promise<{
  unitsElsewhere?: (leader: RunOwner, taskId: string) => UnitsElsewhere;
  lanesElsewhere?: (leader: RunOwner, taskId: string) => LanesElsewhere;
  close: () => Promise<void>;
}> {
  if (!process.env.PGFERRY_WORKER || store.kind !== 'postgresql') return { close: async () => {} };
  const { openRunQueue, sharedStore } = await import('./run-queue.js');
  const { ensureLaneQueue, FleetLanes } = await import('./lane-queue.js');
  // opened while the run connects and reads its catalog: the queue is first needed when the copy
  // is planned (measured at SCALE=1 on the shared bench, its opening was part of the fleet's cost)
  const opening = openRunQueue(sharedStore(store, 'a spread copy'), { supervise: false, queues: [ensureUnitQueue, ensureLaneQueue] });
  opening.catch(() => {});
  const later = <T>(make: (boss: PgBoss) => T) => {
    const made = opening.then(make);
    made.catch(() => {});
    return made;
  };
  return {
    unitsElsewhere: (leader, taskId) => {
      const units = later((boss) => new FleetUnits(store, boss, taskId, leader));
      return {
        wanted: async (bytes, n) => (await units).wanted(bytes, n),
        copy: async (order, stop, onBytes) => (await units).copy(order, stop, onBytes),
        // a queue that never opened has nothing to withdraw
        close: async () => (await units.catch(() => undefined))?.close(),
      };
    },
    lanesElsewhere: (leader, taskId) => {
      const lanes = later((boss) => new FleetLanes(store, boss, taskId, leader));
      return {
        wanted: async (n) => (await lanes).wanted(n),
        send: async (order) => (await lanes).send(order),
        command: async (runId, c) => (await lanes).command(runId, c),
      };
    },
    close: async () => {
      const boss = await opening.catch(() => undefined);
      await boss?.stop({ graceful: false, close: false });
    },
  };
}
