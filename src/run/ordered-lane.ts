/**
 * The other side of a spread stream (fleet mode): one lane of an incremental run that another
 * process leads, read from its slot and applied on the target here, exactly as the leader's own
 * lane would be. The lane's row in the target's position table is its mark: the lane starts
 * where it says and moves it with every commit, so an attempt taken over by another resumes at the
 * last committed transaction. The lane's fence on the target (src/run/target-fence.ts) makes one
 * attempt its only writer: a new one ends the sessions of the one it replaces, and a large
 * transaction's own session joins the fence only while its attempt's first session holds it.
 * Sessions carry the run's tag, so a takeover of the run ends them with the leader's own.
 */
import { formatLsn, parseLsn, type Lsn } from '../cdc/lsn.js';
import { streamTableFromWire } from '../plan/stream-tables.js';
import { flushTargetCommits } from '../pg/session.js';
import { RangeLedger } from '../verify/range-ledger.js';
import { LiveStream, targetColumns } from './live-stream.js';
import { openLane, streamProtocol } from './phase-stream.js';
import { RunContext } from './run-context.js';
import type { LaneEnd, LaneOrder, LaneReport, MigrateOptions } from './run-options.js';
import { fenceLane, joinLaneFence } from './lane-fence.js';

/** What the run has said to its lanes (a store setting, src/fleet/lane-queue.ts). */
export interface LaneCommand {
  attempt: string;
  cutAt?: string;
  stop?: boolean;
}

export interface LaneHooks {
  /** The run's word to its lanes now. */
  command(): Promise<LaneCommand | undefined>;
  /** Why this attempt should not go on (its job taken back, its leader gone), or undefined. */
  stale(): Promise<string | undefined>;
  /** Each status report, with what the sender needs to judge the lane. */
  report(r: LaneReport): void;
  /** True once the lane should go to another process (its worker shuts down, or the job's time is up). */
  handOff(): boolean;
}

/** How often the lane reads the run's word, and whether it is still its own. */
const COMMAND_EVERY_MS = 500;
const STALE_EVERY_MS = 2000;

/**
 * Applies `order`'s lane until the run says to cut over (then up to that position, flushed) or to
 * stop, or the lane is handed off; `stale` instead when this attempt is no longer the lane's.
 * `fenced`: sessions of an earlier attempt this one ended.
 */
export async function applyOrderedLane(opts: MigrateOptions, order: LaneOrder, worker: string, hooks: LaneHooks): Promise<(LaneEnd & { fenced: number }) | { stale: string }> {
  const ctx = new RunContext(opts, order.runId);
  try {
    const [monitor, target] = await Promise.all([ctx.open('source'), ctx.open('target')]);
    // an attempt that was frozen and taken back must not end the sessions of the one that replaced it
    const before = (await hooks.stale()) ?? wordAgainst(await hooks.command(), order.attempt);
    if (before) return { stale: before };
    const fenced = await fenceLane(target, order.slot);
    // asked again with the fence held: an attempt that passed the first look and then waited (a
    // worker frozen) must not read the slot once the run has moved on (another attempt, or the
    // run's own process, applies it then, and ends this one's sessions as it fences)
    const after = (await hooks.stale()) ?? wordAgainst(await hooks.command(), order.attempt);
    if (after) return { stale: after };
    const tables = order.tables.map(streamTableFromWire);
    const opened = await openLane(ctx, monitor, order, new RangeLedger(), await streamProtocol(monitor), { target, onSession: (s) => joinLaneFence(s, target, order.slot) });
    opened.bind(tables);
    const startedAt = parseLsn((await monitor.query<{ lsn: string }>('SELECT pg_catalog.pg_current_wal_lsn()::text AS lsn')).rows[0].lsn);
    const live: LiveStream = new LiveStream(ctx, {
      stream: opened.stream, applier: opened.applier, target, monitor, slot: order.slot, tables, targetColumns: await targetColumns(target, tables), startedAt, sequences: false,
      publish: (s) => hooks.report({ ...s, receivedLsn: formatLsn(opened.stream.receivedUpTo()), caughtUp: live.caughtUp(), at: Date.now() }),
    });
    await live.report();

    let outcome: { stale: string } | { ended: 'stopped' | 'handoff' } | { cutAt: Lsn } | undefined;
    let lastCommand = 0;
    let lastStale = 0;
    await live.pump(async () => {
      const now = Date.now();
      if (now - lastCommand < COMMAND_EVERY_MS) return false;
      lastCommand = now;
      if (now - lastStale >= STALE_EVERY_MS) {
        lastStale = now;
        const why = await hooks.stale();
        if (why) {
          outcome = { stale: why };
          return true;
        }
      }
      const c = await hooks.command();
      const other = wordAgainst(c, order.attempt);
      if (other) outcome = { stale: other };
      else if (c!.stop) outcome = { ended: 'stopped' };
      else if (c!.cutAt) outcome = { cutAt: parseLsn(c!.cutAt) };
      else if (hooks.handOff()) outcome = { ended: 'handoff' };
      return outcome !== undefined;
    });
    if (outcome && 'stale' in outcome) return outcome;
    if (outcome && 'cutAt' in outcome) {
      // the source takes no more writes: everything up to the cutover position, then on the target's disk
      const at = outcome.cutAt;
      let nudged = Date.now();
      await live.pump(() => {
        if (live.caughtUp() && opened.stream.receivedUpTo() >= at) return true;
        if (Date.now() - nudged > 1000) {
          nudged = Date.now();
          opened.stream.confirm(0n, true);
        }
        return false;
      });
      await flushTargetCommits(target);
    }
    await live.confirmDurable(true);
    const report = await live.report();
    await opened.stream.close();
    return { worker, ended: outcome && 'ended' in outcome ? outcome.ended : 'cut', report: report as LaneReport, fenced };
  } finally {
    await ctx.close();
  }
}

/** Why the run's word says this attempt is over (another attempt of the run, or none), or undefined. */
function wordAgainst(c: LaneCommand | undefined, attempt: string): string | undefined {
  if (!c || c.attempt !== attempt) return 'the run that sent the lane has started its stream again';
  return undefined;
}
