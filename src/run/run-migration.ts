/**
 * Runs a migration end to end: connect, read the catalog in an exported snapshot, create the
 * pre-data schema, copy every unit in parallel from that snapshot, build post-data objects in
 * parallel, set sequences and ANALYZE.
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import type { ConnInfo } from '../config/conninfo.js';
import { connect, serverVersionNum } from '../pg/connect.js';
import { exportSnapshot, joinSnapshot } from '../pg/snapshot.js';
import { flushTargetCommits, prepareSourceSession, prepareTargetSession, runTag } from '../pg/session.js';
import { runStepsByLevel, runTracked, type StepMarks } from './run-ddl.js';
import { ObjectFailures } from './object-failures.js';
import { copyLargeObjects } from '../copy/large-objects.js';
import { RateLimiter } from '../copy/rate-limit.js';
import type { Selection } from '../plan/selection.js';
import { mappingProblems, needsColumnDepends, renamesAnything, type NameMapping } from '../plan/name-mapping.js';
import { readCatalog } from '../catalog/read-catalog.js';
import { refuseUnreadableSource } from '../catalog/source-access.js';
import { buildPlan } from '../plan/build-plan.js';
import type { CopyUnit, DdlStep, Plan } from '../plan/plan-model.js';
import { missingRoles } from '../catalog/roles.js';
import { countObjects, postDataSteps } from '../plan/plan-model.js';
import { copyUnit, type TargetTables } from '../copy/copy-unit.js';
import { runLoad } from '../copy/load-scheduler.js';
import { runPool, runPoolWithFillers } from '../worker-pool.js';
import { AnalyzeQueue, analyzeBatch, analyzeTables } from './analyze-tables.js';
import { readSequenceValues } from '../plan/sequence-values.js';
import { setSequenceValues } from '../copy/sequence-values.js';
import { dataSnapshots, doneUnits, markUnitDone, dropUnitMarks, endOrphanedSessions, ensureUnitMarks, stepMark, unfinishedRun } from './unit-marks.js';
import { lockTarget } from './target-lock.js';
import type { EventSink, MigrationSummary, Phase } from './events.js';
import { PgferryError } from '../errors.js';
import { qualified } from '../pg/quote.js';
import { silentLogger, type Logger } from '../logger.js';
import { checkVersions, targetContext, targetPlanOptions } from '../plan/target-context.js';
import { ownersWarning } from '../ddl/owner-rights.js';
import { dataPairs, preDataConnections } from '../plan/run-connections.js';
import { dataOnlyRights, foreignKeyOrder, type ForeignKeyOrder } from '../plan/data-only-load.js';

export interface MigrateOptions {
  source: ConnInfo;
  target: ConnInfo;
  jobs: number;
  schemaOnly: boolean;
  dataOnly: boolean;
  /**
   * Split large tables into block-range units (source 14+). Off by default: on 2 cores it lost
   * COPY FREEZE and measured slower (see docs/benchmarks.md).
   */
  splitTables?: boolean;
  /** Build each table's indexes as soon as its data is in, during other copies. Off by default, as above. */
  earlyIndexes?: boolean;
  /** Stop at the first object the target rejects (default: record it, skip what needs it, go on). */
  strict?: boolean;
  /** Create the source's publications too. */
  publications?: boolean;
  /** Objects belong to the target user; no ALTER ... OWNER. */
  noOwner?: boolean;
  /** No GRANT/REVOKE, no default privileges. */
  noPrivileges?: boolean;
  /** Schemas, tables and columns to migrate (default: all). */
  selection?: Selection;
  /** New names on the target (renamed in one transaction at the end). */
  mapping?: NameMapping;
  /** Most megabytes per second all copy workers move together (--max-rate); unset: no limit. */
  maxRateMBps?: number;
  /** Smallest slice for splitTables (default 64 MB; tests use less). */
  minSliceBytes?: number;
  runId?: string;
  /**
   * Continue the run that did not finish on this target (its marks are in pgferry_state): steps
   * and copy units it finished are not done again. Without one, a new run starts.
   */
  resume?: boolean;
  onEvent?: EventSink;
  logger?: Logger;
  /** A running task's controls (pgferry task stop / set): read at unit and step boundaries. */
  control?: RunControl;
  /** Called with the plan before anything runs (the task store lists every unit from it). */
  onPlan?: (plan: Plan) => void;
}

export interface RunControl {
  /** True: stop at the next unit or step boundary (PGFERRY_E_STOPPED); finished work keeps its marks. */
  stopRequested(): boolean;
  /** Parallel workers wanted now: the data phase idles workers above it; later phases open this many. */
  jobs(): number;
  /** The copy's rate limit, shared with whoever changes it (setRate). */
  limiter: RateLimiter;
}

/** Throws PGFERRY_E_STOPPED when the task was asked to stop. */
function checkStop(control: RunControl | undefined): void {
  if (control?.stopRequested())
    throw new PgferryError('PGFERRY_E_STOPPED', 'stopped on request at a unit boundary; finished steps and tables are kept', {
      object: 'run',
      fix: 'pgferry task resume continues from here (it writes into the target again); pgferry task release gives the task up',
    });
}

/** Runs one migration; resolves with its summary, or throws a PgferryError. */
export async function runMigration(opts: MigrateOptions): Promise<MigrationSummary> {
  if (opts.dataOnly && renamesAnything(opts.mapping))
    throw new PgferryError('PGFERRY_E_USAGE', '--data-only cannot be combined with a name mapping', {
      fix: 'a full migration renames at its end; to load data into renamed tables, run the migration without --data-only',
    });
  const emit: EventSink = opts.onEvent ?? (() => {});
  const log = opts.logger ?? silentLogger;
  const jobsNow = () => opts.control?.jobs() ?? opts.jobs;
  let runId = opts.runId ?? crypto.randomUUID();
  const failures = new ObjectFailures(Boolean(opts.strict), (failure) => emit({ type: 'object-failed', failure }));
  const t0 = Date.now();
  const phaseSeconds: Partial<Record<Phase, number>> = {};
  const clients: pg.Client[] = [];
  let finished = false;
  // every session carries the run's tag (a resumed run learns its id from the target, below)
  const tagOf = (info: ConnInfo) => runTag(info.applicationName, runId);
  const open = async (info: ConnInfo, side: 'source' | 'target') => {
    // the tag goes in the startup packet too, so that no session is ever seen without it
    const c = await connect({ ...info, applicationName: tagOf(info) }, side);
    // the failing query reports the error; this only keeps an idle client's error from crashing us
    c.on('error', (err) => log.log('debug', `${side} connection error: ${err.message}`));
    // a connection that opens after the run has failed would otherwise keep the process alive
    if (finished) {
      await c.end().catch(() => {});
      throw new PgferryError('PGFERRY_E_INTERNAL', 'the migration already stopped', { object: side });
    }
    clients.push(c);
    await (side === 'source' ? prepareSourceSession(c, tagOf(info)) : prepareTargetSession(c, tagOf(info)));
    return c;
  };
  const phase = async <T>(name: Phase, steps: number | undefined, fn: () => Promise<T>): Promise<T> => {
    const start = Date.now();
    emit({ type: 'phase-start', phase: name, steps });
    const out = await fn();
    const seconds = (Date.now() - start) / 1000;
    phaseSeconds[name] = (phaseSeconds[name] ?? 0) + seconds;
    const m = process.memoryUsage();
    log.log('debug', `${name} done in ${seconds.toFixed(2)}s; memory rss=${mb(m.rss)} heap=${mb(m.heapUsed)}/${mb(m.heapTotal)} external=${mb(m.external)} arrayBuffers=${mb(m.arrayBuffers)}`);
    emit({ type: 'phase-end', phase: name, seconds });
    return out;
  };

  try {
    const { leader, target, sourceVersion, targetVersion } = await phase('connect', undefined, async () => {
      if (opts.resume && !opts.runId) {
        // the run to continue is the target's latest unfinished one; its id tags every session
        const probe = await connect(opts.target, 'target');
        try {
          const previous = await unfinishedRun(probe);
          if (previous) runId = previous;
          else log.log('warn', 'no unfinished run on the target: starting a new one');
        } finally {
          await probe.end().catch(() => {});
        }
      }
      const [leader, target, lock] = await Promise.all([open(opts.source, 'source'), open(opts.target, 'target'), open(opts.target, 'target')]);
      // one run per target database, held by a session that does nothing else until the run ends
      await lockTarget(lock, opts.target.database);
      const [sourceVersion, targetVersion] = await Promise.all([serverVersionNum(leader), serverVersionNum(target)]);
      checkVersions(sourceVersion, targetVersion);
      return { leader, target, sourceVersion, targetVersion };
    });
    log.log('info', `source PostgreSQL ${sourceVersion}, target PostgreSQL ${targetVersion}`);

    // bookkeeping first: every step and unit from here on is marked done in its own transaction
    if (opts.resume) {
      const orphans = await endOrphanedSessions(target, runId);
      if (orphans) log.log('warn', `ended ${orphans} session(s) a stopped pgferry run had left working on the target`);
    }
    const done = await doneUnits(target, runId);
    // nothing done before: every table this run copies into is one it creates, empty
    const freshRun = done.size === 0;
    emit({ type: 'run', runId, resumed: done.size > 0 });
    const marks: StepMarks = { runId, done };
    if (done.size) {
      const units = [...done].filter((u) => !u.startsWith('step:')).length;
      log.log('warn', `resuming run ${runId}: ${done.size - units} DDL steps and ${units} copy units are done and are skipped;` +
        (units ? ' the remaining units read a new snapshot of the source, consistent with the earlier ones only if the source took no writes in between' : ''));
    }

    const snapshotId = await exportSnapshot(leader);
    const { plan, sequenceValues, checksOff, loadOrder, deleteRows } = await phase('catalog', undefined, async () => {
      // more readers in the same snapshot: the big catalog queries run side by side
      const readers = await Promise.all(
        Array.from({ length: Math.max(0, jobsNow() - 1) }, async () => {
          const s = await open(opts.source, 'source');
          await joinSnapshot(s, snapshotId);
          return s;
        }),
      );
      const cat = await readCatalog([leader, ...readers], sourceVersion, { columnDepends: needsColumnDepends(opts.selection, opts.mapping) });
      await Promise.all(readers.map((s) => s.query('COMMIT').then(() => s.end())));
      const ctx = await targetContext(target);
      const problems = opts.mapping ? mappingProblems(cat, opts.mapping, opts.selection) : [];
      if (problems.length)
        throw new PgferryError('PGFERRY_E_MAPPING', problems.join('; '), { object: 'name mapping', fix: 'correct the mapping (pgferry precheck lists every problem)' });
      const plan = buildPlan(cat, {
        ...targetPlanOptions(ctx, targetVersion, opts),
        noData: opts.schemaOnly,
        slicing: { enabled: Boolean(opts.splitTables) && !opts.dataOnly && sourceVersion >= 140000, jobs: opts.jobs, minBytes: opts.minSliceBytes },
      });
      // a source role that cannot read some of the data is refused here, before the target is touched
      if (!opts.schemaOnly) await refuseUnreadableSource(leader, sourceVersion, cat, plan);
      const sequenceValues = opts.schemaOnly ? [] : await readSequenceValues(leader, plan.sequences);
      // --data-only: what the account may do to the tables that exist, known before a row moves
      const checksOff = opts.dataOnly && ctx.account.replicaRole;
      let loadOrder: ForeignKeyOrder | undefined;
      let deleteRows = new Set<string>();
      if (opts.dataOnly) {
        const rights = await dataOnlyRights(target, plan);
        if (rights.problems.length)
          throw new PgferryError('PGFERRY_E_PERMISSION', `the target role ${ctx.account.user} cannot load into what exists on the target: ${rights.problems.join('; ')}`, {
            object: 'target',
            fix: 'grant the privileges named (GRANT INSERT, TRUNCATE ON ... / GRANT UPDATE ON SEQUENCE ...) to the target role, or connect as the objects\' owner; nothing was written',
          });
        deleteRows = rights.deleteRows;
        if (!checksOff) loadOrder = foreignKeyOrder(cat, plan.units.filter((u) => u.filter === undefined));
        // pre-data does not run: its fallbacks (owners, LEAKPROOF...) do not apply, the load's do
        if (plan.account) {
          plan.account.notes = dataOnlyNotes(ctx.account.user, checksOff, loadOrder, deleteRows.size);
          plan.account.ownersNotKept = [];
        }
      }
      const missing = opts.noOwner && opts.noPrivileges ? [] : missingRoles(cat, ctx.ownership.targetRoles);
      for (const note of [...plan.notes, ...plan.selectionNotes, ...(plan.account?.notes ?? [])]) log.log('warn', note);
      // one warning for every owner that does not make it: missing roles, and roles the account may not give objects to
      const owners = ownersWarning(missing, plan.account?.ownersNotKept ?? [], ctx.account);
      if (owners) log.log('warn', owners.line);
      return { plan, sequenceValues, checksOff, loadOrder, deleteRows };
    });
    opts.onPlan?.(plan);
    // the marks' schema only once the plan is accepted: a refused selection leaves the target untouched
    await ensureUnitMarks(target);
    emit({
      type: 'plan',
      schemas: plan.preData.filter((s) => s.kind === 'schema').length,
      tables: new Set(plan.units.map((u) => u.tableId)).size,
      objects: countObjects(plan),
      units: opts.schemaOnly ? 0 : plan.units.length,
      bytes: plan.units.reduce((a, u) => a + u.bytes, 0),
      skipped: plan.skipped,
      notes: [...plan.notes, ...plan.selectionNotes, ...(plan.account?.notes ?? [])],
    });

    let objectsCreated = 0;
    if (!opts.dataOnly) {
      checkStop(opts.control);
      await phase('pre-data', plan.preData.length, async () => {
        const more = await Promise.all(Array.from({ length: preDataConnections(jobsNow()) - 1 }, () => open(opts.target, 'target')));
        await runStepsByLevel([target, ...more], plan.preData, {
          failures,
          marks,
          onStepDone: (step) => emit({ type: 'step-done', phase: 'pre-data', kind: step.kind, name: step.name }),
        });
        await Promise.all(more.map((c) => c.end()));
      });
      objectsCreated += plan.preData.length;
    }

    // a table's keys and indexes are built as soon as its data is in (not with --data-only:
    // they exist already; not with --schema-only: there is no data phase)
    const unitTables = new Set(plan.units.map((u) => u.tableId));
    const earlyIndexes = opts.schemaOnly || opts.dataOnly || !opts.earlyIndexes ? [] : plan.indexes.filter((s) => s.table && unitTables.has(s.table));
    const early = new Set(earlyIndexes);
    const lateIndexes = plan.indexes.filter((s) => !early.has(s));
    let rowsCopied = 0;
    let bytesCopied = 0;
    if (!opts.schemaOnly) {
      await phase('data', plan.units.length, async () => {
        const limiter = opts.control?.limiter ?? (opts.maxRateMBps ? new RateLimiter(opts.maxRateMBps * 1024 * 1024) : undefined);
        // large objects go in batches over the same pairs: they count as work for every pair
        const jobs = dataPairs(jobsNow(), plan.units.length, plan.largeObjects.length);
        const pairs = await Promise.all(
          Array.from({ length: jobs }, async () => {
            const [s, t] = await Promise.all([open(opts.source, 'source'), open(opts.target, 'target')]);
            await joinSnapshot(s, snapshotId);
            if (checksOff) await relaxTargetChecks(t);
            return { s, t };
          }),
        );
        const targetTables: TargetTables = opts.dataOnly ? 'existing' : freshRun ? 'empty' : 'created';
        const copy = async (unit: CopyUnit, pair: { s: pg.Client; t: pg.Client }) => {
          if (failures.hasFailed(unit.key)) {
            failures.blocked({ key: `${unit.key}:data`, kind: 'table data', name: unit.id }, `table ${unit.tableId}`);
            emit({ type: 'unit-done', unit: unit.id, rows: 0, bytes: 0, seconds: 0, skipped: true });
            return;
          }
          if (done.has(unit.id)) {
            emit({ type: 'unit-done', unit: unit.id, rows: 0, bytes: 0, seconds: 0, skipped: true });
            return;
          }
          checkStop(opts.control);
          // a table without a single page holds no row in any snapshot: nothing to copy into the
          // empty table pgferry just created (with --data-only the target may hold old rows)
          if (unit.blocks === 0 && !opts.dataOnly) {
            emit({ type: 'unit-done', unit: unit.id, rows: 0, bytes: 0, seconds: 0 });
            return;
          }
          emit({ type: 'unit-start', unit: unit.id, bytes: unit.bytes, estimatedRows: unit.estimatedRows, format: unit.binary ? 'binary' : 'text' });
          let pending = 0;
          let last = Date.now();
          const res = await copyUnit(deleteRows.has(unit.key) ? { ...unit, deleteRows: true } : unit, pair.s, pair.t, (t, rows, bytes) => markUnitDone(t, { id: runId, snapshot: snapshotId }, unit.id, rows, bytes), (n) => {
            pending += n;
            const now = Date.now();
            if (now - last >= 250) {
              emit({ type: 'unit-progress', unit: unit.id, bytes: pending });
              pending = 0;
              last = now;
            }
          }, targetTables, limiter);
          rowsCopied += res.rows;
          bytesCopied += res.bytes;
          emit({ type: 'unit-done', unit: unit.id, ...res });
        };
        // extensions' configuration rows first, one table after another: the extension made the
        // foreign keys between them already, and the plan lists them in key order
        for (const unit of plan.units) if (unit.filter !== undefined) await copy(unit, pairs[0]);
        // foreign keys checked as rows arrive: referencing tables emptied first, then parents load first
        if (loadOrder) await emptyReferencingTables(pairs[0].t, loadOrder, done, deleteRows);
        for (const wave of loadOrder?.waves ?? [plan.units.filter((u) => u.filter === undefined)]) {
          await runLoad({
            workers: pairs,
            units: wave,
            indexSteps: earlyIndexes,
            copy,
            activeWorkers: opts.control ? () => opts.control!.jobs() : undefined,
            build: async (step, pair) => {
              await runTracked(pair.t, step, failures, marks);
              emit({ type: 'step-done', phase: 'post-data', kind: step.kind, name: step.name });
            },
          });
        }
        // an object whose pre-data step the target rejected has nowhere to go
        const largeObjects = plan.largeObjects.filter((lo) => !failures.hasFailed(`pg_largeobject:${lo.oid}`));
        bytesCopied += await copyLargeObjects(largeObjects, pairs.slice(0, Math.max(1, jobsNow())), {
          dataOnly: opts.dataOnly ? { applyOwners: !opts.noOwner, applyPrivileges: !opts.noPrivileges } : undefined,
          resumed: !freshRun,
          beforeBatch: () => checkStop(opts.control),
          limiter,
        });
        await Promise.all(pairs.flatMap(({ s, t }) => [s.query('COMMIT').then(() => s.end()), t.end()]));
      });
    }
    await leader.query('COMMIT');

    let sequencesSet = 0;
    // the renames ran last in a run that got that far: sequences and ANALYZE were done before them
    const renamed = marks.done.has(stepMark('renames'));
    // tables whose ANALYZE runs in the post-data pool, right after their last key or index
    const analyzeQueue = new AnalyzeQueue(
      opts.schemaOnly || opts.dataOnly || renamed ? [] : plan.analyze.filter((t) => t.afterIndexes),
      lateIndexes,
      (key) => failures.hasFailed(key),
    );
    if (!opts.dataOnly) {
      const postSteps = postDataSteps(plan).length + plan.finalSteps.length;
      await phase('post-data', postSteps, async () => {
        checkStop(opts.control);
        const pool = await Promise.all(Array.from({ length: Math.max(1, jobsNow()) }, () => open(opts.target, 'target')));
        const parallel = (steps: DdlStep[]) =>
          runPool(steps, pool.length, async (step, w) => {
            checkStop(opts.control);
            // one statement per round trip in autocommit: measured faster than batches in one
            // transaction, where each CREATE INDEX also replays the batch's earlier invalidations
            await runTracked(pool[w], step, failures, marks);
            emit({ type: 'step-done', phase: 'post-data', kind: step.kind, name: step.name });
          });
        const serial = async (steps: DdlStep[]) => {
          for (const step of steps) {
            checkStop(opts.control);
            await runTracked(target, step, failures, marks);
            emit({ type: 'step-done', phase: 'post-data', kind: step.kind, name: step.name });
          }
        };
        await parallel(plan.parentIndexes);
        // a table whose keys and indexes are all built is analyzed by the next connection free
        await runPoolWithFillers(
          lateIndexes,
          pool.length,
          async (step, w) => {
            checkStop(opts.control);
            await runTracked(pool[w], step, failures, marks);
            analyzeQueue.indexDone(step);
            emit({ type: 'step-done', phase: 'post-data', kind: step.kind, name: step.name });
          },
          { next: () => analyzeQueue.next(), left: () => analyzeQueue.left(), work: (batch, w) => analyzeBatch(pool[w], batch) },
        );
        await serial(plan.indexFinish);
        await parallel(plan.foreignKeyAdds);
        await parallel(plan.foreignKeys);
        await serial(plan.triggers);
        await serial(plan.tableExtras);
        if (!opts.schemaOnly) for (const step of plan.refreshes) await runTracked(target, step, failures, marks);
        await serial(plan.finalSteps);
        await Promise.all(pool.map((c) => c.end()));
      });
      objectsCreated += postSteps;
    } else {
      // materialized views are data: refreshed after a data-only load as well
      for (const step of plan.refreshes) await runTracked(target, step, failures, marks);
    }
    checkStop(opts.control);
    if (!opts.schemaOnly && !renamed) {
      await phase('sequences', plan.sequences.length, async () => {
        sequencesSet = await setSequenceValues(target, sequenceValues);
      });
      const analyze = plan.analyze.filter((t) => !failures.hasFailed(t.key) && !analyzeQueue.taken.has(t.key));
      await phase('analyze', analyze.length, async () => {
        if (!analyze.length) return;
        const pool = await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, analyze.length)) }, () => open(opts.target, 'target')));
        await analyzeTables(pool, analyze);
        await Promise.all(pool.map((c) => c.end()));
      });
    }
    if (plan.renames.length && !opts.dataOnly) {
      await phase('rename', plan.renames.length, async () => {
        for (const step of plan.renames) {
          if (await runTracked(target, step, failures, marks)) emit({ type: 'step-done', phase: 'rename', kind: step.kind, name: step.name });
        }
      });
    }
    // resumed after some tables were in: their rows come from more than one snapshot
    const snapshots = opts.schemaOnly ? 1 : await dataSnapshots(target, runId);
    if (snapshots > 1)
      log.log('warn', `the copied rows come from ${snapshots} snapshots of the source (the run was resumed after some tables were in): the tables are consistent with each other only if the source took no writes in between`);
    // a run with rejected objects keeps its marks: fix the cause and run again with --resume
    if (failures.list.length === 0) await dropUnitMarks(target, runId);
    else log.log('warn', `objects were not created; fix the causes and run again with --resume to do only what is missing (run ${runId})`);
    await flushTargetCommits(target);

    const summary: MigrationSummary = {
      runId,
      objectsCreated,
      tablesCopied: opts.schemaOnly ? 0 : unitTables.size,
      rowsCopied,
      bytesCopied,
      sequencesSet,
      skipped: plan.skipped,
      failures: failures.list,
      phaseSeconds,
      totalSeconds: (Date.now() - t0) / 1000,
      dataSnapshots: snapshots,
    };
    emit({ type: 'summary', summary });
    return summary;
  } finally {
    finished = true;
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
  }
}

/**
 * --data-only loads into tables whose foreign keys and triggers already exist: like pg_restore's
 * --disable-triggers, replica mode skips them so that load order does not matter. Called only
 * when the account may set it (superuser, or SET privilege on PostgreSQL 15+: measured before
 * the run); otherwise the load goes in foreign-key order with checks on (data-only-load.ts).
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

/** The plan's notes for a --data-only run: how foreign keys and triggers are treated, and what fell back. */
function dataOnlyNotes(user: string, checksOff: boolean, order: ForeignKeyOrder | undefined, deleteRows: number): string[] {
  const notes: string[] = [];
  if (deleteRows) notes.push(`--data-only: ${deleteRows} table(s) have no TRUNCATE privilege for ${user}: their rows are deleted instead (no COPY FREEZE)`);
  if (checksOff || !order) return notes;
  notes.push(
    `--data-only: ${user} may not set session_replication_role (a superuser may, or on 15+ GRANT SET ON PARAMETER session_replication_role TO ${user}): ` +
      `foreign keys stay on and triggers fire as rows arrive; tables load in ${order.waves.length} wave(s), referenced tables first, and tables that reference others are emptied first`,
  );
  if (order.cycle.length) notes.push(`--data-only: tables on (or behind) a cycle of foreign keys load together and may fail their keys: ${order.cycle.join(', ')}`);
  return notes;
}

const mb = (n: number) => `${(n / 1048576).toFixed(0)}MB`;
