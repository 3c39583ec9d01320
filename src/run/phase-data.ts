/**
 * Data: every copy unit from the run's snapshot over parallel source/target pairs (extension
 * configuration rows first, then the tables, in foreign-key waves for a --data-only load with
 * checks on), a table's indexes early when asked, then the large objects.
 */
import type pg from 'pg';
import { joinSnapshot } from '../pg/snapshot.js';
import { qualified } from '../pg/quote.js';
import { copiesNothing, copyUnit, type TargetTables, type UnitResult } from '../copy/copy-unit.js';
import { runLoad } from '../copy/load-scheduler.js';
import { copyLargeObjects } from '../copy/large-objects.js';
import { RateLimiter } from '../copy/rate-limit.js';
import { dataPairs } from '../plan/run-connections.js';
import type { ForeignKeyOrder } from '../plan/data-only-load.js';
import type { CopyUnit, DdlStep } from '../plan/plan-model.js';
import { runTracked } from './run-ddl.js';
import { markUnitDone } from './unit-marks.js';
import type { Connected } from './phase-connect.js';
import type { Planned } from './phase-catalog.js';
import type { RunContext } from './run-context.js';
import type { UnitDoneElsewhere, UnitOrder, UnitsElsewhere } from './run-options.js';

type Pair = { s: pg.Client; t: pg.Client };
/** Where a unit or index build runs: a pair of this process's sessions, or (a spread copy) a lane that sends units elsewhere. */
type Lane = { s?: pg.Client; t?: pg.Client };

/** Copies the plan's units and large objects; returns the rows and bytes it moved. */
export async function dataPhase(ctx: RunContext, conn: Connected, planned: Planned, snapshotId: string, earlyIndexes: DdlStep[]): Promise<{ rows: number; bytes: number }> {
  const { opts, failures, marks } = ctx;
  const { plan, checksOff, loadOrder, deleteRows } = planned;
  let rows = 0;
  let bytes = 0;
  await ctx.phase('data', plan.units.length, async () => {
    const limiter = opts.control?.limiter ?? (opts.maxRateMBps ? new RateLimiter(opts.maxRateMBps * 1024 * 1024) : undefined);
    const spread = await spreadDecision(ctx, planned);
    // large objects go in batches over the same pairs: they count as work for every pair; a
    // spread copy keeps one pair here (extension rows, large objects) and its lanes only send
    const jobs = spread ? 1 : dataPairs(ctx.jobs(), plan.units.length, plan.largeObjects.length);
    const pairs = await Promise.all(
      Array.from({ length: jobs }, async (): Promise<Pair> => {
        const [s, t] = await Promise.all([ctx.open('source'), ctx.open('target')]);
        await joinSnapshot(s, snapshotId);
        if (checksOff) await relaxTargetChecks(t);
        return { s, t };
      }),
    );
    const lanes: Lane[] = spread ? Array.from({ length: Math.max(1, ctx.jobs()) }, () => ({})) : pairs;
    const targetTables: TargetTables = opts.dataOnly ? 'existing' : conn.freshRun ? 'empty' : 'created';
    const byWorker: Record<string, number> = {};
    const skippedUnit = (unit: CopyUnit) => ctx.emit({ type: 'unit-done', unit: unit.id, rows: 0, bytes: 0, seconds: 0, skipped: true });
    const copy = async (unit: CopyUnit, lane: Lane) => {
      if (failures.hasFailed(unit.key)) {
        failures.blocked({ key: `${unit.key}:data`, kind: 'table data', name: unit.id }, `table ${unit.tableId}`);
        return skippedUnit(unit);
      }
      if (marks.done.has(unit.id)) return skippedUnit(unit);
      ctx.checkStop();
      if (copiesNothing(unit, targetTables)) {
        ctx.emit({ type: 'unit-done', unit: unit.id, rows: 0, bytes: 0, seconds: 0 });
        return;
      }
      // a limited server's copy slot (pgferry host-limit), held while the unit copies, wherever it does
      const release = await opts.copySlot?.(() => Boolean(opts.control?.stopRequested()));
      try {
        ctx.emit({ type: 'unit-start', unit: unit.id, bytes: unit.bytes, estimatedRows: unit.estimatedRows, format: unit.binary ? 'binary' : 'text' });
        const one = deleteRows.has(unit.key) ? { ...unit, deleteRows: true } : unit;
        if (spread && !lane.s && unit.filter === undefined) {
          const res = await copyElsewhere(ctx, spread, { runId: ctx.runId, snapshot: snapshotId, unit: one, tables: targetTables, checksOff }, limiter);
          byWorker[res.worker] = (byWorker[res.worker] ?? 0) + 1;
          rows += res.rows;
          bytes += res.bytes;
          ctx.emit({ type: 'unit-done', unit: unit.id, rows: res.rows, bytes: res.bytes, seconds: res.seconds, skipped: res.skipped, worker: res.worker });
          return;
        }
        const res = await copyHere(ctx, one, lane.s && lane.t ? (lane as Pair) : pairs[0], snapshotId, targetTables, limiter);
        rows += res.rows;
        bytes += res.bytes;
        ctx.emit({ type: 'unit-done', unit: unit.id, ...res });
      } finally {
        await release?.();
      }
    };
    try {
      await copyAll(copy, pairs, lanes);
    } finally {
      await spread?.close();
    }
    if (spread) ctx.emit({ type: 'spread', spread: true, why: 'done', byWorker });
    // an object whose pre-data step the target rejected has nowhere to go
    const largeObjects = plan.largeObjects.filter((lo) => !failures.hasFailed(`pg_largeobject:${lo.oid}`));
    async function copyAll(copy: (unit: CopyUnit, lane: Lane) => Promise<void>, pairs: Pair[], lanes: Lane[]): Promise<void> {
      // extensions' configuration rows first, one table after another: the extension made the
      // foreign keys between them already, and the plan lists them in key order
      for (const unit of plan.units) if (unit.filter !== undefined) await copy(unit, pairs[0]);
      // foreign keys checked as rows arrive: referencing tables emptied first, then parents load first
      if (loadOrder) await emptyReferencingTables(pairs[0].t, loadOrder, marks.done, deleteRows);
      for (const wave of loadOrder?.waves ?? [plan.units.filter((u) => u.filter === undefined)]) {
        await runLoad({
          workers: lanes,
          units: wave,
          indexSteps: earlyIndexes,
          copy,
          activeWorkers: opts.control ? () => ctx.jobs() : undefined,
          build: async (step, lane) => {
            // a spread copy's lane opens its target session for the first index it builds
            lane.t ??= await ctx.open('target').then(async (t) => {
              if (checksOff) await relaxTargetChecks(t);
              return t;
            });
            await runTracked(lane.t, step, failures, marks);
            ctx.emit({ type: 'step-done', phase: 'post-data', kind: step.kind, name: step.name });
          },
        });
      }
    }
    bytes += await copyLargeObjects(largeObjects, pairs.slice(0, Math.max(1, ctx.jobs())), {
      dataOnly: opts.dataOnly ? { applyOwners: !opts.noOwner, applyPrivileges: !opts.noPrivileges } : undefined,
      resumed: !conn.freshRun,
      beforeBatch: () => ctx.checkStop(),
      limiter,
    });
    await Promise.all([...pairs.flatMap(({ s, t }) => [s.query('COMMIT').then(() => s.end()), t.end()]), ...lanes.filter((l) => !l.s && l.t).map((l) => l.t!.end())]);
  });
  return { rows, bytes };
}

/**
 * Fleet mode: asks where the copy goes (enough bytes, and workers to spread it over) and says so.
 * The units then go to the queue; everything else of the run stays here.
 */
async function spreadDecision(ctx: RunContext, planned: Planned): Promise<UnitsElsewhere | undefined> {
  const elsewhere = ctx.opts.unitsElsewhere;
  if (!elsewhere) return undefined;
  const units = planned.plan.units.filter((u) => u.filter === undefined && !ctx.marks.done.has(u.id));
  const { spread, why } = await elsewhere.wanted(units.reduce((a, u) => a + u.bytes, 0), units.length);
  ctx.emit({ type: 'spread', spread, why });
  ctx.log.log('info', `copy ${spread ? 'spread over the fleet' : 'kept in this process'}: ${why}`);
  return spread ? elsewhere : undefined;
}

/** Copies one unit over this process's pair, its progress reported every 250 ms. */
async function copyHere(ctx: RunContext, unit: CopyUnit, pair: Pair, snapshotId: string, tables: TargetTables, limiter: RateLimiter | undefined): Promise<UnitResult> {
  let pending = 0;
  let last = Date.now();
  const onBytes = (n: number) => {
    pending += n;
    const now = Date.now();
    if (now - last >= 250) {
      ctx.emit({ type: 'unit-progress', unit: unit.id, bytes: pending });
      pending = 0;
      last = now;
    }
  };
  const mark = (t: pg.ClientBase, r: number, b: number) => markUnitDone(t, { id: ctx.runId, snapshot: snapshotId }, unit.id, r, b);
  return copyUnit(unit, pair.s, pair.t, mark, onBytes, tables, limiter);
}

/** Sends one unit to the fleet and waits for it; the first failure withdraws the other units sent (a resume sends them again). */
async function copyElsewhere(ctx: RunContext, spread: UnitsElsewhere, order: Omit<UnitOrder, 'maxRateMBps'>, limiter: RateLimiter | undefined): Promise<UnitDoneElsewhere> {
  // the task's --max-rate, shared by the units in flight as the local pairs share it (fixed when the unit is sent)
  const rate = limiter && limiter.rate > 0 ? limiter.rate / 1024 / 1024 / Math.max(1, ctx.jobs()) : undefined;
  try {
    // the worker's progress, as its reports carry it: the unit's bar moves while it copies elsewhere
    const onBytes = (n: number) => ctx.emit({ type: 'unit-progress', unit: order.unit.id, bytes: n });
    return await spread.copy({ ...order, maxRateMBps: rate }, () => Boolean(ctx.opts.control?.stopRequested()), onBytes);
  } catch (err) {
    await spread.close();
    throw err;
  }
}

/**
 * --data-only loads into tables whose foreign keys and triggers already exist: like pg_restore's
 * --disable-triggers, replica mode skips them so that load order does not matter. Called only
 * when the account may set it (superuser, or SET privilege on PostgreSQL 15+: measured before
 * the run); otherwise the load goes in foreign-key order with checks on (plan/data-only-load.ts).
 */
async function relaxTargetChecks(target: pg.Client): Promise<void> {
  await target.query("SELECT pg_catalog.set_config('session_replication_role', 'replica', false)");
}

/**
 * With foreign keys on, a referenced table's old rows cannot go while old rows point at them:
 * the tables that reference others are emptied first, deepest first, each in its own
 * transaction (a unit replaces its table's rows anyway; one a stopped run finished is left).
 */
async function emptyReferencingTables(target: pg.Client, order: ForeignKeyOrder, done: Set<string>, noTruncate: Set<string>): Promise<void> {
  for (const unit of order.emptyFirst) {
    if (done.has(unit.id)) continue;
    const table = qualified(unit.schema, unit.table);
    await target.query(unit.referenced || noTruncate.has(unit.key) ? `DELETE FROM ONLY ${table}` : `TRUNCATE ONLY ${table}`);
  }
}
