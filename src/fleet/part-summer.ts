/**
 * A worker's share of spread verifies (src/fleet/part-queue.ts): takes part jobs while it has
 * room, sums each part on both servers in this process, and answers with the two sums. Sessions
 * are kept a while per task and side, since a verify sends many parts of the same tables.
 */
import type PgBoss from 'pg-boss';
import type pg from 'pg';
import { connect } from '../pg/connect.js';
import { taskConnInfo } from '../task/task-service.js';
import type { TaskStore } from '../task/task-store.js';
import { pinSettings } from '../verify/run-verify.js';
import { rowSum } from '../verify/table-checksum.js';
import { PART_QUEUE, toWire, type PartJob, type PartJobOutput } from './part-queue.js';
import { answerForError, answerJob } from './unit-copier.js';
import { listedAs } from './unit-queue.js';
import type { WorkerStats } from './worker-metrics.js';

/** An idle session is closed after this long (the verify that used it is likely over). */
const IDLE_MS = 30_000;

interface Idle {
  client: pg.Client;
  since: number;
}

export class PartSummer {
  /** Part jobs being summed here: job id → the table. */
  readonly parts = new Map<string, string>();
  private readonly idle = new Map<string, Idle[]>();
  private fetching = false;
  private again = false;

  constructor(
    private readonly store: TaskStore,
    private readonly boss: PgBoss,
    private readonly opts: { name: string; room: () => boolean; keyFile?: string; say: (line: string) => void; beat: () => Promise<void> },
    private readonly stats: WorkerStats,
  ) {}

  /** The job ids as this worker lists them in its reports (so a reclaim sends them back here). */
  listed(): string[] {
    return [...this.parts.keys()].map((id) => listedAs(PART_QUEUE, id));
  }

  /**
   * Takes one part job if there is room (one per look, so that the parts of a verify spread over
   * the workers rather than fill the first one's slots); a finished part looks for the next at once.
   */
  async fetch(stopping: () => boolean): Promise<void> {
    if (this.fetching) {
      this.again = true;
      return;
    }
    this.fetching = true;
    try {
      do {
        this.again = false;
        if (stopping() || !this.opts.room()) break;
        const [job] = await this.boss.fetch<PartJob>(PART_QUEUE, { batchSize: 1, includeMetadata: true });
        if (!job) break;
        this.parts.set(job.id, job.data.order.source.id);
        await this.opts.beat().catch(() => {});
        void this.sum(job as PgBoss.JobWithMetadata<PartJob>).finally(() => {
          this.parts.delete(job.id);
          void this.fetch(stopping).catch(() => {});
        });
      } while (this.again);
    } finally {
      this.fetching = false;
    }
    this.closeIdle(IDLE_MS);
  }

  private async sum(job: PgBoss.JobWithMetadata<PartJob>): Promise<void> {
    const { taskId, order } = job.data;
    const worker = this.opts.name;
    let output: PartJobOutput;
    try {
      const opened = await Promise.allSettled([this.session(taskId, 'source', order.floatDigits), this.session(taskId, 'target', order.floatDigits)]);
      if (opened.some((o) => o.status === 'rejected')) {
        // the side that opened is ended with the other's failure
        for (const o of opened) if (o.status === 'fulfilled') await o.value.end().catch(() => {});
        throw (opened.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason;
      }
      const [s, d] = opened.map((o) => (o as PromiseFulfilledResult<pg.Client>).value);
      try {
        const [a, b] = await Promise.all([rowSum(s, order.source, order.sourceFilter), rowSum(d, order.target, order.targetFilter)]);
        this.put(taskId, 'source', order.floatDigits, s);
        this.put(taskId, 'target', order.floatDigits, d);
        output = { worker, source: toWire(a), target: toWire(b) };
        this.stats.partsSummed++;
        this.stats.partRows += a.rows + b.rows;
      } catch (err) {
        // a session that failed a read is not used again
        await Promise.all([s.end().catch(() => {}), d.end().catch(() => {})]);
        throw err;
      }
    } catch (err) {
      this.stats.partErrors++;
      // a session lost (a cached one dropped while idle) goes back too: reading a part again is harmless
      const a = answerForError(err, 'PGFERRY_E_VERIFY_READ', true);
      if ('back' in a) {
        this.opts.say(`worker ${worker}: verify part of ${order.source.id} sent back to the queue for another worker: ${a.back}`);
        await this.answer(job, () => this.boss.fail(PART_QUEUE, job.id, { error: `worker ${worker}: ${a.back}` }));
        return;
      }
      output = { worker, ...a };
    }
    await this.answer(job, () => this.boss.complete(PART_QUEUE, job.id, output));
  }

  private answer(job: PgBoss.JobWithMetadata<PartJob>, send: () => Promise<unknown>): Promise<void> {
    return answerJob(this.boss, PART_QUEUE, job, send, (line) => this.opts.say(`worker ${this.opts.name}: ${line}`));
  }

  /** An idle session of the task on that side with those settings, or a new one (the task's connection, as its runs use it). */
  private async session(taskId: string, side: 'source' | 'target', floatDigits: number): Promise<pg.Client> {
    const kept = this.idle.get(`${taskId}/${side}/${floatDigits}`)?.pop();
    if (kept) return kept.client;
    // a task deleted meanwhile throws PGFERRY_E_TASK_NOT_FOUND: the sender is answered with it
    const task = await this.store.get(taskId, { prefix: false });
    const conn = await taskConnInfo(this.store, task, this.opts.keyFile);
    const c = await connect(conn[side], side);
    // a failing query reports its error; this keeps an idle session's error from ending the worker
    c.on('error', () => {});
    try {
      await pinSettings(c, floatDigits);
    } catch (err) {
      await c.end().catch(() => {});
      throw err;
    }
    return c;
  }

  private put(taskId: string, side: 'source' | 'target', floatDigits: number, client: pg.Client): void {
    const key = `${taskId}/${side}/${floatDigits}`;
    const list = this.idle.get(key) ?? [];
    list.push({ client, since: Date.now() });
    this.idle.set(key, list);
  }

  /** Closes the sessions idle for longer than `ms` (all of them with 0). */
  closeIdle(ms: number): void {
    const now = Date.now();
    for (const [key, list] of this.idle) {
      const keep = list.filter((i) => now - i.since < ms);
      for (const i of list) if (!keep.includes(i)) void i.client.end().catch(() => {});
      if (keep.length) this.idle.set(key, keep);
      else this.idle.delete(key);
    }
  }
}
