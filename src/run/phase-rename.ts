/** Rename: the name mapping's renames, last, so that every earlier step used the source's names. */
import type pg from 'pg';
import type { Plan } from '../plan/plan-model.js';
import { runTracked } from './run-ddl.js';
import type { RunContext } from './run-context.js';

export async function renamePhase(ctx: RunContext, target: pg.Client, plan: Plan): Promise<void> {
  if (!plan.renames.length || ctx.opts.dataOnly) return;
  await ctx.phase('rename', plan.renames.length, async () => {
    for (const step of plan.renames) {
      if (await runTracked(target, step, ctx.failures, ctx.marks)) ctx.emit({ type: 'step-done', phase: 'rename', kind: step.kind, name: step.name });
    }
  });
}
