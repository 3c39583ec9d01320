/** The dependencies each step carries to run time, so a failure stops only what needs it. */
import type { IndexObj } from '../catalog/model.js';
import type { Plan } from './plan-model.js';

/** Records on each step the other steps it needs, so a failure stops only what depends on it. */
export function attachDeps(plan: Plan, edges: [string, string][], indexes: IndexObj[]): void {
  // a key's index is created by its constraint's step
  const alias = new Map(indexes.filter((i) => i.constraintOid !== null).map((i) => [i.key, `pg_constraint:${i.constraintOid}`]));
  const steps = [...plan.preData, ...plan.postData.flatMap((s) => s.steps)];
  const known = new Set(steps.map((s) => s.key));
  for (const u of plan.units) known.add(u.key);
  const deps = new Map<string, Set<string>>();
  for (const [from, to0] of edges) {
    const to = alias.get(to0) ?? to0;
    if (from === to || !known.has(from) || !known.has(to)) continue;
    if (!deps.has(from)) deps.set(from, new Set());
    deps.get(from)!.add(to);
  }
  for (const s of steps) {
    const d = new Set([...(s.deps ?? []), ...(deps.get(s.key) ?? [])]);
    if (s.key.endsWith(':attach') || s.key.endsWith(':index-settings') || s.key.endsWith(':owned')) {
      const owner = s.key.split(':').slice(0, 2).join(':');
      d.add(alias.get(owner) ?? owner);
    }
    if (d.size) s.deps = [...d];
  }
}
