/**
 * Stream and cutover, the last phases of an incremental run. Stream: apply the slot's changes
 * from the position the target recorded, until a cutover is asked for and the lag is under its
 * threshold (a stop request ends it, keeping the slot). Cutover: writes stop (blocked by pgferry,
 * or by the user), the source's current position is taken, everything up to it is applied, the
 * sequences are set, the materialized views refreshed and the large objects copied again; the
 * downtime ends there. Then the slot (and pgferry's publication) are dropped, and the cutover's
 * check compares what changed since the background check of the stream last found it equal.
 */
import { ChangeApplier } from '../cdc/apply-changes.js';
import { blockWrites } from '../cdc/block-writes.js';
import { formatLsn, parseLsn } from '../cdc/lsn.js';
import { ChangeStream, openReplication } from '../cdc/replication-stream.js';
import { StreamingApplier } from '../cdc/streamed-transactions.js';
import { dropStreamObjects, freeSlot } from '../cdc/slot-lifecycle.js';
import { displayName, ident, qualified } from '../pg/quote.js';
import { serverVersionNum } from '../pg/connect.js';
import { readLargeObjects } from '../catalog/read-database-objects.js';
import { copyLargeObjects } from '../copy/large-objects.js';
import { flushTargetCommits, runTag, runTagSuffix } from '../pg/session.js';
import { messageOf, PgferryError } from '../errors.js';
import { LiveStream, targetColumns } from './live-stream.js';
import { LaneSet, type SentLanes } from './lane-set.js';
import { streamTableToWire } from '../plan/stream-tables.js';
import { fenceLane, joinLaneFence } from './lane-fence.js';
import type { RemoteLane } from './run-options.js';
import type { ApplyRouter } from '../cdc/apply-changes.js';
import type { Lsn } from '../cdc/lsn.js';
import type { StreamTable } from '../plan/stream-tables.js';
import type pg from 'pg';
import { RangeLedger } from '../verify/range-ledger.js';
import { StreamChecker } from '../verify/stream-check.js';
import { runVerify } from '../verify/run-verify.js';
import type { Plan } from '../plan/plan-model.js';
import type { CutoverSummary } from './events.js';
import type { CutoverRequest } from './run-options.js';
import type { StreamSetup } from './phase-slot.js';
import type { RunContext } from './run-context.js';

const DEFAULT_MAX_LAG_SECONDS = 10;

/** The sessions and streams of an incremental run's lanes, opened before its stream phase starts. */
export interface OpenedLanes {
  /** A plain source session: WAL position, slots, sequences. */
  monitor: pg.Client;
  /** Every row the appliers touch goes to the ledger of ranges the checker has found equal. */
  ledger: RangeLedger;
  lanes: OpenedLane[];
}

export interface OpenedLane {
  slot: string;
  publication: string;
  target: pg.Client;
  applier: StreamingApplier;
  stream: ChangeStream;
  from: Lsn;
  /** Where the lane's changes go: given once the plan is read (nothing is applied before). */
  bind(tables: StreamTable[]): void;
}

/**
 * Opens each lane: its applier on a target session of its own, and its slot's stream from the
 * position that session's target recorded. `early`: the run has not read its catalog yet (it
 * streams on from an earlier run), and the streams may hold more until the apply starts, so that
 * the source's walsender works meanwhile. `first`: a target session to use for lane 0.
 */
/** The protocol version a source's stream is read with. */
export async function streamProtocol(monitor: pg.Client): Promise<1 | 2> {
  // PGFERRY_STREAM_PROTOCOL=1: a 14+ source sends large transactions at their commit, as 10–13 do
  // (for comparison, and a way around a source that streams them wrongly)
  return process.env.PGFERRY_STREAM_PROTOCOL !== '1' && (await serverVersionNum(monitor)) >= 140000 ? 2 : 1;
}

export async function openLanes(ctx: RunContext, names: { slot: string; publication: string }[], opts: { early?: boolean; first?: pg.Client } = {}): Promise<OpenedLanes> {
  const monitor = await ctx.open('source');
  const ledger = new RangeLedger();
  const protoVersion = await streamProtocol(monitor);
  const lanes: OpenedLane[] = [];
  // fleet mode: the run's own lanes are fenced as a worker's are, so that a lane job of an earlier
  // attempt cannot apply beside them (its sessions are ended, and it cannot open more)
  const fence = Boolean(ctx.opts.lanesElsewhere);
  for (const [i, name] of names.entries()) lanes.push(await openLane(ctx, monitor, name, ledger, protoVersion, { early: opts.early, target: i === 0 ? opts.first : undefined, fence }));
  return { monitor, ledger, lanes };
}

export async function openLane(ctx: RunContext, monitor: pg.Client, lane: { slot: string; publication: string }, ledger: RangeLedger, protoVersion: 1 | 2, o: { early?: boolean; target?: pg.Client; onSession?: (c: pg.Client) => Promise<void>; fence?: boolean }): Promise<OpenedLane> {
  const target = o.target ?? (await ctx.open('target'));
  if (o.fence) {
    const ended = await fenceLane(target, lane.slot);
    if (ended) ctx.log.log('warn', `lane ${lane.slot}: ended ${ended} session(s) of an earlier attempt that still applied it`);
  }
  const onSession = o.onSession ?? (o.fence ? (s: pg.Client) => joinLaneFence(s, target, lane.slot) : undefined);
  let route: ApplyRouter = () => undefined;
  const router: ApplyRouter = (schema, name) => route(schema, name);
  // a large transaction streamed before its commit (14+) is applied on a session of its own
  const applier = new StreamingApplier(new ChangeApplier(target, lane.slot, router, ledger), async () => {
    const session = await ctx.open('target');
    // a fenced lane (fleet mode): the session joins the lane's fence first (src/run/lane-fence.ts)
    if (onSession) await onSession(session);
    const own = new ChangeApplier(session, lane.slot, router, ledger);
    await own.prepare();
    return own;
  });
  const applied = await applier.prepare();
  if (applied.endLsn === 0n)
    throw new PgferryError('PGFERRY_E_INTERNAL', `the target has no recorded position for slot ${lane.slot}`, { object: `slot ${lane.slot}`, fix: 'release the task and start a new one' });
  if (await freeSlot(monitor, lane.slot)) ctx.log.log('warn', `ended the walsender an earlier run of this task left reading slot ${lane.slot}`);
  const repl = ctx.adopt(await openReplication({ ...ctx.opts.source, applicationName: runTag(ctx.opts.source.applicationName, ctx.runId) }));
  const stream = new ChangeStream(repl, { slot: lane.slot, publication: lane.publication, from: applied.endLsn, protoVersion, ...(o.early ? { prefetch: EARLY_PREFETCH } : {}) });
  stream.start();
  return { ...lane, target, applier, stream, from: applied.endLsn, bind: (tables) => (route = LiveStream.router(tables)) };
}

/** How many times its usual bounds a stream opened before the catalog is read may hold until the apply starts (measured on workload A: the walsender works through the run's start instead of waiting). */
const EARLY_PREFETCH = 6;

/**
 * Fleet mode: the lanes after the first go to other workers when the fleet has room for them
 * (src/fleet/lane-queue.ts). A stream opened early for such a lane is closed first: its slot is
 * read by one walsender at a time. Each stream phase is an attempt of its own: a lane of an
 * earlier one (the run retried) sees the new attempt in the run's word and ends.
 */
async function sendLanes(ctx: RunContext, setup: StreamSetup): Promise<SentLanes | undefined> {
  const elsewhere = ctx.opts.lanesElsewhere;
  if (!elsewhere || setup.lanes.length < 2) return undefined;
  const { spread, why } = await elsewhere.wanted(setup.lanes.length);
  ctx.emit({ type: 'spread', of: 'stream', spread, why });
  ctx.log.log('info', `stream lanes ${spread ? "spread over the fleet's workers" : "kept in the run's own process"}: ${why}`);
  if (!spread) return undefined;
  const attempt = ctx.streamAttempt;
  const away = setup.lanes.slice(1);
  for (const o of setup.opened?.lanes ?? [])
    if (away.some((l) => l.slot === o.slot)) {
      await o.stream.close();
      // its fence goes with its session: the worker's attempt takes it
      await o.target.end().catch(() => {});
    }
  const lanes: RemoteLane[] = [];
  try {
    for (const l of away) {
      lanes.push(await elsewhere.send({ runId: ctx.runId, attempt, slot: l.slot, publication: l.publication, tables: l.tables.map(streamTableToWire) }));
      ctx.log.log('info', `lane ${l.slot} (${l.tables.length} table(s)) sent to the fleet's workers`);
    }
  } catch (err) {
    // the lanes sent so far end: none of them is followed
    await new LaneSet(ctx, 0, { elsewhere, runId: ctx.runId, attempt, lanes }).stopElsewhere();
    throw err;
  }
  return { elsewhere, runId: ctx.runId, attempt, lanes };
}

/** Streams until a cutover may start; returns the live streams (one per lane) and the request. */
export async function streamPhase(ctx: RunContext, plan: Plan, setup: StreamSetup): Promise<{ live: LaneSet; request: CutoverRequest }> {
  return ctx.phase('stream', undefined, async () => {
    const sent = await sendLanes(ctx, setup);
    const away = new Set(sent?.lanes.map((l) => l.slot) ?? []);
    const here = setup.lanes.filter((l) => !away.has(l.slot));
    let live: LaneSet | undefined;
    try {
      const early = setup.opened && { ...setup.opened, lanes: setup.opened.lanes.filter((o) => !away.has(o.slot)) };
      const { monitor, ledger, lanes: opened } = early ?? (await openLanes(ctx, here));
      for (const o of opened) {
        const lane = here.find((l) => l.slot === o.slot);
        if (!lane) throw new PgferryError('PGFERRY_E_INTERNAL', `slot ${o.slot} was opened but is not one of the run's lanes`, { object: `slot ${o.slot}`, fix: 'resume the task' });
        o.bind(lane.tables);
        ctx.emit({ type: 'stream-start', slot: o.slot, publication: o.publication, fromLsn: formatLsn(o.from) });
        ctx.log.log('info', `streaming from ${o.slot} at ${formatLsn(o.from)}`);
      }
      const columns = await targetColumns(opened[0].target, setup.scope.tables);
      const startedAt = parseLsn((await monitor.query<{ lsn: string }>('SELECT pg_catalog.pg_current_wal_lsn()::text AS lsn')).rows[0].lsn);
      const set = new LaneSet(ctx, opened.length, sent);
      live = set;
      opened.forEach((o, i) =>
        set.add(
          new LiveStream(ctx, {
            stream: o.stream, applier: o.applier, target: o.target, monitor, slot: o.slot, tables: here.find((l) => l.slot === o.slot)!.tables,
            plan, targetColumns: columns, startedAt, ledger, publish: set.publisher(i), sequences: i === 0,
          }),
        ),
      );
      await set.syncSequences();
      await set.report();
      // the background check reads the tables of the run's own lanes: what a lane elsewhere
      // applies is not in this process's ledger, so the cutover's check reads those tables whole
      const checker = new StreamChecker({
        source: ctx.opts.source, target: ctx.opts.target, selection: ctx.opts.selection, mapping: ctx.opts.mapping, ledger,
        streamed: new Set(here.flatMap((l) => l.tables).map((t) => displayName(t.schema, t.name))),
        appliedLsn: () => set.ownAppliedLsn(), lagSeconds: () => set.ownLagSeconds(), nudge: () => set.nudge(),
        warn: (m) => ctx.log.log('warn', m),
      });
      checker.start();
      let request: CutoverRequest | null = null;
      try {
        await set.pumpUntil(async () => {
          if (ctx.opts.control?.stopRequested()) {
            await set.confirmDurable(true);
            ctx.checkStop();
          }
          request = ctx.opts.control?.cutoverRequested?.() ?? ctx.opts.cutoverWhenCaughtUp ?? null;
          return request !== null && set.lagSeconds() <= (request.maxLagSeconds ?? DEFAULT_MAX_LAG_SECONDS);
        });
      } finally {
        await checker.stop();
      }
      return { live: set, request: request as unknown as CutoverRequest };
    } catch (err) {
      // the lanes elsewhere confirm what they applied and end (a stop, a failure, a retry)
      if (live) await live.stopElsewhere();
      else if (sent) await new LaneSet(ctx, 0, sent).stopElsewhere();
      throw err;
    }
  });
}

/** Stops writes, applies up to the source's position, sets what logical decoding does not carry, drops the slot. */
export async function cutoverPhase(ctx: RunContext, live: LaneSet, setup: StreamSetup, request: CutoverRequest): Promise<CutoverSummary> {
  // a cutover that fails ends the lanes elsewhere too (a resume sends them again)
  return ctx.phase('cutover', undefined, () =>
    cutover(ctx, live, setup, request).catch(async (err: unknown) => {
      await live.stopElsewhere();
      throw err;
    }),
  );
}

async function cutover(ctx: RunContext, live: LaneSet, setup: StreamSetup, request: CutoverRequest): Promise<CutoverSummary> {
  const { monitor, target } = live.main.parts;
  const step = (name: string, detail?: string) => {
    ctx.emit({ type: 'cutover-step', step: name, detail });
    ctx.log.log('info', `cutover: ${name}${detail ? `: ${detail}` : ''}`);
  };
  const writesStopped = Date.now();
  let sessionsEnded = 0;
  if (request.blockWrites) {
    step('block writes', `source database ${ctx.opts.source.database} made read-only for new transactions`);
    const ended = await blockWrites(monitor, ctx.opts.source.database, runTagSuffix(ctx.runId));
    sessionsEnded = ended.length;
    step('end sessions', ended.length ? ended.map((s) => `${s.pid} ${s.user}${s.application ? ` (${s.application})` : ''}`).join(', ') : 'none were open');
  } else await warnOfWriters(ctx, monitor);
  const at = parseLsn((await monitor.query<{ lsn: string }>('SELECT pg_catalog.pg_current_wal_lsn()::text AS lsn')).rows[0].lsn);
  step('apply to the cutover position', formatLsn(at));
  // each lane up to the same position: then the target holds the source's state at it. The
  // source's walsender says how far it has read in a keepalive; a status from us asks for the next one
  const nudged = new Map<LiveStream, number>(live.lanes.map((l) => [l, Date.now()]));
  await live
    .cut(at, (lane) => {
      if (lane.caughtUp() && lane.parts.stream.receivedUpTo() >= at) return true;
      if (Date.now() - nudged.get(lane)! > 1000) {
        nudged.set(lane, Date.now());
        lane.parts.stream.confirm(0n, true);
      }
      return false;
    });
  const sequencesSet = await live.syncSequences();
  step('sequences set', String(sequencesSet));
  for (const mv of setup.scope.refresh) await target.query(`REFRESH MATERIALIZED VIEW ${qualified(mv.schema, mv.name)}`);
  if (setup.scope.refresh.length) step('materialized views refreshed', String(setup.scope.refresh.length));
  const largeObjects = live.main.parts.plan?.largeObjects.length ? await recopyLargeObjects(ctx, monitor) : undefined;
  if (largeObjects) step('large objects copied again', `${largeObjects.copied} copied, ${largeObjects.unlinked} removed`);
  // everything applied must be on the target's disk before the slots that could replay it go
  for (const lane of live.lanes) await flushTargetCommits(lane.parts.target);
  const downtimeSeconds = (Date.now() - writesStopped) / 1000;
  await live.close();
  if (live.sent) ctx.emit({ type: 'spread', of: 'stream', spread: true, why: 'cut over', lanes: live.byWorker() });
  await dropStreamObjects(monitor, setup.slot, { keepPublication: setup.userPublication });
  const lanes = setup.lanes.length > 1 ? ` (${setup.lanes.length} lanes: ${setup.lanes.map((l) => l.slot).join(', ')}, with their publications)` : '';
  step('slot dropped', setup.userPublication ? `${setup.slot} (publication ${setup.publication} is the user's and stays)` : `${setup.slot} and publication ${setup.publication}${lanes}`);
  // after the downtime (the target may take writes now), before the run reports the cutover done
  const check = await cutoverCheck(ctx, live);
  step('check', check.error ? `could not run: ${check.error}` : `${check.ok ? 'equal' : `${check.differences.length} difference(s)`}: ${check.rangesRead} range(s) read, ${check.rangesReused} found equal while streaming and untouched since (${check.seconds.toFixed(1)} s)`);
  if (request.blockWrites)
    ctx.log.log('warn', `the source database ${ctx.opts.source.database} stays read-only for new sessions; to undo: ALTER DATABASE ${ident(ctx.opts.source.database)} RESET default_transaction_read_only`);
  return {
    lsn: formatLsn(at),
    downtimeSeconds,
    sessionsEnded,
    writesBlocked: request.blockWrites,
    sequencesSet,
    matviewsRefreshed: setup.scope.refresh.length,
    largeObjectsCopied: largeObjects?.copied ?? 0,
    transactionsApplied: live.counts().transactions,
    rowsApplied: live.counts().rows,
    check,
  };
}

/**
 * The cutover's check, right after the downtime, with the source's writes still stopped and
 * everything applied (the target is the application's from then on; a careful user points it
 * there once the check has passed, which takes seconds, not a full verify): verify reads the ranges the
 * background check did not find equal, or that changed since, and every table it knows nothing
 * of; the rest it takes from the range ledger. Sequences and large objects are compared whole.
 * A difference is reported, not thrown: the source is frozen and the slot has nothing more to
 * give, so the cutover completes and says so. A failure to read is reported the same way (the
 * full verify after the switch, or pgferry task verify, reads everything again).
 */
async function cutoverCheck(ctx: RunContext, live: LaneSet): Promise<NonNullable<CutoverSummary['check']>> {
  const t0 = Date.now();
  const { ledger, monitor } = live.main.parts;
  try {
    if (ledger) await ledger.placeAll(monitor);
    const report = await runVerify({
      source: ctx.opts.source, target: ctx.opts.target, jobs: ctx.jobs(), selection: ctx.opts.selection, mapping: ctx.opts.mapping,
      reuse: ledger && ((source) => ledger.reuse(source)),
    });
    const differences = [
      ...report.tables.filter((t) => !t.ok).map((t) => `${t.table}: ${t.problems.join('; ')}`),
      ...report.sequences.filter((q) => !q.ok).map((q) => `sequence ${q.sequence}: source ${q.source ?? 'missing'}, target ${q.target ?? 'missing'}`),
      ...report.largeObjects.problems,
    ];
    return { ok: report.ok, seconds: report.seconds, tables: report.tables.length, rangesRead: report.ranges?.read ?? 0, rangesReused: report.ranges?.reused ?? 0, differences };
  } catch (err) {
    return { ok: false, seconds: (Date.now() - t0) / 1000, tables: 0, rangesRead: 0, rangesReused: 0, differences: [], error: messageOf(err) };
  }
}

/**
 * Large objects are not in logical decoding: with writes stopped, the target gets the source's
 * set as it is now: those the source no longer has are unlinked, every other one written again
 * (created where missing, emptied and rewritten where present).
 */
async function recopyLargeObjects(ctx: RunContext, source: import('pg').Client): Promise<{ copied: number; unlinked: number }> {
  const target = await ctx.open('target');
  const now = await readLargeObjects(source, await serverVersionNum(source));
  const have = await target.query<{ oid: string }>('SELECT oid::int8::text AS oid FROM pg_catalog.pg_largeobject_metadata');
  const keep = new Set(now.map((o) => String(o.oid)));
  const gone = have.rows.map((r) => r.oid).filter((oid) => !keep.has(oid));
  if (gone.length) await target.query('SELECT pg_catalog.lo_unlink(o) FROM pg_catalog.unnest($1::oid[]) AS u(o)', [gone]);
  await copyLargeObjects(now, [{ s: source, t: target }], {
    dataOnly: { applyOwners: !ctx.opts.noOwner, applyPrivileges: !ctx.opts.noPrivileges },
    resumed: true,
  });
  return { copied: now.length, unlinked: gone.length };
}

/** Without --block-writes the user stopped writes: say so when a transaction still holds a write. */
async function warnOfWriters(ctx: RunContext, monitor: import('pg').Client): Promise<void> {
  const r = await monitor.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_catalog.pg_stat_activity WHERE datname = pg_catalog.current_database() AND pid <> pg_catalog.pg_backend_pid() AND backend_xid IS NOT NULL`,
  );
  if (r.rows[0].n)
    ctx.log.log('warn', `cutover without --block-writes while ${r.rows[0].n} source transaction(s) hold writes: a change committed after the cutover position does not reach the target`);
}
