/** Objects that are not migrated, and everything that needs them. */
import type { SkippedObject } from '../catalog/model.js';

/**
 * Adds to `skipped` every object that depends, directly or not, on a skipped one (a view calling
 * a C function, a table with a column of a type whose I/O is in C, that table's indexes...), and
 * returns the keys of all of them.
 */
export function skipClosure(
  skipped: SkippedObject[],
  steps: { key: string; kind: string; name: string }[],
  edges: [string, string][],
  unselected: Set<string>,
): Map<string, string> {
  const blocked = new Map<string, string>();
  for (const s of skipped) if (s.key) blocked.set(s.key, `${s.kind} ${s.name}, which is skipped`);
  const stepByKey = new Map(steps.map((s) => [s.key, s]));
  // left out by the selection: silently, with what belongs to them (`pg_class:1:owned` and so on)
  const owner = (key: string) => key.split(':').slice(0, 2).join(':');
  for (const s of steps) {
    if (unselected.has(s.key) || unselected.has(owner(s.key))) blocked.set(s.key, `${s.kind} ${s.name}, which is not selected`);
  }
  for (const k of unselected) if (!blocked.has(k)) blocked.set(k, `${k}, which is not selected`);
  if (!blocked.size) return blocked;
  const dependents = new Map<string, string[]>();
  for (const [from, to] of edges) {
    if (!dependents.has(to)) dependents.set(to, []);
    dependents.get(to)!.push(from);
  }
  const queue = [...blocked.keys()];
  for (let i = 0; i < queue.length; i++) {
    const k = queue[i];
    for (const d of dependents.get(k) ?? []) {
      if (blocked.has(d)) continue;
      const step = stepByKey.get(d);
      blocked.set(d, step ? `${step.kind} ${step.name}, which is skipped` : blocked.get(k)!);
      if (step) skipped.push({ key: d, kind: step.kind, name: step.name, reason: `depends on ${blocked.get(k)}` });
      queue.push(d);
    }
  }
  return blocked;
}
