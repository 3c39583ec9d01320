/**
 * Partition and inheritance trees. A partitioned table holds no rows of its own: what a user reads
 * from it is the rows of the partitions attached below it. Verify hashes each partition once, on
 * its own, and judges the parent through its tree: the partitions attached to it on each side must
 * be the same, and every partition below it must be equal. Together that is `SELECT ... FROM
 * parent` compared on both sides, without reading the rows twice.
 */
import { displayName } from '../pg/quote.js';
import type { VerifyTable } from './table-inventory.js';

/** The fields of a table's verdict that the tree reads and writes. */
export interface TreeVerdict {
  ok: boolean;
  sourceRows: number | null;
  targetRows: number | null;
  problems: string[];
}

/** One side's relations in scope, by id, and each one's direct children among them. */
export class RelationTree {
  private readonly kids = new Map<string, VerifyTable[]>();

  constructor(readonly rels: Map<string, VerifyTable>) {
    for (const t of rels.values()) {
      for (const p of t.parents) {
        const id = displayName(p.schema, p.name);
        if (!rels.has(id)) continue;
        const list = this.kids.get(id);
        if (list) list.push(t);
        else this.kids.set(id, [t]);
      }
    }
  }

  children(id: string): VerifyTable[] {
    return this.kids.get(id) ?? [];
  }

  /** Rows through `id`: its own count for a table that holds rows, its partitions' sum for a partitioned one. */
  rowsThrough(id: string, own: (t: VerifyTable) => number | null): number {
    const t = this.rels.get(id);
    if (!t) return 0;
    if (t.relkind !== 'p') return own(t) ?? 0;
    return this.children(id).reduce((a, k) => a + this.rowsThrough(k.id, own), 0);
  }
}

/** Up to ten names, then how many more. */
function nameList(names: string[]): string {
  return names.length <= 10 ? names.join(', ') : `${names.slice(0, 10).join(', ')} and ${names.length - 10} more`;
}

export interface TreeSides {
  src: RelationTree;
  dst: RelationTree;
  /** The target id a source relation should have. */
  targetId: (sourceId: string) => string;
  /** How a source relation is named in reports. */
  label: (sourceId: string) => string;
  /** The verdict of a source relation (by source id), and of a target one (by target id). */
  verdict: (sourceId: string) => TreeVerdict | undefined;
  verdictOnTarget: (targetId: string) => TreeVerdict | undefined;
}

/**
 * Adds to a parent's verdict what its tree shows: children attached on one side and not on the
 * other, the children below it that differ (those judged before it: call children first), and
 * for a partitioned table the rows through it on each side.
 */
export function judgeThroughTree(parent: VerifyTable, v: TreeVerdict, sides: TreeSides): void {
  const word = parent.relkind === 'p' ? 'partition' : 'inheritance child';
  const targetParent = sides.targetId(parent.id);
  const want = new Map(sides.src.children(parent.id).map((k) => [sides.targetId(k.id), k.id]));
  const have = new Set(sides.dst.children(targetParent).map((k) => k.id));
  const away = new Set<string>();
  for (const [tid, sid] of want) {
    if (have.has(tid)) continue;
    away.add(sid);
    // the table may be on the target and only detached from its parent
    v.problems.push(`${word} ${sides.label(sid)} ${sides.dst.rels.has(tid) ? 'not attached to it' : 'missing'} in target`);
  }
  for (const tid of [...have].sort()) if (!want.has(tid)) v.problems.push(`${word} ${tid} extra in target`);
  // below the children that are there: those that differ (the absent ones are named above; a
  // table that inherits from two tables of the tree is named once)
  const differ = new Set<string>();
  const walk = (id: string) => {
    for (const k of sides.src.children(id)) {
      if (away.has(k.id)) continue;
      if (sides.verdict(k.id)?.ok === false) differ.add(sides.label(k.id));
      walk(k.id);
    }
  };
  walk(parent.id);
  if (parent.relkind === 'p') {
    v.sourceRows = sides.src.rowsThrough(parent.id, (t) => sides.verdict(t.id)?.sourceRows ?? null);
    v.targetRows = sides.dst.rowsThrough(targetParent, (t) => sides.verdictOnTarget(t.id)?.targetRows ?? null);
  }
  if (differ.size) {
    const rows = parent.relkind === 'p' ? ` (rows through it: source=${v.sourceRows} target=${v.targetRows})` : '';
    v.problems.push(`${word === 'partition' ? 'partitions' : 'inheritance children'} that differ: ${nameList([...differ])}${rows}`);
  } else if (parent.relkind === 'p' && v.sourceRows !== v.targetRows) {
    v.problems.push(`rows through it: source=${v.sourceRows} target=${v.targetRows}`);
  }
  v.ok = v.problems.length === 0;
}
