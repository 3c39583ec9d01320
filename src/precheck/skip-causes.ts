/**
 * Why an object is skipped, followed back to the first cause: an object skipped because it
 * depends on a skipped one says "depends on <kind> <name>, which is skipped", and that one may
 * depend on another. Precheck items group skipped objects by their first cause (a C-language
 * function, a right the target account lacks), so each object is listed under one item.
 */
import type { SkippedObject } from '../catalog/model.js';

/** Returns, for a skipped object, the skipped object at the start of its chain (itself when it has no chain). */
export function rootCauses(skipped: SkippedObject[]): (s: SkippedObject) => SkippedObject {
  const byName = new Map(skipped.map((s) => [`${s.kind} ${s.name}`, s]));
  return (s) => {
    const seen = new Set<SkippedObject>();
    let at = s;
    for (;;) {
      const m = /^depends on (.*), which is skipped$/.exec(at.reason);
      const next = m ? byName.get(m[1]) : undefined;
      if (!next || seen.has(next)) return at;
      seen.add(at);
      at = next;
    }
  };
}
