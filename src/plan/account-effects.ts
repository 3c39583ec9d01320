/** How the plan fits what the target account may do, as the plan reports it (Plan.account). */
import type { SkippedObject } from '../catalog/model.js';
import type { AccountEffects } from './plan-model.js';
import type { ChangedFunction } from './pre-data-steps.js';
import type { PlanScope } from './plan-scope.js';

/**
 * The account's effects on the plan (absent when no account is known): owners it cannot keep,
 * objects skipped for its rights, and the notes, with those on functions that are not skipped.
 */
export function accountEffects(
  { rights }: PlanScope,
  blocked: Map<string, unknown>,
  rightsSkips: SkippedObject[],
  changedFunctions: ChangedFunction[],
): AccountEffects | undefined {
  if (!rights) return undefined;
  rights.notes.push(...changedFunctions.filter((c) => !blocked.has(c.key)).map((c) => c.note));
  return {
    user: rights.account.user,
    superuser: rights.account.superuser,
    ownersNotKept: rights.notKept((key) => blocked.has(key)),
    skippedKeys: rightsSkips.map((s) => s.key!),
    notes: rights.notes,
  };
}
