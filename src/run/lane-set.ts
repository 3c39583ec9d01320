/**
 * The live streams of an incremental run, one per lane (src/cdc/stream-lanes.ts), pumped side by
 * side and seen as one: the run is caught up when every lane is, its lag is the largest lane's,
 * the position it holds is the smallest, and one status report stands for all. One lane (the
 * default) is the same stream, untouched.
 */
import { formatLsn, parseLsn, type Lsn } from '../cdc/lsn.js';
import type { StreamStatus } from './events.js';
import type { LiveStream } from './live-stream.js';
import type { RunContext } from './run-context.js';

export class LaneSet {
  /** Each lane's last report (lane 0's report publishes them all, as one). */
  private readonly reports: (StreamStatus | undefined)[];

  readonly lanes: LiveStream[] = [];

  /** `count` lanes, added in order with add(). */
  constructor(private readonly ctx: RunContext, private readonly count: number) {
    this.reports = new Array<StreamStatus | undefined>(count).fill(undefined);
  }

  add(lane: LiveStream): void {
    this.lanes.push(lane);
  }

  /** Lane 0: its session on the source, its target session, the plan and the ledger are the run's. */
  get main(): LiveStream {
    return this.lanes[0];
  }

  /** The status hook lane `i` is built with: lane 0's report publishes the run's. */
  publisher(i: number): ((s: StreamStatus) => void) | undefined {
    if (this.count === 1) return undefined;
    return (s) => {
      this.reports[i] = s;
      if (i === 0) this.publish();
    };
  }

  /**
   * Pumps every lane until `done` says so, asked between source transactions: once it has said
   * so to one lane, every lane stops at its next chance. A lane that fails stops the others the
   * same way, and its error is thrown once all have stopped.
   */
  async pumpUntil(done: () => boolean | Promise<boolean>): Promise<void> {
    if (this.lanes.length === 1) return this.main.pump(done);
    let over = false;
    const latched = async () => {
      if (!over && (await done())) over = true;
      return over;
    };
    await this.all((l) => l.pump(latched), () => (over = true));
  }

  /** Pumps each lane until `done` says so for that lane (the cutover: each up to the same position). */
  async pumpEach(done: (lane: LiveStream) => boolean): Promise<void> {
    if (this.lanes.length === 1) return this.main.pump(() => done(this.main));
    let failed = false;
    await this.all((l) => l.pump(() => failed || done(l)), () => (failed = true));
  }

  private async all(run: (l: LiveStream) => Promise<void>, onFail: () => void): Promise<void> {
    let failure: { err: unknown } | undefined;
    await Promise.all(
      this.lanes.map((l) =>
        run(l).catch((err: unknown) => {
          failure ??= { err };
          onFail();
        }),
      ),
    );
    if (failure) throw failure.err;
  }

  caughtUp(): boolean {
    return this.lanes.every((l) => l.caughtUp());
  }

  lagSeconds(): number {
    return Math.max(...this.lanes.map((l) => l.lagSeconds()));
  }

  /** The position every lane has applied. */
  appliedLsn(): Lsn {
    return this.lanes.map((l) => l.appliedLsn()).reduce((a, b) => (b < a ? b : a));
  }

  /** Source transactions and rows applied: a transaction that wrote the tables of two lanes counts in each. */
  counts(): { transactions: number; rows: number } {
    let transactions = 0;
    let rows = 0;
    for (const l of this.lanes) {
      transactions += l.parts.applier.counts.transactions;
      rows += l.parts.applier.counts.rows;
    }
    return { transactions, rows };
  }

  /** Every lane reports now (lane 0 last, which publishes them). */
  async report(): Promise<void> {
    for (const l of [...this.lanes.slice(1), this.main]) await l.report();
  }

  syncSequences(): Promise<number> {
    return this.main.syncSequences();
  }

  async confirmDurable(force = false): Promise<void> {
    for (const l of this.lanes) await l.confirmDurable(force);
  }

  /** Asks each lane's walsender for a keepalive (its position). */
  nudge(): void {
    for (const l of this.lanes) l.parts.stream.confirm(0n, true);
  }

  async close(): Promise<void> {
    for (const l of this.lanes) await l.parts.stream.close();
  }

  /** One status for the run, from each lane's last report (they are at most one report interval apart). */
  private publish(): void {
    const got = this.reports.filter((r) => r !== undefined);
    const main = this.reports[0]!;
    const applied = this.appliedLsn();
    const source = parseLsn(main.sourceLsn);
    const sum = (f: (r: StreamStatus) => number) => got.reduce((a, r) => a + f(r), 0);
    this.ctx.emit({
      type: 'stream',
      ...main,
      appliedLsn: formatLsn(applied),
      lagBytes: source > applied ? Number(source - applied) : 0,
      lagSeconds: this.lagSeconds(),
      transactions: sum((r) => r.transactions),
      rows: sum((r) => r.rows),
      transactionsPerSecond: sum((r) => r.transactionsPerSecond),
      rowsPerSecond: sum((r) => r.rowsPerSecond),
      // the slots overlap: the WAL the source keeps is the oldest slot's
      slotHeldBytes: Math.max(...got.map((r) => r.slotHeldBytes)),
      lanes: this.lanes.length,
    });
  }
}
