/**
 * Finish: count the snapshots the rows came from, drop the run's marks when nothing failed (a run
 * with rejected objects keeps them for --resume), flush the target's commits and sum up.
 */
import type pg from 'pg';
import { flushTargetCommits } from '../pg/session.js';
import type { Plan } from '../plan/plan-model.js';
import { dataSnapshots, dropUnitMarks } from './unit-marks.js';
import type { CutoverSummary, MigrationSummary } from './events.js';
import type { RunContext } from './run-context.js';

export interface RunCounts {
  objectsCreated: number;
  tablesCopied: number;
  rowsCopied: number;
  bytesCopied: number;
  sequencesSet: number;
  cutover?: CutoverSummary;
}

export async function finishPhase(ctx: RunContext, target: pg.Client, plan: Plan, counts: RunCounts): Promise<MigrationSummary> {
  const { log, failures, runId } = ctx;
  // resumed after some tables were in: their rows come from more than one snapshot
  const snapshots = ctx.opts.schemaOnly ? 1 : await dataSnapshots(target, runId);
  if (snapshots > 1)
    log.log('warn', `the copied rows come from ${snapshots} snapshots of the source (the run was resumed after some tables were in): the tables are consistent with each other only if the source took no writes in between`);
  if (failures.list.length === 0) await dropUnitMarks(target, runId);
  else log.log('warn', `objects were not created; fix the causes and run again with --resume to do only what is missing (run ${runId})`);
  await flushTargetCommits(target);
  const summary: MigrationSummary = {
    runId,
    ...counts,
    skipped: plan.skipped,
    failures: failures.list,
    phaseSeconds: ctx.phaseSeconds,
    totalSeconds: (Date.now() - ctx.startedAt) / 1000,
    dataSnapshots: snapshots,
  };
  ctx.emit({ type: 'summary', summary });
  return summary;
}
