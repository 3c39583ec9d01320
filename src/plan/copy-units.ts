/**
 * What the data phase moves: the leaf tables as copy units (large ones split into block ranges),
 * largest first, and the sequences whose positions are set after the data.
 */
import { displayName } from '../pg/quote.js';
import type { CopyUnit, SequenceRef } from './plan-model.js';
import type { PlanOptions } from './plan-options.js';
import type { PlanScope } from './plan-scope.js';

/**
 * Large tables are split so that every worker has work until the end: a slice is about 1/8 of a
 * worker's share of the data, and never under 64 MB. Only when the source can scan a block range
 * directly (TID Range Scan, PostgreSQL 14+); 0 = no slicing.
 */
function sliceSize(totalBytes: number, slicing: PlanOptions['slicing']): number {
  if (!slicing?.enabled || slicing.jobs < 2) return 0;
  return Math.max(slicing.minBytes ?? 64 * 1024 * 1024, totalBytes / (slicing.jobs * 8));
}

/** Splits a table's unit into `count` block ranges; the last is open so late pages are not lost. */
function sliceUnit(whole: CopyUnit, blocks: number, count: number): CopyUnit[] {
  const per = Math.ceil(blocks / count);
  return Array.from({ length: count }, (_, i) => ({
    ...whole,
    id: `${whole.id} [${i + 1}/${count}]`,
    slice: { fromBlock: i * per, toBlock: i === count - 1 ? null : (i + 1) * per },
    bytes: Math.round(whole.bytes / count),
    estimatedRows: Math.round(whole.estimatedRows / count),
  }));
}

/** One unit a leaf table (or one a slice of a large one), largest first. */
export function copyUnits({ cat, opts, relByOid }: PlanScope): CopyUnit[] {
  const referenced = new Set(cat.relations.flatMap((r) => r.constraints.filter((c) => c.type === 'f').map((c) => c.refRelOid)));
  const partitionRoots = (oid: number): number[] => {
    const rel = relByOid.get(oid);
    return rel ? [oid, ...rel.parents.flatMap((p) => partitionRoots(p.oid))] : [oid];
  };
  const tables = cat.relations.filter((r) => r.relkind === 'r');
  const sliceBytes = sliceSize(tables.reduce((a, r) => a + r.bytes, 0), opts.slicing);
  return tables
    .flatMap((r) => {
      const cols = r.columns.filter((c) => c.generated === '');
      const whole: CopyUnit = {
        id: displayName(r.schema, r.name),
        key: r.key,
        tableId: displayName(r.schema, r.name),
        schema: r.schema,
        table: r.name,
        columns: cols.map((c) => c.name),
        binary: cols.every((c) => c.binaryOk),
        referenced: partitionRoots(r.oid).some((oid) => referenced.has(oid)),
        bytes: r.bytes,
        blocks: r.blocks,
        estimatedRows: r.estimatedRows,
      };
      return sliceBytes && r.bytes > sliceBytes * 1.5 && r.blocks > 1 ? sliceUnit(whole, r.blocks, Math.ceil(r.bytes / sliceBytes)) : [whole];
    })
    .sort((a, b) => b.bytes - a.bytes || a.id.localeCompare(b.id));
}

/**
 * The sequences whose positions the run sets: all that are created, but not an identity
 * sequence whose table is skipped (it goes with its table).
 */
export function copiedSequences({ cat }: PlanScope, blocked: Map<string, unknown>): SequenceRef[] {
  return cat.sequences
    .filter((s) => !blocked.has(s.key) && !(s.identity && s.ownedBy && blocked.has(`pg_class:${s.ownedBy.tableOid}`)))
    .map((s) => ({ schema: s.schema, name: s.name }));
}
