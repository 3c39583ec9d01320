/**
 * Partition and inheritance trees under a selection. A partitioned table's rows are its
 * partitions' rows, and SELECT from an inheritance parent shows its children's rows: both kinds
 * of child follow their parent (every level, in any schema), so selecting the parent never leaves
 * rows behind silently, and excluding the parent excludes the tree. An exclude pattern that names
 * a child leaves that child (and what is under it) out, with a note. A partition selected without
 * its parent cannot be created as a partition: it is refused, or with `partitionsAsTables`
 * created as a plain table. An inheritance child selected without its parents is a table in its
 * own right and is created without INHERITS. The functions take any relation list that knows its
 * parents, so that other readers (verify) can take the same tables as the plan.
 */
import type { Catalog, Relation } from '../catalog/model.js';
import { displayName } from '../pg/quote.js';

export interface TreeRelation {
  oid: number;
  schema: string;
  name: string;
  isPartition: boolean;
  parents: { oid: number; schema: string; name: string }[];
}

export interface TreeVerdicts<R> {
  /** Selected by its own schema and name (the include and exclude lists). */
  named: (r: R) => boolean;
  /** Named by an exclude pattern (its schema or itself). */
  excluded: (r: R) => boolean;
}

export interface TreeSelection<R> {
  /** OIDs of the relations selected, children that follow their parent included. */
  selected: Set<number>;
  /** Partitions selected without their partitioned parent (the topmost of each subtree), when refused. */
  lonePartitions: { partition: R; parent: string }[];
  /** Relations created without some or all of their parents: OID → OIDs of the parents kept. */
  detached: Map<number, number[]>;
  notes: string[];
}

/** Why a relation is not selected: not named, excluded (itself or an ancestor), or a refused lone partition. */
type Verdict = 'in' | 'unnamed' | 'excluded' | 'refused';

const MAX_DEPTH = 100;

/** Lists a few names, then how many more. */
export function someNames(names: string[], max = 5): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/** Decides every relation of `rels` under the selection's verdicts, parents before children. */
export function selectTrees<R extends TreeRelation>(rels: R[], v: TreeVerdicts<R>, partitionsAsTables: boolean): TreeSelection<R> {
  const byOid = new Map(rels.map((r) => [r.oid, r]));
  const verdicts = new Map<number, Verdict>();
  const out: TreeSelection<R> = { selected: new Set(), lonePartitions: [], detached: new Map(), notes: [] };
  const leftOut: R[] = [];
  const followers: R[] = [];

  const decide = (r: R, depth: number): Verdict => {
    const known = verdicts.get(r.oid);
    if (known) return known;
    const parents = r.parents.map((p) => byOid.get(p.oid)).filter((p): p is R => p !== undefined);
    let verdict: Verdict;
    if (!parents.length || depth > MAX_DEPTH) verdict = v.named(r) ? 'in' : v.excluded(r) ? 'excluded' : 'unnamed';
    else {
      const parentVerdicts = parents.map((p) => decide(p, depth + 1));
      const kept = parents.filter((_, i) => parentVerdicts[i] === 'in');
      if (kept.length) {
        // a child follows its parent, unless an exclude pattern names it
        if (v.excluded(r)) {
          verdict = 'excluded';
          leftOut.push(r);
        } else {
          verdict = 'in';
          if (kept.length < parents.length) out.detached.set(r.oid, kept.map((p) => p.oid));
          if (!v.named(r)) followers.push(r);
        }
      } else if (parentVerdicts.includes('refused')) verdict = 'refused';
      else if (parentVerdicts.includes('excluded')) verdict = 'excluded';
      else if (!v.named(r)) verdict = 'unnamed';
      else if (!r.isPartition || partitionsAsTables) {
        verdict = 'in';
        out.detached.set(r.oid, []);
      } else {
        verdict = 'refused';
        out.lonePartitions.push({ partition: r, parent: displayName(parents[0].schema, parents[0].name) });
      }
    }
    verdicts.set(r.oid, verdict);
    if (verdict === 'in') out.selected.add(r.oid);
    return verdict;
  };
  for (const r of rels) decide(r, 0);

  out.notes.push(...followerNotes(followers, byOid, out.selected));
  const hasChildren = new Set(rels.flatMap((r) => r.parents.map((p) => p.oid)));
  for (const r of leftOut) {
    const parent = displayName(r.parents[0].schema, r.parents[0].name);
    out.notes.push(r.isPartition
      ? `partition ${displayName(r.schema, r.name)} of ${parent} is left out by an exclude pattern${hasChildren.has(r.oid) ? ', with the partitions under it' : ''}: ${parent} on the target lacks its rows`
      : `inheritance child ${displayName(r.schema, r.name)} of ${parent} is left out by an exclude pattern: SELECT from ${parent} on the target lacks its rows`);
  }
  for (const [oid, kept] of out.detached) {
    const r = byOid.get(oid)!;
    const name = displayName(r.schema, r.name);
    const dropped = r.parents.filter((p) => !kept.includes(p.oid)).map((p) => displayName(p.schema, p.name));
    if (r.isPartition)
      out.notes.push(`partition ${name} is created as a plain table (partitionsAsTables), with its own rows: not a partition of ${dropped[0]}, which is not selected, and without the foreign keys and triggers it takes from it`);
    else if (kept.length)
      out.notes.push(`table ${name} is created inheriting only from ${someNames(kept.map((o) => byOid.get(o)!).map((p) => displayName(p.schema, p.name)))}: its parent ${someNames(dropped)} is not selected`);
    else out.notes.push(`table ${name} is created without INHERITS ${someNames(dropped)}: its parent is not selected`);
  }
  return out;
}

/** One note per selected parent whose children came without being named themselves. */
function followerNotes<R extends TreeRelation>(followers: R[], byOid: Map<number, R>, selected: Set<number>): string[] {
  const byRoot = new Map<number, R[]>();
  for (const r of followers) {
    // the topmost selected ancestor along first parents
    let root = r;
    for (let i = 0; i < MAX_DEPTH; i++) {
      const up = root.parents.map((p) => byOid.get(p.oid)).find((p) => p !== undefined && selected.has(p.oid));
      if (!up) break;
      root = up;
    }
    if (!byRoot.has(root.oid)) byRoot.set(root.oid, []);
    byRoot.get(root.oid)!.push(r);
  }
  return [...byRoot].map(([oid, children]) => {
    const root = byOid.get(oid)!;
    const name = displayName(root.schema, root.name);
    const names = someNames(children.map((c) => displayName(c.schema, c.name)));
    return children[0].isPartition
      ? `partitioned table ${name} is selected with its whole partition tree: ${children.length} partition(s) come with it (${names})`
      : `table ${name} is selected with its ${children.length} inheritance child(ren) (${names}), since SELECT from it shows their rows; leave them out with --exclude-table`;
  });
}

/**
 * The catalog with detached relations made standalone: no partition bound, only the parents
 * kept, columns and CHECK constraints that came from a dropped parent made the table's own,
 * their indexes not attached to the parent's, and no dependency edge to a dropped parent. Trigger
 * clone states on relations left out are dropped too.
 */
export function applyTreeSelection(cat: Catalog, trees: TreeSelection<Relation>): Catalog {
  if (!trees.detached.size && trees.selected.size === cat.relations.length) return cat;
  const byOid = new Map(cat.relations.map((r) => [r.oid, r]));
  const droppedEdges = new Set<string>();
  const relations = cat.relations.map((r) => {
    const kept = trees.detached.get(r.oid);
    if (!kept) return r;
    for (const p of r.parents) if (!kept.includes(p.oid)) droppedEdges.add(`${r.key}\0pg_class:${p.oid}`);
    const keptRels = kept.map((o) => byOid.get(o)!);
    const fromParent = (col: string) => keptRels.some((p) => p.columns.some((c) => c.name === col));
    const checkFromParent = (name: string) => keptRels.some((p) => p.constraints.some((c) => c.type === 'c' && c.name === name));
    return {
      ...r,
      isPartition: false,
      partitionBound: null,
      parents: r.parents.filter((p) => kept.includes(p.oid)),
      columns: r.columns.map((c) => (c.isLocal || fromParent(c.name) ? c : { ...c, isLocal: true })),
      constraints: r.constraints.map((c) => (c.type === 'c' && !c.isLocal && !checkFromParent(c.name) ? { ...c, isLocal: true } : c)),
    };
  });
  const unattached = new Set([...trees.detached.keys()].filter((o) => byOid.get(o)!.isPartition));
  const selectedNames = new Set(cat.relations.filter((r) => trees.selected.has(r.oid)).map((r) => `${r.schema}\0${r.name}`));
  return {
    ...cat,
    relations,
    indexes: cat.indexes.map((i) => (unattached.has(i.relOid) && i.parentIndex ? { ...i, parentIndex: null } : i)),
    triggers: cat.triggers.map((t) => ({ ...t, cloneStates: t.cloneStates.filter((c) => selectedNames.has(`${c.schema}\0${c.table}`)) })),
    depends: droppedEdges.size ? cat.depends.filter(([from, to]) => !droppedEdges.has(`${from}\0${to}`)) : cat.depends,
  };
}
