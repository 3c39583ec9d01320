/**
 * A spread verify (fleet mode): a large verify's parts (a key range, or a run of pages, of one
 * table) summed by the fleet's workers. The process that verifies (a CLI, `serve`, a run after its
 * cutover) still lists both sides, finds each table's ranges and judges them; each of its `jobs`
 * lanes, instead of reading a part itself, sends a part job to the queue `pgferry-verify-part` and
 * waits for the worker's sums. A worker reads the part from both servers, as the sending process
 * would, and answers with the sums only: no row leaves it.
 *
 * Verify writes nothing, so a part read twice (queue delivery is at least once) costs time, not
 * correctness. Leases are the copy units' own (src/fleet/unit-queue.ts): a worker lists the part
 * jobs it holds in its reports, and a silent one's go back to the queue.
 */
import type PgBoss from 'pg-boss';
import { PgferryError } from '../errors.js';
import type { PartOrder, PartsElsewhere } from '../verify/run-verify.js';
import type { RangeSum } from '../verify/table-checksum.js';
import type { TaskStore } from '../task/task-store.js';
import { liveWorkers } from './dispatch.js';
import { describeFailure, sendBackIfOrphaned, thresholdFromEnv, workerError } from './unit-queue.js';

export const PART_QUEUE = 'pgferry-verify-part';

/** What a part job asks: sum this part of this task's tables on both sides. */
export interface PartJob {
  taskId: string;
  order: PartOrder;
}

/** A sum as JSON carries it (its hash is a 64-bit sum). */
export interface WireSum {
  rows: number;
  bytes: number;
  sum: string;
}

export type PartJobOutput = { worker: string; source: WireSum; target: WireSum } | { worker: string; error: { code: string; message: string; fix?: string } };

export const toWire = (s: RangeSum): WireSum => ({ rows: s.rows, bytes: s.bytes, sum: s.sum.toString() });
const fromWire = (w: WireSum): RangeSum => ({ rows: w.rows, bytes: w.bytes, sum: BigInt(w.sum) });

/**
 * Below this many rows (estimated) a verify reads its parts itself (PGFERRY_VERIFY_SPREAD_MIN_ROWS):
 * each spread part costs a queue round trip, about a tenth of a second.
 */
export const DEFAULT_VERIFY_SPREAD_MIN_ROWS = 2_000_000;

const POLL_MS = 100;
const ORPHAN_LOOK_MS = 5000;
/** Reads of a part's state that may fail in a row before the verify fails. */
const READ_TRIES = 5;

/** Creates the part queue if it is not there yet. */
export async function ensurePartQueue(boss: PgBoss): Promise<void> {
  // a part takes seconds; the expiry is a backstop behind the workers' leases, and a part its
  // sender never collected (its process gone) is dropped after an hour
  await boss.createQueue(PART_QUEUE, { name: PART_QUEUE, policy: 'standard', expireInSeconds: 3600, retentionSeconds: 3600, retryLimit: 5, retryDelay: 1 });
}

/** The verifying process's side: sends parts to the queue and waits for their sums. */
export class FleetParts implements PartsElsewhere {
  private readonly open = new Set<string>();

  constructor(private readonly store: TaskStore, private readonly boss: PgBoss, private readonly taskId: string, private readonly priority: number) {}

  async wanted(rows: number, parts: number): Promise<{ spread: boolean; why: string }> {
    const workers = (await liveWorkers(this.store)).length;
    const min = thresholdFromEnv('PGFERRY_VERIFY_SPREAD_MIN_ROWS', DEFAULT_VERIFY_SPREAD_MIN_ROWS);
    if (workers < 2) return { spread: false, why: `${workers} live worker(s): nothing to spread over` };
    if (parts < 2) return { spread: false, why: `${parts} part(s) to read` };
    if (rows < min) return { spread: false, why: `about ${rows} rows to read, under the ${min} worth spreading (PGFERRY_VERIFY_SPREAD_MIN_ROWS)` };
    return { spread: true, why: `about ${rows} rows in ${parts} parts over ${workers} live workers` };
  }

  async sum(order: PartOrder): Promise<{ source: RangeSum; target: RangeSum; worker: string } | undefined> {
    const what = `table ${order.source.id}`;
    const id = await this.boss.send(PART_QUEUE, { taskId: this.taskId, order } satisfies PartJob, { priority: this.priority });
    if (!id) throw new PgferryError('PGFERRY_E_INTERNAL', `a verify part of ${order.source.id} was refused by the queue`, { object: what });
    this.open.add(id);
    let lastLook = Date.now();
    let misses = 0;
    try {
      for (;;) {
        await new Promise((r) => setTimeout(r, POLL_MS));
        // a store that misses an answer or two is asked again; a verify fails only when it stays away
        const j = await this.boss.getJobById<PartJob>(PART_QUEUE, id, { includeArchive: true }).then((x) => {
          misses = 0;
          return x;
        }, (err: unknown) => {
          if (++misses >= READ_TRIES) throw err;
          return 'again' as const;
        });
        if (j === 'again') continue;
        if (!j) throw new PgferryError('PGFERRY_E_INTERNAL', `a verify part of ${order.source.id} left the queue`, { object: what });
        if (j.state === 'completed') {
          const out = j.output as PartJobOutput;
          if ('error' in out) throw workerError(out, 'PGFERRY_E_VERIFY_READ', what);
          return { source: fromWire(out.source), target: fromWire(out.target), worker: out.worker };
        }
        if (j.state === 'failed')
          throw new PgferryError('PGFERRY_E_VERIFY_READ', `no worker read a verify part of ${order.source.id} in ${j.retryLimit + 1} attempts: ${describeFailure(j.output)}`, {
            object: what,
            fix: 'pgferry workers shows the fleet; verify again once its workers reach both servers',
          });
        if (j.state === 'cancelled') throw new PgferryError('PGFERRY_E_VERIFY_READ', `a verify part of ${order.source.id} was withdrawn`, { object: what });
        if (Date.now() - lastLook > ORPHAN_LOOK_MS) {
          lastLook = Date.now();
          if (j.state === 'active') await sendBackIfOrphaned(this.store, this.boss, PART_QUEUE, j);
          // no worker left to take it (the fleet stopped): withdrawn, and read by the verifying process
          else if ((j.state === 'created' || j.state === 'retry') && (await liveWorkers(this.store)).length === 0) {
            await this.boss.cancel(PART_QUEUE, id);
            return undefined;
          }
        }
      }
    } finally {
      this.open.delete(id);
    }
  }

  /** Withdraws the parts still out (the verify failed elsewhere, or is over). */
  async close(): Promise<void> {
    if (this.open.size) await this.boss.cancel(PART_QUEUE, [...this.open]).catch(() => {});
  }
}

/**
 * For a verify of a task on a PostgreSQL store with at least two live workers: its parts may be
 * spread (the queue is opened only then). `close` withdraws what is still out and closes the queue.
 */
export async function openFleetParts(store: TaskStore, taskId: string, priority: number): Promise<{ partsElsewhere?: PartsElsewhere; close: () => Promise<void> }> {
  if (store.kind !== 'postgresql' || (await liveWorkers(store)).length < 2) return { close: async () => {} };
  const { openRunQueue, sharedStore } = await import('./run-queue.js');
  // a queue that cannot open leaves the verify to this process, as without a fleet
  const boss = await openRunQueue(sharedStore(store, 'a spread verify'), { supervise: false, queues: [ensurePartQueue] }).catch(() => undefined);
  if (!boss) return { close: async () => {} };
  const parts = new FleetParts(store, boss, taskId, priority);
  return {
    partsElsewhere: parts,
    close: async () => {
      await parts.close();
      await boss.stop({ graceful: false, close: false });
    },
  };
}
