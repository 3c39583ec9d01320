/** Analyze: the tables post-data did not analyze already, over as many sessions as jobs now allow. */
import type { AnalyzeTarget } from '../plan/plan-model.js';
import { analyzeTables, type AnalyzeQueue } from './analyze-tables.js';
import type { RunContext } from './run-context.js';

export async function analyzePhase(ctx: RunContext, tables: AnalyzeTarget[], analyzeQueue: AnalyzeQueue): Promise<void> {
  const analyze = tables.filter((t) => !ctx.failures.hasFailed(t.key) && !analyzeQueue.taken.has(t.key));
  await ctx.phase('analyze', analyze.length, async () => {
    if (!analyze.length) return;
    // the live job count: a running task's `set --jobs` holds here as in every other phase
    const pool = await ctx.openMany('target', Math.max(1, Math.min(ctx.jobs(), analyze.length)));
    await analyzeTables(pool, analyze);
    await Promise.all(pool.map((c) => c.end()));
  });
}
