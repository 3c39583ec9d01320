/**
 * Post-data: the plan's stages in order (Plan.postData), each run as the plan says: over a pool
 * of target sessions, one step after another on the run's session, or, for the keys and indexes,
 * over the pool with each table analyzed by the next session free once its last index is built.
 */
import type pg from 'pg';
import { countPostDataObjects, type DdlStep, type Plan, type PostDataStage } from '../plan/plan-model.js';
import { runPool, runPoolWithFillers } from '../worker-pool.js';
import { runTracked } from './run-ddl.js';
import { stepMark } from './unit-marks.js';
import { analyzeBatch, type AnalyzeQueue } from './analyze-tables.js';
import type { RunContext } from './run-context.js';

/**
 * Runs post-data; returns how many steps it had. With --data-only, only the stages that need the
 * data run (the refreshes: materialized views are data), one step after another.
 * `lateIndexes` are the index stage's steps the data phase did not build already.
 */
export async function postDataPhase(ctx: RunContext, target: pg.Client, plan: Plan, lateIndexes: DdlStep[], analyzeQueue: AnalyzeQueue): Promise<number> {
  const { opts, failures, marks } = ctx;
  if (opts.dataOnly) {
    for (const stage of plan.postData) if (stage.needsData) for (const step of stage.steps) await runTracked(target, step, failures, marks);
    return 0;
  }
  const postSteps = countPostDataObjects(plan);
  await ctx.phase('post-data', postSteps, async () => {
    ctx.checkStop();
    const stages = plan.postData.map((stage) => ({ stage, steps: stage.run === 'indexes' ? lateIndexes : stage.steps }));
    if (stages.every(({ steps }) => steps.every((step) => marks.done.has(stepMark(step.key))))) {
      // a resumed run past post-data (an incremental one streams on): no sessions to open
      for (const { stage, steps } of stages) if (!stage.needsData) for (const step of steps) ctx.emit({ type: 'step-done', phase: 'post-data', kind: step.kind, name: step.name });
      return;
    }
    const pool = await ctx.openMany('target', Math.max(1, ctx.jobs()));
    for (const stage of plan.postData) {
      // --schema-only: no data for a stage that needs it
      if (stage.needsData && opts.schemaOnly) continue;
      await runStage(ctx, target, pool, stage, stage.run === 'indexes' ? lateIndexes : stage.steps, analyzeQueue);
    }
    await Promise.all(pool.map((c) => c.end()));
  });
  return postSteps;
}

/**
 * Runs `steps` of one stage as the stage says. A stage that needs the data creates no objects:
 * it reports no progress (the phase does not count its steps) and is not stopped between steps.
 */
async function runStage(ctx: RunContext, target: pg.Client, pool: pg.Client[], stage: PostDataStage, steps: DdlStep[], analyzeQueue: AnalyzeQueue): Promise<void> {
  const counted = !stage.needsData;
  const run = async (session: pg.Client, step: DdlStep, built?: (step: DdlStep) => void) => {
    if (counted) ctx.checkStop();
    await runTracked(session, step, ctx.failures, ctx.marks);
    built?.(step);
    if (counted) ctx.emit({ type: 'step-done', phase: 'post-data', kind: step.kind, name: step.name });
  };
  switch (stage.run) {
    case 'serial':
      for (const step of steps) await run(target, step);
      return;
    case 'parallel':
      // one statement per round trip in autocommit: measured faster than batches in one
      // transaction, where each CREATE INDEX also replays the batch's earlier invalidations
      return runPool(steps, pool.length, (step, w) => run(pool[w], step));
    case 'indexes':
      // a table whose keys and indexes are all built is analyzed by the next connection free
      return runPoolWithFillers(steps, pool.length, (step, w) => run(pool[w], step, (s) => analyzeQueue.indexDone(s)), {
        next: () => analyzeQueue.next(),
        left: () => analyzeQueue.left(),
        work: (batch, w) => analyzeBatch(pool[w], batch),
      });
  }
}
