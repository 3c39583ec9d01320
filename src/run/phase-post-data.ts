/**
 * Post-data: keys and indexes over a pool of target sessions (a table whose last index is built
 * is analyzed by the next session free), then foreign keys, triggers, the tables' extras,
 * materialized view refreshes and the final steps, in the plan's order.
 */
import type pg from 'pg';
import { postDataSteps, type DdlStep, type Plan } from '../plan/plan-model.js';
import { runPool, runPoolWithFillers } from '../worker-pool.js';
import { runTracked } from './run-ddl.js';
import { analyzeBatch, type AnalyzeQueue } from './analyze-tables.js';
import type { RunContext } from './run-context.js';

/** Runs post-data; returns how many steps it had. With --data-only, only the refreshes run. */
export async function postDataPhase(ctx: RunContext, target: pg.Client, plan: Plan, lateIndexes: DdlStep[], analyzeQueue: AnalyzeQueue): Promise<number> {
  const { opts, failures, marks } = ctx;
  // materialized views are data: refreshed after a data-only load as well
  if (opts.dataOnly) {
    for (const step of plan.refreshes) await runTracked(target, step, failures, marks);
    return 0;
  }
  const postSteps = postDataSteps(plan).length + plan.finalSteps.length;
  await ctx.phase('post-data', postSteps, async () => {
    ctx.checkStop();
    const pool = await ctx.openMany('target', Math.max(1, ctx.jobs()));
    const done = (step: DdlStep) => ctx.emit({ type: 'step-done', phase: 'post-data', kind: step.kind, name: step.name });
    const parallel = (steps: DdlStep[]) =>
      runPool(steps, pool.length, async (step, w) => {
        ctx.checkStop();
        // one statement per round trip in autocommit: measured faster than batches in one
        // transaction, where each CREATE INDEX also replays the batch's earlier invalidations
        await runTracked(pool[w], step, failures, marks);
        done(step);
      });
    const serial = async (steps: DdlStep[]) => {
      for (const step of steps) {
        ctx.checkStop();
        await runTracked(target, step, failures, marks);
        done(step);
      }
    };
    await parallel(plan.parentIndexes);
    // a table whose keys and indexes are all built is analyzed by the next connection free
    await runPoolWithFillers(
      lateIndexes,
      pool.length,
      async (step, w) => {
        ctx.checkStop();
        await runTracked(pool[w], step, failures, marks);
        analyzeQueue.indexDone(step);
        done(step);
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
  return postSteps;
}
