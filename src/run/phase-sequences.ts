/** Sequences: the source's positions, read in the snapshot, set on the target. */
import type pg from 'pg';
import { setSequenceValues } from '../copy/sequence-values.js';
import type { Plan } from '../plan/plan-model.js';
import type { SequenceValue } from '../plan/sequence-values.js';
import type { RunContext } from './run-context.js';

export async function sequencesPhase(ctx: RunContext, target: pg.Client, plan: Plan, values: SequenceValue[]): Promise<number> {
  return ctx.phase('sequences', plan.sequences.length, () => setSequenceValues(target, values));
}
