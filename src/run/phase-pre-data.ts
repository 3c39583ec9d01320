/** Pre-data: schemas, types, functions, tables… level by level over several target sessions. */
import type pg from 'pg';
import { preDataConnections } from '../plan/run-connections.js';
import type { Plan } from '../plan/plan-model.js';
import { runStepsByLevel } from './run-ddl.js';
import type { RunContext } from './run-context.js';

export async function preDataPhase(ctx: RunContext, target: pg.Client, plan: Plan): Promise<void> {
  ctx.checkStop();
  await ctx.phase('pre-data', plan.preData.length, async () => {
    const more = await ctx.openMany('target', preDataConnections(ctx.jobs()) - 1);
    await runStepsByLevel([target, ...more], plan.preData, {
      failures: ctx.failures,
      marks: ctx.marks,
      onStepDone: (step) => ctx.emit({ type: 'step-done', phase: 'pre-data', kind: step.kind, name: step.name }),
    });
    await Promise.all(more.map((c) => c.end()));
  });
}
