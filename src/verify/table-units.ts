/**
 * One verdict per table in scope, and the work that fills it: a table on both sides with the same
 * columns is compared range by range; a table on one side only has its rows counted there, so a
 * report (and the rows through a partitioned parent) says what is missing.
 */
import type pg from 'pg';
import { displayName } from '../pg/quote.js';
import type { VerifyTable } from './table-inventory.js';
import { describeRange, keyRanges, rangeChecksum, rowCount, type RowBytes } from './table-checksum.js';

export interface TableVerdict {
  table: string;
  ok: boolean;
  sourceRows: number | null;
  targetRows: number | null;
  ranges: number;
  problems: string[];
  /** The table it is a partition of (as reported), for a partition. */
  partitionOf?: string;
  /**
   * A partitioned table: it holds no rows itself; its row counts are those through it (its
   * partitions', which have verdicts of their own), and it fails when its partitions differ.
   */
  partitioned?: boolean;
}

export type TableUnit =
  | { kind: 'compare'; source: VerifyTable; target: VerifyTable; v: TableVerdict }
  | { kind: 'count'; side: 'source' | 'target'; table: VerifyTable; v: TableVerdict };

export interface TablePlan {
  /** Verdicts of source tables, by source id. */
  bySource: Map<string, TableVerdict>;
  /** Verdicts of target tables, by target id (extra ones too). */
  byTarget: Map<string, TableVerdict>;
  /** Source tables whose target has the same columns: only those are judged through their trees. */
  present: Set<string>;
  /** Work to run, largest first. */
  units: TableUnit[];
}

const columnList = (t: VerifyTable) => t.columns.map((c) => `${c.name} ${c.type}`).join(', ');

/** What a table's or sequence's verdict says when a side's role may not read it. */
export const UNREADABLE = 'not readable by the role (needs USAGE on the schema and SELECT; row-level security must not hide rows)';

/**
 * Verdicts for the tables in scope. `expected` holds each source table (selected columns only)
 * and the table the target should have; `dstTables` the target's tables in scope; `label` how a
 * source table is named in reports. Foreign tables get no verdict: their rows live elsewhere, and
 * they only take their place in their trees.
 */
export function planTables(
  expected: Map<string, { source: VerifyTable; target: VerifyTable }>, dstTables: Map<string, VerifyTable>, label: (sourceId: string) => string,
): TablePlan {
  const plan: TablePlan = { bySource: new Map(), byTarget: new Map(), present: new Set(), units: [] };
  const fresh = (table: string): TableVerdict => ({ table, ok: false, sourceRows: null, targetRows: null, ranges: 0, problems: [] });
  for (const [id, e] of expected) {
    if (e.source.relkind === 'f') continue;
    const v = fresh(label(id));
    plan.bySource.set(id, v);
    const parent = e.source.isPartition && e.source.parents[0] ? displayName(e.source.parents[0].schema, e.source.parents[0].name) : undefined;
    if (parent !== undefined && expected.has(parent)) v.partitionOf = label(parent);
    if (e.source.relkind === 'p') v.partitioned = true;
    const d = dstTables.get(e.target.id);
    if (!d) {
      v.problems.push('missing in target');
      if (e.source.relkind !== 'p') plan.units.push({ kind: 'count', side: 'source', table: e.source, v });
      continue;
    }
    plan.byTarget.set(d.id, v);
    if (columnList(e.target) !== columnList(d)) {
      v.problems.push(`columns differ: source (${columnList(e.target)}), target (${columnList(d)})`);
      continue;
    }
    // a role that cannot see every row would count and hash only those it sees: never a pass
    const blind = [e.source.readable ? '' : 'source', d.readable ? '' : 'target'].filter(Boolean);
    if (blind.length && e.source.relkind !== 'p') {
      v.problems.push(`${blind.join(' and ')}: ${UNREADABLE}`);
      continue;
    }
    plan.present.add(id);
    if (e.source.relkind !== 'p') plan.units.push({ kind: 'compare', source: e.source, target: e.target, v });
  }
  const mapped = new Set([...expected.values()].map((e) => e.target.id));
  for (const [id, t] of dstTables) {
    if (mapped.has(id) || t.relkind === 'f') continue;
    const v = fresh(id);
    v.problems.push('extra in target');
    if (t.relkind === 'p') v.partitioned = true;
    else plan.units.push({ kind: 'count', side: 'target', table: t, v });
    plan.byTarget.set(id, v);
  }
  const size = (u: TableUnit) => (u.kind === 'compare' ? u.source : u.table).estimatedRows;
  plan.units.sort((a, b) => size(b) - size(a));
  return plan;
}

/** One lane: a source and a target connection, with how each hashes its row text. */
export interface Lane {
  s: pg.ClientBase;
  d: pg.ClientBase;
  srcBytes: RowBytes;
  dstBytes: RowBytes;
}

/** Runs a unit on a lane and fills its verdict. */
export async function runTableUnit(u: TableUnit, lane: Lane, rowsPerRange: number): Promise<void> {
  const { v } = u;
  if (u.kind === 'count') {
    const n = await rowCount(u.side === 'source' ? lane.s : lane.d, u.table);
    if (u.side === 'source') v.sourceRows = n;
    else v.targetRows = n;
    v.problems = [u.side === 'source' ? `missing in target (rows source=${n})` : `extra in target (rows target=${n})`];
    return;
  }
  const t = u.source;
  const ranges = await keyRanges(lane.s, t, rowsPerRange);
  Object.assign(v, { ok: true, sourceRows: 0, targetRows: 0, ranges: ranges.length });
  for (const range of ranges) {
    const [a, b] = await Promise.all([rangeChecksum(lane.s, t, range, lane.srcBytes), rangeChecksum(lane.d, u.target, range, lane.dstBytes)]);
    v.sourceRows! += a.rows;
    v.targetRows! += b.rows;
    if (a.rows !== b.rows || a.sum !== b.sum) {
      v.ok = false;
      v.problems.push(
        `${describeRange(t, range)}: rows source=${a.rows} target=${b.rows}` +
          (a.rows === b.rows ? `, checksum source=${a.sum.slice(0, 12)} target=${b.sum.slice(0, 12)} (same count, different content)` : ''),
      );
    }
  }
}
