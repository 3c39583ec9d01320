/**
 * A worker's share of spread streams (src/fleet/lane-queue.ts): takes lane jobs while it has room
 * (up to its --concurrency lanes at once: a lane holds a walsender and a target session for as
 * long as the stream lasts, like a run), applies each in this process, reports each lane's status
 * with the worker's heartbeat, and answers the leader through the job when the lane ends.
 */
import type PgBoss from 'pg-boss';
import { PgferryError } from '../errors.js';
import { redact } from '../logger.js';
import type { LaneReport } from '../run/run-options.js';
import { applyTaskLane } from '../task/task-lane.js';
import type { TaskStore } from '../task/task-store.js';
import { LANE_JOB_HOURS, LANE_QUEUE, laneProgressKey, type LaneJob, type LaneJobOutput } from './lane-queue.js';
import { answerForError, answerJob } from './unit-copier.js';
import type { WorkerStats } from './worker-metrics.js';

export class LaneApplier {
  /** Lane jobs applied here: job id → the lane's slot. */
  readonly lanes = new Map<string, string>();
  /** Each one's last status, reported with the worker's heartbeat. */
  readonly reports = new Map<string, LaneReport>();
  private leaving = false;

  constructor(
    private readonly store: TaskStore,
    private readonly boss: PgBoss,
    private readonly opts: { name: string; max: number; keyFile?: string; say: (line: string) => void; beat: () => Promise<void> },
    private readonly stats: WorkerStats,
  ) {}

  /** How the worker lists its lane jobs, and their status, in its reports. */
  listed(): string[] {
    return [...this.lanes.keys()].map(laneProgressKey);
  }

  progress(): Record<string, LaneReport> {
    return Object.fromEntries([...this.reports].map(([id, r]) => [laneProgressKey(id), r]));
  }

  /**
   * Takes one lane job if there is room (one per look, every second: a run's lanes are sent at
   * once, and a worker that took all it has room for would apply them all on one machine).
   */
  async fetch(stopping: () => boolean): Promise<void> {
    if (!stopping() && this.lanes.size < this.opts.max) {
      const [job] = await this.boss.fetch<LaneJob>(LANE_QUEUE, { batchSize: 1, includeMetadata: true });
      if (!job) return;
      this.lanes.set(job.id, job.data.order.slot);
      // listed before the lane starts, so a reclaim after this worker's death finds it
      await this.opts.beat().catch(() => {});
      void this.apply(job as PgBoss.JobWithMetadata<LaneJob>).finally(() => {
        this.lanes.delete(job.id);
        this.reports.delete(job.id);
      });
    }
  }

  /** The worker shuts down: each lane ends at its next look and goes back to its leader to be sent again. */
  handOffAll(): void {
    this.leaving = true;
  }

  private async apply(job: PgBoss.JobWithMetadata<LaneJob>): Promise<void> {
    const { taskId, leader, order } = job.data;
    const worker = this.opts.name;
    const until = Date.now() + LANE_JOB_HOURS * 3600_000;
    const stillMine = async () => {
      const now = await this.boss.getJobById(LANE_QUEUE, job.id);
      return now?.state === 'active' && now.retryCount === job.retryCount;
    };
    this.opts.say(`worker ${worker}: applies lane ${order.slot} of task ${taskId}`);
    let output: LaneJobOutput;
    try {
      const r = await applyTaskLane(this.store, taskId, leader, order, {
        worker, keyFile: this.opts.keyFile, stillMine,
        report: (s) => this.reports.set(job.id, s),
        handOff: () => this.leaving || Date.now() > until,
      });
      if (r.stale !== undefined) output = { worker, stale: r.stale };
      else {
        output = { worker, ended: r.ended, report: r.report };
        this.stats.lanesEnded++;
        if (r.fenced) this.opts.say(`worker ${worker}: lane ${order.slot}: ended ${r.fenced} session(s) of an earlier attempt (a worker taken for dead) before applying it`);
      }
      this.opts.say(`worker ${worker}: lane ${order.slot} of task ${taskId}: ${'stale' in output ? `not applied: ${output.stale}` : output.ended}`);
    } catch (err) {
      this.stats.laneErrors++;
      // a session or the stream lost (the source or target restarted, a network cut) goes back to
      // the queue: the lane resumes from its position, on this worker or another
      const lost = err instanceof PgferryError && err.code === 'PGFERRY_E_CONNECTION_LOST';
      const a = lost ? { back: redact(err.toLine()) } : answerForError(err, 'PGFERRY_E_INTERNAL', true);
      if ('back' in a) {
        this.opts.say(`worker ${worker}: lane ${order.slot} sent back to the queue: ${a.back}`);
        await answerJob(this.boss, LANE_QUEUE, job, () => this.boss.fail(LANE_QUEUE, job.id, { error: `worker ${worker}: ${a.back}` }), (line) => this.opts.say(`worker ${worker}: ${line}`));
        return;
      }
      this.opts.say(`worker ${worker}: lane ${order.slot} failed: ${redact(a.error.message)}`);
      output = { worker, ...a };
    }
    await answerJob(this.boss, LANE_QUEUE, job, () => this.boss.complete(LANE_QUEUE, job.id, output), (line) => this.opts.say(`worker ${worker}: ${line}`));
  }
}
