/**
 * Runs a migration end to end, as a list of phases: connect, read the catalog in an exported
 * snapshot and plan, create the pre-data schema, copy every unit in parallel from that snapshot,
 * build post-data objects in parallel, set sequences, ANALYZE, rename, finish. Each phase is its
 * own module (phase-*.ts); they share a RunContext.
 */
import crypto from 'node:crypto';
import { renamesAnything } from '../plan/name-mapping.js';
import { countObjects, stageSteps } from '../plan/plan-model.js';
import { PgferryError } from '../errors.js';
import { AnalyzeQueue } from './analyze-tables.js';
import { ensureUnitMarks, markStepsSql, stepMark } from './unit-marks.js';

/** The step mark of an incremental run whose sequences and ANALYZE are done. */
const ANALYZED_MARK = 'analyzed';
import { RunContext } from './run-context.js';
import { connectPhase } from './phase-connect.js';
import { markCopied, startRun } from './phase-slot.js';
import { cutoverPhase, streamPhase } from './phase-stream.js';
import { preDataPhase } from './phase-pre-data.js';
import { dataPhase } from './phase-data.js';
import { postDataPhase } from './phase-post-data.js';
import { sequencesPhase } from './phase-sequences.js';
import { analyzePhase } from './phase-analyze.js';
import { renamePhase } from './phase-rename.js';
import { finishPhase } from './phase-finish.js';
import type { CutoverSummary, MigrationSummary } from './events.js';
import type { MigrateOptions } from './run-options.js';

export type { MigrateOptions, RunControl } from './run-options.js';

/** Runs one migration; resolves with its summary, or throws a PgferryError. */
export async function runMigration(opts: MigrateOptions): Promise<MigrationSummary> {
  if (opts.dataOnly && renamesAnything(opts.mapping))
    throw new PgferryError('PGFERRY_E_USAGE', '--data-only cannot be combined with a name mapping', {
      fix: 'a full migration renames at its end; to load data into renamed tables, run the migration without --data-only',
    });
  const ctx = new RunContext(opts, opts.runId ?? crypto.randomUUID());
  try {
    const conn = await connectPhase(ctx);
    const { snapshotId, planned, stream } = await startRun(ctx, conn);
    const { plan } = planned;
    opts.onPlan?.(plan);
    // the marks' schema only once the plan is accepted: a refused selection leaves the target untouched
    await ensureUnitMarks(conn.target);
    ctx.emit({
      type: 'plan',
      schemas: plan.preData.filter((s) => s.kind === 'schema').length,
      tables: new Set(plan.units.map((u) => u.tableId)).size,
      objects: countObjects(plan),
      units: opts.schemaOnly ? 0 : plan.units.length,
      bytes: plan.units.reduce((a, u) => a + u.bytes, 0),
      skipped: plan.skipped,
      notes: [...plan.notes, ...plan.selectionNotes, ...(plan.account?.notes ?? [])],
    });

    if (!opts.dataOnly) await preDataPhase(ctx, conn.target, plan);

    // a table's keys and indexes are built as soon as its data is in (not with --data-only:
    // they exist already; not with --schema-only: there is no data phase)
    const unitTables = new Set(plan.units.map((u) => u.tableId));
    const indexes = stageSteps(plan, 'indexes');
    const early = new Set(opts.schemaOnly || opts.dataOnly || !opts.earlyIndexes ? [] : indexes.filter((s) => s.table && unitTables.has(s.table)));
    const lateIndexes = indexes.filter((s) => !early.has(s));
    // an incremental run whose copy is in streams on: nothing is copied again (a table that was
    // empty then has no unit mark, and copying it now would add rows the stream brings too)
    const streamsOn = stream !== undefined && stream.consistentPoint === undefined;
    const copied = opts.schemaOnly || streamsOn ? { rows: 0, bytes: 0 } : await dataPhase(ctx, conn, planned, snapshotId, [...early]);
    // an incremental run's leader left the snapshot after the catalog; the slot's session holds it
    if (stream?.consistentPoint !== undefined) await markCopied(ctx, conn.target, { ...stream, consistentPoint: stream.consistentPoint });
    else await conn.leader.query('COMMIT');

    // the renames ran last in a run that got that far: sequences and ANALYZE were done before them
    const renamed = ctx.marks.done.has(stepMark('renames'));
    // tables whose ANALYZE runs in the post-data pool, right after their last key or index
    const analyzeQueue = new AnalyzeQueue(
      opts.schemaOnly || opts.dataOnly || renamed ? [] : plan.analyze.filter((t) => t.afterIndexes),
      lateIndexes,
      (key) => ctx.failures.hasFailed(key),
    );
    const postSteps = await postDataPhase(ctx, conn.target, plan, lateIndexes, analyzeQueue);
    ctx.checkStop();
    let sequencesSet = 0;
    // an incremental run that got past them streams on: its resumes neither set the sequences
    // again (the stream keeps them in step) nor ANALYZE again (seconds on a large database,
    // before the stream starts)
    const analyzed = ctx.marks.done.has(stepMark(ANALYZED_MARK));
    if (!opts.schemaOnly && !renamed && !analyzed) {
      sequencesSet = await sequencesPhase(ctx, conn.target, plan, planned.sequenceValues);
      await analyzePhase(ctx, plan.analyze, analyzeQueue);
      if (stream) {
        await conn.target.query(markStepsSql(ctx.runId, [ANALYZED_MARK]));
        ctx.marks.done.add(stepMark(ANALYZED_MARK));
      }
    }
    await renamePhase(ctx, conn.target, plan);
    let cutover: CutoverSummary | undefined;
    if (stream) {
      const { live, request } = await streamPhase(ctx, plan, stream);
      cutover = await cutoverPhase(ctx, live, stream, request);
    }
    return await finishPhase(ctx, conn.target, plan, {
      objectsCreated: (opts.dataOnly ? 0 : plan.preData.length) + postSteps,
      tablesCopied: opts.schemaOnly ? 0 : unitTables.size,
      rowsCopied: copied.rows,
      bytesCopied: copied.bytes,
      sequencesSet,
      cutover,
    });
  } finally {
    await ctx.close();
  }
}
