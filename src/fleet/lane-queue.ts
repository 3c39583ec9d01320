/**
 * A spread stream (fleet mode): an incremental run's lanes applied by the fleet's workers. The run
 * (the leader) keeps lane 0 (its sequences, its background check of the ranges) and sends every
 * other lane as a job to the queue `pgferry-cdc-lane`. A worker takes it and applies the lane
 * until the run says otherwise (src/run/ordered-lane.ts), reporting its status with its heartbeat;
 * the leader reads those reports into the run's one stream status. The run's word to its lanes
 * (cut over at a position, stop) goes through the store (`lane-command:RUN`), read by each lane
 * twice a second.
 *
 * Leases are the copy units' (src/fleet/unit-queue.ts): a worker lists the lane jobs it holds, as
 * `lane:ID`, and a silent one's go back to the queue; the next attempt ends the old one's sessions
 * (the lane's fence) and resumes from the position the target recorded. A lane job lasts at most
 * LANE_JOB_HOURS: then its worker hands the lane back, and the leader sends it again, since the
 * queue's own expiry (a day at most) would otherwise take it back from a worker still applying it.
 */
import type PgBoss from 'pg-boss';
import { PgferryError, stoppedError } from '../errors.js';
import type { LaneEnd, LaneOrder, LaneReport, LanesElsewhere, RemoteLane } from '../run/run-options.js';
import { laneCommandKey } from '../task/task-lane.js';
import type { RunOwner, TaskStore } from '../task/task-store.js';
import { liveWorkers } from './dispatch.js';
import { taskPriority } from './run-queue.js';
import { describeFailure, sendBackIfOrphaned, workerError } from './unit-queue.js';

export const LANE_QUEUE = 'pgferry-cdc-lane';

/** How long a worker applies one lane job before it hands the lane back to be sent again. */
export const LANE_JOB_HOURS = 22;

/** What a lane job asks: apply this lane of this task's run, while `leader` holds the task. */
export interface LaneJob {
  taskId: string;
  leader: RunOwner;
  order: LaneOrder;
}

export type LaneJobOutput = LaneEnd | { worker: string; error: { code: string; message: string; fix?: string } } | { worker: string; stale: string };

const POLL_MS = 250;
const REPORT_LOOK_MS = 1000;
const ORPHAN_LOOK_MS = 5000;
/** Reads of a lane job's state that may fail in a row before the run fails (it resumes by its rules). */
const READ_TRIES = 5;

/** Creates the lane queue if it is not there yet. */
export async function ensureLaneQueue(boss: PgBoss): Promise<void> {
  // a lane runs for as long as the stream does: the lease is the worker's heartbeat, the expiry a
  // backstop its worker stays under (LANE_JOB_HOURS); each takeover counts as a retry
  await boss.createQueue(LANE_QUEUE, { name: LANE_QUEUE, policy: 'standard', expireInSeconds: 23 * 3600, retryLimit: 100, retryDelay: 1 });
}

/** The key a worker reports a lane job's status under in its `progress`. */
export const laneProgressKey = (jobId: string) => `lane:${jobId}`;

/** The leader's side: sends lanes to the queue, and carries its word to them. */
export class FleetLanes implements LanesElsewhere {
  constructor(private readonly store: TaskStore, private readonly boss: PgBoss, private readonly taskId: string, private readonly leader: RunOwner) {}

  async wanted(lanes: number): Promise<{ spread: boolean; why: string }> {
    if (process.env.PGFERRY_SPREAD_LANES === '0') return { spread: false, why: 'PGFERRY_SPREAD_LANES=0 keeps them in the run' };
    if (lanes < 2) return { spread: false, why: 'one lane' };
    const workers = (await liveWorkers(this.store)).length;
    if (workers < 2) return { spread: false, why: `${workers} live worker(s): nothing to spread over` };
    return { spread: true, why: `lane 0 in the run, ${lanes - 1} lane(s) over ${workers} live workers` };
  }

  async send(order: LaneOrder): Promise<RemoteLane> {
    const priority = taskPriority(await this.store.get(this.taskId, { prefix: false }));
    const lane = new FleetLane(this.store, this.boss, { taskId: this.taskId, leader: this.leader, order }, priority);
    await lane.send();
    return lane;
  }

  async command(runId: string, c: { attempt: string; cutAt?: string; stop?: boolean }): Promise<void> {
    await this.store.setSetting(laneCommandKey(runId), JSON.stringify(c));
  }
}

/** One lane applied elsewhere, as its sender follows it through its jobs. */
class FleetLane implements RemoteLane {
  private id = '';
  private last: LaneReport | undefined;
  private by: string | undefined;
  /** Transactions and rows of the lane's earlier jobs and attempts (each attempt counts from 0). */
  private carried = { transactions: 0, rows: 0 };
  private attemptSeen = -1;
  private cancelled = false;
  /** When this process saw the report change (its own clock: another machine's may be skewed). */
  private seenAt = 0;
  readonly sentAt = Date.now();

  constructor(private readonly store: TaskStore, private readonly boss: PgBoss, private readonly job: LaneJob, private readonly priority: number) {}

  get slot(): string {
    return this.job.order.slot;
  }

  report(): LaneReport | undefined {
    return this.last && { ...this.last, at: this.seenAt, transactions: this.last.transactions + this.carried.transactions, rows: this.last.rows + this.carried.rows };
  }

  cancel(): void {
    this.cancelled = true;
  }

  /** Takes a worker's report; its age counts from now if it is a new one. */
  private take(r: LaneReport): void {
    if (!this.last || r.at !== this.last.at) this.seenAt = Date.now();
    this.last = r;
  }

  worker(): string | undefined {
    return this.by;
  }

  async send(): Promise<void> {
    const id = await this.boss.send(LANE_QUEUE, this.job, { priority: this.priority });
    if (!id) throw new PgferryError('PGFERRY_E_INTERNAL', `the lane job of ${this.slot} was refused by the queue`, { object: `slot ${this.slot}` });
    this.id = id;
    this.attemptSeen = -1;
  }

  /** The counts of an attempt that ended are kept before the next one reports from 0. */
  private carry(): void {
    if (!this.last) return;
    this.carried = { transactions: this.carried.transactions + this.last.transactions, rows: this.carried.rows + this.last.rows };
    this.last = { ...this.last, transactions: 0, rows: 0 };
  }

  async follow(): Promise<LaneEnd> {
    let lastReport = 0;
    let lastLook = Date.now();
    let misses = 0;
    for (;;) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      if (this.cancelled) throw stoppedError();
      let j: PgBoss.JobWithMetadata<LaneJob> | null;
      try {
        j = await this.boss.getJobById<LaneJob>(LANE_QUEUE, this.id, { includeArchive: true });
        misses = 0;
      } catch (err) {
        if (++misses >= READ_TRIES) throw err;
        continue;
      }
      const object = `slot ${this.slot}`;
      if (!j) throw new PgferryError('PGFERRY_E_INTERNAL', `the lane job of ${this.slot} left the queue`, { object });
      if (j.retryCount !== this.attemptSeen) {
        // a new attempt (its worker taken for dead) reports from 0
        if (this.attemptSeen >= 0) this.carry();
        this.attemptSeen = j.retryCount;
      }
      if (j.state === 'completed') {
        const out = j.output as LaneJobOutput;
        if ('error' in out) throw workerError(out, 'PGFERRY_E_CONNECTION_LOST', object);
        if ('stale' in out)
          throw new PgferryError('PGFERRY_E_TASK_STATE', `worker ${out.worker} stopped applying lane ${this.slot}: ${out.stale}`, { object, fix: 'nothing to do: the process that holds the task now continues the run' });
        if (out.report) this.take(out.report);
        if (out.ended !== 'handoff') return { ...out, report: this.report() };
        if (this.cancelled) throw stoppedError();
        // its worker shuts down, or the job's time is up: the lane goes on in a new job
        this.carry();
        this.by = undefined;
        await this.send();
        continue;
      }
      if (j.state === 'failed')
        throw new PgferryError('PGFERRY_E_CONNECTION_LOST', `no worker kept lane ${this.slot} applying in ${j.retryLimit + 1} attempts: ${describeFailure(j.output)}`, {
          object,
          fix: 'pgferry workers shows the fleet; the run resumes and sends the lane again',
        });
      if (j.state === 'cancelled') throw stoppedError();
      if (j.state === 'active' && Date.now() - lastReport >= REPORT_LOOK_MS) {
        lastReport = Date.now();
        // only a status: a store that does not answer now leaves the last one
        const holder = (await this.store.workers().catch(() => [])).find((w) => w.units.includes(laneProgressKey(this.id)));
        const r = holder?.progress?.[laneProgressKey(this.id)];
        if (holder) this.by = holder.name;
        if (r && typeof r === 'object') this.take(r);
      }
      if (j.state === 'active' && Date.now() - lastLook > ORPHAN_LOOK_MS) {
        lastLook = Date.now();
        // a store that does not answer now is asked again at the next look
        await sendBackIfOrphaned(this.store, this.boss, LANE_QUEUE, j).catch(() => {});
      }
    }
  }

  async withdraw(): Promise<void> {
    const j = await this.boss.getJobById(LANE_QUEUE, this.id).catch(() => null);
    if (j && (j.state === 'created' || j.state === 'retry')) await this.boss.cancel(LANE_QUEUE, this.id).catch(() => {});
  }
}
