/** What the target's major version cannot take, known before anything runs. */
import type { Catalog, SkippedObject } from '../catalog/model.js';
import { operatorSignature } from '../ddl/render-operators.js';
import { displayName } from '../pg/quote.js';

const REMOVED_TYPES: Record<string, number> = { abstime: 12, reltime: 12, tinterval: 12 };

/**
 * What the target's major version cannot take: objects to skip (with a key) and notes (without),
 * known before anything runs.
 */
export function incompatibilities(cat: Catalog, targetMajor: number | undefined): SkippedObject[] {
  if (targetMajor === undefined) return [];
  const out: SkippedObject[] = [];
  const byOid = new Map(cat.relations.map((r) => [r.oid, r]));
  for (const o of cat.operators) {
    if (o.opKind === 'r' && targetMajor >= 14)
      out.push({ key: o.key, kind: 'operator', name: operatorSignature(o), reason: `postfix operators do not exist in PostgreSQL 14 and later (target: ${targetMajor}); replace it with a function on the source` });
  }
  for (const r of cat.relations) {
    const name = displayName(r.schema, r.name);
    for (const c of r.columns) {
      const removedIn = REMOVED_TYPES[c.type.replace(/\[\]$/, '')];
      if (removedIn && targetMajor >= removedIn)
        out.push({ key: r.key, kind: r.relkind === 'v' || r.relkind === 'm' ? 'view' : 'table', name, reason: `column ${c.name} has type ${c.type}, removed in PostgreSQL ${removedIn}; convert it on the source (e.g. to timestamptz or interval)` });
    }
    if (r.hasOids && targetMajor >= 12) out.push({ kind: 'table', name, reason: 'was created WITH OIDS, which PostgreSQL 12 and later do not have: it moves without its hidden oid column' });
    // 16 and later refuse a generated column in a child whose parent's column is not generated
    const parentCols = targetMajor >= 16 ? r.parents.flatMap((p) => byOid.get(p.oid)?.columns ?? []) : [];
    const generatedUnder = r.columns.find((c) => c.generated !== '' && parentCols.some((pc) => pc.name === c.name && pc.generated === ''));
    if (generatedUnder)
      out.push({ key: r.key, kind: 'table', name, reason: `column ${generatedUnder.name} is generated but the same column of its parent is not, which PostgreSQL 16 and later refuse (target: ${targetMajor}); make both generated, or neither, on the source` });
  }
  return out;
}
