/**
 * A worker's share of spread copies (src/fleet/unit-queue.ts): takes unit jobs while it has copy
 * slots, copies each in this process, and answers the leader through the job. Also sends back to
 * the queue the unit jobs of workers gone silent, and at start those an earlier process under
 * this worker's name left listed.
 */
import type PgBoss from 'pg-boss';
import { PgferryError, messageOf, type ErrorCode } from '../errors.js';
import { redact } from '../logger.js';
import { classifyError } from '../retry-class.js';
import { REMOTE_RUN_SILENCE_SECONDS } from '../task/task-facts.js';
import { copyTaskUnit } from '../task/task-unit.js';
import type { TaskStore } from '../task/task-store.js';
import { LISTED_PREFIX, UNIT_QUEUE, type UnitJob, type UnitJobOutput } from './unit-queue.js';
import type { WorkerStats } from './worker-metrics.js';

/**
 * Errors of this worker's own reach (its network, its key file, the store) rather than of the
 * unit: the job goes back to the queue for another worker, instead of failing the leader's run.
 */
export const WORKER_ERRORS = new Set<ErrorCode>(['PGFERRY_E_AUTH', 'PGFERRY_E_DNS', 'PGFERRY_E_CONNECT_REFUSED', 'PGFERRY_E_CONNECT_TIMEOUT', 'PGFERRY_E_TLS', 'PGFERRY_E_SECRET', 'PGFERRY_E_STORE']);

const ANSWER_TRIES = 5;

export class UnitCopier {
  /** Unit jobs being copied here: job id → the unit. */
  readonly units = new Map<string, string>();
  /** Bytes each of those has copied so far, reported with the worker's heartbeat for its leader's progress. */
  readonly progress = new Map<string, number>();

  constructor(
    private readonly store: TaskStore,
    private readonly boss: PgBoss,
    /** `room`: whether a copy slot is free (verify parts take them too). */
    private readonly opts: { name: string; room: () => boolean; keyFile?: string; say: (line: string) => void; beat: () => Promise<void> },
    private readonly stats: WorkerStats,
  ) {}

  /** Takes unit jobs while a copy slot is free; each copies on its own. */
  async fetch(stopping: () => boolean): Promise<void> {
    while (!stopping() && this.opts.room()) {
      const [job] = await this.boss.fetch<UnitJob>(UNIT_QUEUE, { batchSize: 1, includeMetadata: true });
      if (!job) return;
      this.units.set(job.id, job.data.order.unit.id);
      // listed before the copy starts, so a reclaim after this worker's death finds it
      await this.opts.beat().catch(() => {});
      void this.copy(job as PgBoss.JobWithMetadata<UnitJob>).finally(() => {
        this.units.delete(job.id);
        this.progress.delete(job.id);
      });
    }
  }

  /**
   * Copies one unit and answers with its result or error. A job this worker was taken for dead
   * over (frozen past the bound) went to another: it neither fences nor answers for that one.
   */
  private async copy(job: PgBoss.JobWithMetadata<UnitJob>): Promise<void> {
    const { taskId, leader, order } = job.data;
    const worker = this.opts.name;
    const stillMine = async () => {
      const now = await this.boss.getJobById(UNIT_QUEUE, job.id);
      return now?.state === 'active' && now.retryCount === job.retryCount;
    };
    let output: UnitJobOutput;
    try {
      const onBytes = (n: number) => this.progress.set(job.id, (this.progress.get(job.id) ?? 0) + n);
      const r = await copyTaskUnit(this.store, taskId, leader, order, { keyFile: this.opts.keyFile, stillMine, onBytes });
      output = r.stale !== undefined ? { worker, stale: r.stale, stopping: r.stopping } : { worker, rows: r.rows, bytes: r.bytes, seconds: r.seconds, skipped: r.skipped };
      if (r.stale === undefined && !r.skipped) {
        this.stats.unitsCopied++;
        this.stats.unitRows += r.rows;
        this.stats.unitBytes += r.bytes;
      }
      if (r.stale === undefined && r.fenced) this.opts.say(`worker ${worker}: unit ${order.unit.id}: ended ${r.fenced} session(s) of an earlier attempt (a worker taken for dead) before copying it`);
    } catch (err) {
      this.stats.unitErrors++;
      // the leader classifies a unit's error again: a transient one (connection lost, deadlock) resumes its run
      const a = answerForError(err, 'PGFERRY_E_COPY', false);
      if ('back' in a) {
        this.opts.say(`worker ${worker}: unit ${order.unit.id} sent back to the queue for another worker: ${a.back}`);
        await this.answer(job, () => this.boss.fail(UNIT_QUEUE, job.id, { error: `worker ${worker}: ${a.back}` }));
        return;
      }
      output = { worker, ...a };
    }
    await this.answer(job, () => this.boss.complete(UNIT_QUEUE, job.id, output));
  }

  private answer(job: PgBoss.JobWithMetadata<UnitJob>, send: () => Promise<unknown>): Promise<void> {
    return answerJob(this.boss, UNIT_QUEUE, job, send, (line) => this.opts.say(`worker ${this.opts.name}: ${line}`));
  }

  /** Sends a silent worker's unit jobs back to the queue, once (the store empties its list first). */
  async reclaim(): Promise<void> {
    for (const w of await this.store.workers()) {
      if (w.name === this.opts.name || w.heartbeatAge <= REMOTE_RUN_SILENCE_SECONDS || !w.units.length) continue;
      const ids = await this.store.reclaimUnits(w.name, REMOTE_RUN_SILENCE_SECONDS);
      if (!ids.length) continue;
      await this.sendBack(ids, `worker ${w.name} went silent for ${w.heartbeatAge.toFixed(0)} s; taken back by worker ${this.opts.name}`);
      this.opts.say(`worker ${this.opts.name}: ${ids.length} unit job(s) of silent worker ${w.name} sent back to the queue`);
    }
  }

  /** At start: unit jobs an earlier process under this name listed (killed, restarted within the bound) go back to the queue. */
  async leftovers(): Promise<void> {
    const mine = (await this.store.workers()).find((w) => w.name === this.opts.name);
    if (!mine?.units.length) return;
    await this.sendBack(mine.units, `an earlier process of worker ${this.opts.name} left them`);
    this.opts.say(`worker ${this.opts.name}: ${mine.units.length} unit job(s) an earlier process of this worker held sent back to the queue`);
  }

  private async sendBack(listed: string[], why: string): Promise<void> {
    // each queue's all at once: a failure half way would leave the rest to their senders' own look
    const fail = this.boss.fail as (name: string, ids: string[], data: object) => Promise<unknown>;
    const of = (prefix: string) => listed.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));
    const units = listed.filter((l) => !Object.values(LISTED_PREFIX).some((p) => l.startsWith(p)));
    if (units.length) await fail.call(this.boss, UNIT_QUEUE, units, { error: why });
    for (const [queue, prefix] of Object.entries(LISTED_PREFIX)) {
      const ids = of(prefix);
      if (ids.length) await fail.call(this.boss, queue, ids, { error: why });
    }
    this.stats.unitsReclaimed += listed.length;
  }
}

/**
 * How a worker answers a job whose work threw: `back` to the queue for another attempt, maybe on
 * another worker (an error of its own reach; with `transientBack`, also a session lost), or an
 * `error` for the sender (`fallback`: the code of an error pgferry did not name).
 */
export function answerForError(err: unknown, fallback: ErrorCode, transientBack: boolean): { back: string } | { error: { code: string; message: string; fix?: string } } {
  const pe = err instanceof PgferryError ? err : undefined;
  const transient = !pe && classifyError(err, { connectedOnce: true }).transient;
  if ((pe && WORKER_ERRORS.has(pe.code)) || (transient && transientBack)) return { back: redact(pe ? pe.toLine() : messageOf(err)) };
  return { error: { code: pe?.code ?? (transient ? 'PGFERRY_E_CONNECTION_LOST' : fallback), message: redact(pe?.message ?? messageOf(err)), fix: pe?.fix } };
}

/**
 * Answers a job still this attempt's (active, and not retried since it was taken), trying again
 * through a store that does not answer; unanswered, its sender sends it back once no live worker
 * lists it.
 */
export async function answerJob(boss: PgBoss, queue: string, job: PgBoss.JobWithMetadata<unknown>, send: () => Promise<unknown>, say: (line: string) => void): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      const now = await boss.getJobById(queue, job.id);
      if (now?.state !== 'active' || now.retryCount !== job.retryCount) return;
      await send();
      return;
    } catch (err) {
      if (i >= ANSWER_TRIES) return say(`could not answer job ${job.id} of ${queue}: ${redact(messageOf(err))}`);
      await new Promise((r) => setTimeout(r, 1000 * i));
    }
  }
}
