/**
 * Leaving columns out. Selected tables are created and copied without the columns the selection
 * drops. Everything that needs a dropped column (an index, a key, a CHECK, a foreign key, a view,
 * a trigger, a policy, extended statistics, a generated column) is skipped with the reason; the
 * planner's skip closure then skips what depends on those in turn.
 */
import type { Catalog, ColumnDependency, Relation, SkippedObject } from '../catalog/model.js';
import { displayIdent, displayName } from '../pg/quote.js';
import { columnMatcher, selectsColumns, type Selection } from './selection.js';

export interface ColumnSelectionResult {
  catalog: Catalog;
  skipped: SkippedObject[];
  notes: string[];
}

/** Names of the objects a column can be needed by, by catalog key. */
function labels(cat: Catalog): Map<string, { kind: string; name: string }> {
  const m = new Map<string, { kind: string; name: string }>();
  const kindOf = { r: 'table', p: 'table', v: 'view', m: 'materialized view', f: 'foreign table' } as const;
  for (const r of cat.relations) {
    m.set(r.key, { kind: kindOf[r.relkind], name: displayName(r.schema, r.name) });
    for (const c of r.constraints) m.set(c.key, { kind: 'constraint', name: `${displayIdent(c.name)} on ${displayName(r.schema, r.name)}` });
  }
  for (const i of cat.indexes) m.set(i.key, { kind: 'index', name: displayName(i.schema, i.name) });
  for (const t of cat.triggers) m.set(t.key, { kind: 'trigger', name: `${displayIdent(t.name)} on ${displayName(t.schema, t.table)}` });
  for (const p of cat.policies) m.set(p.key, { kind: 'policy', name: `${displayIdent(p.name)} on ${displayName(p.schema, p.table)}` });
  for (const r of cat.rules) m.set(r.key, { kind: 'rule', name: `${displayIdent(r.name)} on ${displayName(r.schema, r.table)}` });
  for (const s of cat.statistics) m.set(s.key, { kind: 'statistics', name: displayName(s.schema, s.name) });
  for (const f of cat.functions) m.set(f.key, { kind: 'function', name: `${displayName(f.schema, f.name)}(${f.identityArgs})` });
  for (const s of cat.sequences) m.set(s.key, { kind: 'sequence', name: displayName(s.schema, s.name) });
  return m;
}

/** The catalog with the dropped columns gone, and what was skipped because it needed one. */
export function applyColumnSelection(cat: Catalog, sel: Selection | undefined): ColumnSelectionResult {
  if (!sel || !selectsColumns(sel)) return { catalog: cat, skipped: [], notes: [] };
  if (!cat.columnDepends) throw new Error('column selection needs the catalog read with columnDepends');
  const keep = columnMatcher(sel);
  const relByOid = new Map(cat.relations.map((r) => [r.oid, r]));
  const dropped = new Map<number, Set<string>>();
  const isDropped = (oid: number, col: string) => dropped.get(oid)?.has(col) ?? false;
  const drop = (oid: number, col: string) => {
    if (!dropped.has(oid)) dropped.set(oid, new Set());
    dropped.get(oid)!.add(col);
  };
  const notes: string[] = [];
  for (const r of cat.relations) {
    if (r.relkind === 'v' || r.relkind === 'm') continue;
    for (const c of r.columns) if (!keep(r.schema, r.name, c.name)) drop(r.oid, c.name);
  }
  // a child table has its parents' columns: a column dropped from a parent goes from its children
  // too; a child cannot lose an inherited column on its own (ATTACH/INHERIT would refuse it)
  const ordered = [...cat.relations].sort((a, b) => depth(a, relByOid) - depth(b, relByOid));
  for (const r of ordered) {
    for (const c of r.columns) {
      const fromParent = r.parents.some((p) => isDropped(p.oid, c.name));
      if (fromParent) drop(r.oid, c.name);
      else if (isDropped(r.oid, c.name) && !c.isLocal && r.parents.some((p) => relByOid.get(p.oid)?.columns.some((pc) => pc.name === c.name))) {
        dropped.get(r.oid)!.delete(c.name);
        notes.push(`column ${displayName(r.schema, r.name)}.${displayIdent(c.name)} is kept: it is inherited from a parent that keeps it (leave it out of the parent instead)`);
      }
    }
  }
  // a generated column computed from a dropped column goes too, until nothing changes
  const deps = cat.columnDepends;
  for (let changed = true; changed; ) {
    changed = false;
    for (const d of deps) {
      const m = /^column:(\d+):(\d+)$/.exec(d.key);
      if (!m || !isDropped(d.relOid, d.columnName)) continue;
      const rel = relByOid.get(Number(m[1]));
      const col = rel?.columns.find((c) => c.num === Number(m[2]));
      if (rel && col && !isDropped(rel.oid, col.name)) {
        drop(rel.oid, col.name);
        notes.push(`column ${displayName(rel.schema, rel.name)}.${displayIdent(col.name)} is left out too: it is computed from ${displayIdent(d.columnName)}, which is not selected`);
        changed = true;
      }
    }
  }
  if (!dropped.size) return { catalog: cat, skipped: [], notes };

  const label = labels(cat);
  const ownedSequences = new Set(cat.sequences.filter((s) => s.ownedBy && isDropped(s.ownedBy.tableOid, s.ownedBy.column)).map((s) => s.key));
  const skipped = new Map<string, SkippedObject>();
  for (const d of deps as ColumnDependency[]) {
    if (!isDropped(d.relOid, d.columnName) || d.key.startsWith('column:') || ownedSequences.has(d.key)) continue;
    if (d.key === `pg_class:${d.relOid}` || skipped.has(d.key)) continue;
    const rel = relByOid.get(d.relOid);
    const what = label.get(d.key);
    if (!rel || !what) continue;
    skipped.set(d.key, { key: d.key, ...what, reason: `needs column ${displayName(rel.schema, rel.name)}.${displayIdent(d.columnName)}, which is not selected` });
  }
  const gone = (k: string) => skipped.has(k);
  const relations: Relation[] = cat.relations.map((r) =>
    dropped.has(r.oid) || r.constraints.some((c) => gone(c.key))
      ? { ...r, columns: r.columns.filter((c) => !isDropped(r.oid, c.name)), constraints: r.constraints.filter((c) => !gone(c.key)) }
      : r,
  );
  const sequences = cat.sequences
    // an identity sequence lives and dies with its column; a serial's sequence stays, unowned
    .filter((s) => !(s.identity && ownedSequences.has(s.key)))
    .map((s) => (ownedSequences.has(s.key) ? { ...s, ownedBy: null } : s));
  for (const s of cat.sequences)
    if (ownedSequences.has(s.key) && !s.identity) notes.push(`sequence ${displayName(s.schema, s.name)} is created without OWNED BY: its column is not selected`);
  return { catalog: { ...cat, relations, sequences }, skipped: [...skipped.values()], notes };
}

function depth(r: Relation, byOid: Map<number, Relation>, seen = 0): number {
  if (!r.parents.length || seen > 100) return 0;
  return 1 + Math.max(...r.parents.map((p) => { const pr = byOid.get(p.oid); return pr ? depth(pr, byOid, seen + 1) : 0; }));
}
