/**
 * Which tables the target ANALYZEs after the copy, and how. Only tables that get statistics on the
 * source the same way: tables that get rows, materialized views, and parents whose source has
 * statistics over their partitions or inheritance children (pg_stats.inherited), which
 * autovacuum never gathers for a partitioned table.
 */
import type { Catalog, Relation } from '../catalog/model.js';
import type { AnalyzeTarget } from './plan-model.js';
import { displayName } from '../pg/quote.js';

/**
 * The ANALYZE list, largest first. `ANALYZE parent` behaves differently by major (measured on
 * 15, 17 and 18): up to 17, a partitioned table's ANALYZE analyzes every partition below it as
 * well, and an inheritance parent's gathers its own and its children's statistics without
 * touching the children; from 18, without ONLY both analyze every child too, and `ANALYZE ONLY`
 * gathers the parent's statistics alone (the inherited ones by sampling the children). So a
 * target of 18+ analyzes every table ONLY, partitioned parents last; an older one analyzes the
 * topmost partitioned table that needs statistics instead of the partitions below it, once all
 * their keys and indexes are built, so no partition is analyzed twice.
 */
export function analyzeTargets(cat: Catalog, blocked: Map<string, unknown>, withStatistics: Set<number>, targetMajor: number | undefined): AnalyzeTarget[] {
  const only = (targetMajor ?? 0) >= 18;
  const dn = (r: Relation) => displayName(r.schema, r.name);
  const relByOid = new Map(cat.relations.map((r) => [r.oid, r]));
  const partitionsOf = new Map<number, Relation[]>();
  for (const r of cat.relations) {
    if (!r.isPartition || !r.parents.length) continue;
    const parent = r.parents[0].oid;
    if (!partitionsOf.has(parent)) partitionsOf.set(parent, []);
    partitionsOf.get(parent)!.push(r);
  }
  const subtree = (r: Relation): Relation[] => [r, ...(partitionsOf.get(r.oid) ?? []).flatMap(subtree)];
  // a parent over foreign partitions would reach out to their servers from the target: left out,
  // as foreign tables are
  const parents = cat.relations.filter((r) => r.relkind === 'p' && r.inheritedStats && !blocked.has(r.key) && !subtree(r).some((x) => x.relkind === 'f'));
  const chosen = new Set(parents.map((r) => r.oid));
  const hasChosenAncestor = (r: Relation): boolean => {
    for (let up = r.isPartition ? relByOid.get(r.parents[0]?.oid ?? 0) : undefined; up; up = up.isPartition ? relByOid.get(up.parents[0]?.oid ?? 0) : undefined)
      if (chosen.has(up.oid)) return true;
    return false;
  };

  const out: AnalyzeTarget[] = [];
  // before 18: partitions under a tree's analyzed top are analyzed by it
  const coveredByTree = new Set<number>();
  for (const p of parents) {
    const tree = subtree(p);
    const leaves = tree.filter((x) => x.relkind === 'r');
    const bytes = leaves.reduce((a, x) => a + x.bytes, 0);
    const target: AnalyzeTarget = { key: p.key, schema: p.schema, name: p.name, table: dn(p), bytes, afterIndexes: false, partitioned: true };
    if (only) out.push({ ...target, only: true });
    else if (!hasChosenAncestor(p)) {
      for (const x of tree) coveredByTree.add(x.oid);
      // expression indexes need to exist to get statistics; extended statistics objects wait for the end
      const extended = leaves.some((x) => withStatistics.has(x.oid));
      out.push({ ...target, afterIndexes: !extended, waitFor: leaves.map(dn) });
    }
  }
  for (const r of cat.relations) {
    if (blocked.has(r.key) || coveredByTree.has(r.oid)) continue;
    // an inheritance parent without rows of its own still has its children's statistics
    if (!((r.relkind === 'r' && (r.blocks > 0 || r.inheritedStats)) || r.relkind === 'm')) continue;
    out.push({ key: r.key, schema: r.schema, name: r.name, table: dn(r), bytes: r.bytes, afterIndexes: r.relkind === 'r' && !withStatistics.has(r.oid), ...(only ? { only } : {}) });
  }
  return out.sort((a, b) => b.bytes - a.bytes);
}
