/**
 * The live streams of an incremental run, one per lane (src/cdc/stream-lanes.ts), pumped side by
 * side and seen as one: the run is caught up when every lane is, its lag is the largest lane's,
 * the position it holds is the smallest, and one status report stands for all. One lane (the
 * default) is the same stream, untouched. In a fleet, lanes after the first may be applied by
 * other workers (`elsewhere`, src/fleet/lane-queue.ts): their reports count as the others do,
 * and the cutover asks them to apply up to its position as it does its own.
 */
import { formatLsn, parseLsn, type Lsn } from '../cdc/lsn.js';
import { PgferryError } from '../errors.js';
import type { StreamStatus } from './events.js';
import type { LiveStream } from './live-stream.js';
import type { RunContext } from './run-context.js';
import type { LaneEnd, LaneReport, LanesElsewhere, RemoteLane } from './run-options.js';

/**
 * A lane applied elsewhere whose last report is older than this counts as behind by the
 * difference (its worker reports every 2 s what the lane reported up to 2 s before, read here every second).
 */
const REPORT_FRESH_MS = 8000;
/** How long a stop waits for the lanes applied elsewhere to confirm what they applied and end. */
const STOP_WAIT_MS = 30_000;
/**
 * How long a cutover waits for the lanes applied elsewhere once the run's own are at its
 * position: a lane no worker applies (none live, or none with room) must not keep the source's
 * writes stopped for ever. A lane is caught up when the cutover starts, so this is mostly room
 * for one to be taken over (about 36 s).
 */
const CUT_WAIT_MS = 180_000;

/** The lanes a run sent elsewhere, the stream phase that sent them, and where it sent them. */
export interface SentLanes {
  elsewhere: LanesElsewhere;
  runId: string;
  attempt: string;
  lanes: RemoteLane[];
}

export class LaneSet {
  /** Each lane's last report (lane 0's report publishes them all, as one). */
  private readonly reports: (StreamStatus | undefined)[];

  readonly lanes: LiveStream[] = [];
  /** The lanes applied elsewhere, each followed from the start: how it ended, or its error. */
  private readonly followed = new Map<RemoteLane, Promise<LaneEnd>>();
  private readonly ends = new Map<RemoteLane, LaneEnd>();
  private failure: { err: unknown } | undefined;

  /** `count` lanes here, added in order with add(); `sent`: those applied elsewhere. */
  constructor(private readonly ctx: RunContext, private readonly count: number, readonly sent?: SentLanes) {
    this.reports = new Array<StreamStatus | undefined>(count).fill(undefined);
    for (const r of sent?.lanes ?? []) {
      const p = r.follow();
      this.followed.set(r, p);
      p.then((end) => this.ends.set(r, end), (err: unknown) => (this.failure ??= { err }));
    }
  }

  private get remote(): RemoteLane[] {
    return this.sent?.lanes ?? [];
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
    if (this.count === 1 && !this.remote.length) return undefined;
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
    if (this.lanes.length === 1 && !this.remote.length) return this.main.pump(done);
    let over = false;
    const latched = async () => {
      // a lane applied elsewhere that failed stops the run's own lanes too
      if (!over && (this.failure || (await done()))) over = true;
      return over;
    };
    await this.all((l) => l.pump(latched), () => (over = true));
    this.throwRemoteFailure();
  }

  /**
   * The cutover: each lane up to `at`. The run's own lanes are pumped until `done` says so for
   * each; those applied elsewhere are asked to apply up to `at`, flush and end, and waited for.
   */
  async cut(at: Lsn, done: (lane: LiveStream) => boolean): Promise<void> {
    if (this.sent && this.remote.length) await this.sent.elsewhere.command(this.sent.runId, { attempt: this.sent.attempt, cutAt: formatLsn(at) });
    if (this.lanes.length === 1 && !this.remote.length) return this.main.pump(() => done(this.main));
    let failed = false;
    await this.all((l) => l.pump(() => failed || Boolean(this.failure) || done(l)), () => (failed = true));
    const until = Date.now() + CUT_WAIT_MS;
    for (const r of this.remote) {
      const end = await Promise.race([this.followed.get(r)!.catch(() => undefined), new Promise<'late'>((res) => setTimeout(() => res('late'), Math.max(0, until - Date.now())).unref())]);
      if (end === 'late')
        throw new PgferryError('PGFERRY_E_CONNECTION_LOST', `lane ${r.slot} did not reach the cutover position ${formatLsn(at)} in ${CUT_WAIT_MS / 1000} s (applied by ${r.worker() ?? 'no worker'})`, {
          object: `slot ${r.slot}`,
          fix: 'pgferry workers shows the fleet; the run resumes and asks for the cutover again once every lane is caught up',
        });
      this.throwRemoteFailure();
      if (end?.ended !== 'cut')
        throw new PgferryError('PGFERRY_E_CONNECTION_LOST', `lane ${r.slot} ended (${end?.ended ?? 'no answer'}) instead of applying up to the cutover position ${formatLsn(at)}`, { object: `slot ${r.slot}`, fix: 'resume the task: the cutover is asked again' });
    }
  }

  /**
   * The run leaves its stream (a stop, a failure, a retry): the lanes applied elsewhere confirm
   * what they applied and end, waited for up to STOP_WAIT_MS; one no worker took is withdrawn.
   * Whatever they do not end, the next stream phase's new attempt ends (src/run/ordered-lane.ts).
   */
  async stopElsewhere(): Promise<void> {
    if (!this.sent || !this.remote.length) return;
    await this.sent.elsewhere.command(this.sent.runId, { attempt: this.sent.attempt, stop: true }).catch(() => {});
    await Promise.all(this.remote.map((r) => r.withdraw().catch(() => {})));
    const settled = Promise.allSettled([...this.followed.values()]);
    await Promise.race([settled, new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref())]);
    // followed no more, nor sent again: a lane still applying ends when it sees the next attempt
    for (const r of this.remote) r.cancel();
  }

  /** Which worker applies each lane sent elsewhere (slot → worker), as far as the run knows. */
  byWorker(): Record<string, string> {
    return Object.fromEntries(this.remote.map((r) => [r.slot, this.ends.get(r)?.worker ?? r.worker() ?? 'none yet']));
  }

  private throwRemoteFailure(): void {
    if (this.failure) throw this.failure.err;
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

  /** A lane applied elsewhere: its last report (the one it ended with, once it has), and how old. */
  private remoteReport(r: RemoteLane): { report: LaneReport; ageMs: number } | undefined {
    const report = this.ends.get(r)?.report ?? r.report();
    return report && { report, ageMs: this.ends.has(r) ? 0 : Date.now() - report.at };
  }

  caughtUp(): boolean {
    return this.lanes.every((l) => l.caughtUp()) && this.remote.every((r) => {
      const got = this.remoteReport(r);
      return got !== undefined && got.report.caughtUp && got.ageMs < REPORT_FRESH_MS;
    });
  }

  lagSeconds(): number {
    // a lane elsewhere that has not reported yet, or lately, is as far behind as its silence
    const remote = this.remote.map((r) => {
      const got = this.remoteReport(r);
      return got ? got.report.lagSeconds + Math.max(0, got.ageMs - REPORT_FRESH_MS) / 1000 : (Date.now() - r.sentAt) / 1000;
    });
    return Math.max(...this.lanes.map((l) => l.lagSeconds()), ...remote);
  }

  /** The position every lane has applied (a lane elsewhere: as of its last report; one yet to report is left out). */
  appliedLsn(): Lsn {
    const remote = this.remote.flatMap((r) => {
      const got = this.remoteReport(r);
      return got ? [parseLsn(got.report.appliedLsn)] : [];
    });
    return [...this.lanes.map((l) => l.appliedLsn()), ...remote].reduce((a, b) => (b < a ? b : a));
  }

  /** The position the run's own lanes have applied (its background check reads their tables only). */
  ownAppliedLsn(): Lsn {
    return this.lanes.map((l) => l.appliedLsn()).reduce((a, b) => (b < a ? b : a));
  }

  /** The run's own lanes' lag. */
  ownLagSeconds(): number {
    return Math.max(...this.lanes.map((l) => l.lagSeconds()));
  }

  /** Source transactions and rows applied: a transaction that wrote the tables of two lanes counts in each. */
  counts(): { transactions: number; rows: number } {
    let transactions = 0;
    let rows = 0;
    for (const l of this.lanes) {
      transactions += l.parts.applier.counts.transactions;
      rows += l.parts.applier.counts.rows;
    }
    for (const r of this.remote) {
      const got = this.remoteReport(r);
      transactions += got?.report.transactions ?? 0;
      rows += got?.report.rows ?? 0;
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
    const got = [...this.reports.filter((r) => r !== undefined), ...this.remote.map((r) => this.remoteReport(r)?.report).filter((r) => r !== undefined)];
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
      lanes: this.lanes.length + this.remote.length,
      ...(this.remote.length ? { lanesElsewhere: this.byWorker() } : {}),
    });
  }
}
