/**
 * What the target cannot take, known before any step is planned: objects its version lacks, and
 * objects only a superuser may create when the target account is not one.
 */
import type { SkippedObject } from '../catalog/model.js';
import { accountSkips } from './account-limits.js';
import { incompatibilities } from './compatibility.js';
import type { PlanScope } from './plan-scope.js';

export interface TargetLimits {
  /** Objects skipped for the target: its version's first, then its account's. */
  skips: SkippedObject[];
  /** Of those, the ones skipped for the account's rights. */
  rightsSkips: SkippedObject[];
  /** What the target's version lacks that is no object of its own (nothing to skip). */
  notes: string[];
}

/** The target's limits for this catalog. */
export function targetLimits({ cat, opts, own }: PlanScope): TargetLimits {
  const skips: SkippedObject[] = [];
  const notes: string[] = [];
  for (const s of incompatibilities(cat, opts.targetMajor)) {
    if (s.key) skips.push(s);
    else notes.push(`${s.kind} ${s.name}: ${s.reason}`);
  }
  // what only a superuser may create, when the account is not one
  const rightsSkips = accountSkips(cat, opts.account, { publications: opts.publications, applyPrivileges: own.applyPrivileges !== false });
  skips.push(...rightsSkips);
  return { skips, rightsSkips, notes };
}
