/** The object name mapping as the plan's last step, with what it does to other objects. */
import type { DdlStep } from './plan-model.js';
import { mappingNotes, renameStep, renamesAnything } from './name-mapping.js';
import type { PlanScope } from './plan-scope.js';

/** The rename step (none without a mapping, or when nothing planned is renamed) and the mapping's notes. */
export function planRenames({ cat, opts }: PlanScope, blocked: Map<string, unknown>): { renames: DdlStep[]; notes: string[] } {
  if (!renamesAnything(opts.mapping)) return { renames: [], notes: [] };
  const planned = (k: string) => !blocked.has(k);
  const step = renameStep(cat, opts.mapping, planned);
  return { renames: step ? [step] : [], notes: mappingNotes(cat, opts.mapping, planned) };
}
