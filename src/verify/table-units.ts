/**
 * One verdict per table in scope, and the work that fills it: a table on both sides with the same
 * columns is compared range by range; a table on one side only has its rows counted there, so a
 * report (and the rows through a partitioned parent) says what is missing.
 */
import type pg from 'pg';
import { displayName } from '../pg/quote.js';
import type { VerifyTable } from './table-inventory.js';
import { runPoolWithFillers } from '../worker-pool.js';
import {
  addSums, describeRange, fingerprint, keyBounds, NO_ROWS, pageCount, rangeFilter, rowCount, rowSum, sameSums,
  type KeyRange, type RangeSum, type RowFilter,
} from './table-checksum.js';
import type { ReusedRanges } from './range-ledger.js';

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
 * The source and target tables as a compare unit reads them: by their key where it sorts alike on
 * both servers, else as if they had none. A text key under a linguistic collation may sort
 * differently on the two (another glibc or ICU version, another provider): ranges cut at the
 * source's key values would then overlap on the target, and a row be counted twice.
 */
function splitBy(source: VerifyTable, target: VerifyTable, onTarget: VerifyTable): { source: VerifyTable; target: VerifyTable } {
  const byteOrder = (t: VerifyTable, key: string[]) => key.every((k) => t.columns.find((c) => c.name === k)?.byteOrder === true);
  if (byteOrder(source, source.key) && byteOrder(onTarget, target.key)) return { source, target };
  return { source: { ...source, key: [] }, target: { ...target, key: [] } };
}

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
    if (e.source.relkind !== 'p') plan.units.push({ kind: 'compare', ...splitBy(e.source, e.target, d), v });
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

/** One lane: a source and a target connection. */
export interface Lane {
  s: pg.ClientBase;
  d: pg.ClientBase;
  /** Both servers scan a run of pages without reading the rest (TID range scans, 14 and later). */
  pageParts: boolean;
  /**
   * Sums a part somewhere else (a fleet worker, src/fleet/part-queue.ts) instead of on `s` and
   * `d`, which then only find the ranges and read again a range that differs only in order.
   */
  sumElsewhere?: (source: VerifyTable, target: VerifyTable, sourceFilter: RowFilter, targetFilter: RowFilter) => Promise<[RangeSum, RangeSum]>;
  /** Where lanes share `s` and `d`: runs one lane's use of them at a time (a sum sets session settings, then reads). */
  exclusive?: <T>(fn: () => Promise<T>) => Promise<T>;
}

function onLane<T>(lane: Lane, fn: () => Promise<T>): Promise<T> {
  return lane.exclusive ? lane.exclusive(fn) : fn();
}

/**
 * How large a part (what one query sums) is: about `rows` rows of a keyed range, or `pages` pages
 * (16 MB at 8 kB pages) of a table summed by pages, at most `maxPageParts` of those per table. Parts
 * this size keep every lane busy on a large table; tests make them small. A keyed table of more
 * than `exactBoundsRows` rows is cut at sampled key values (walking 2.5 M keys of an index cost
 * about 1.5 s of the source's time at shared/bench SCALE=1, a sample a few milliseconds).
 */
export interface PartSize {
  rows: number;
  pages: number;
  maxPageParts: number;
  exactBoundsRows: number;
}

export const PART_SIZE: PartSize = { rows: 100_000, pages: 2_048, maxPageParts: 64, exactBoundsRows: 1_000_000 };

/** A compare unit under way: its key ranges with the sums so far on each side, and parts still to run. */
interface TableRun {
  u: Extract<TableUnit, { kind: 'compare' }>;
  /** `reused`: taken from the range ledger, not read. */
  ranges: { range: KeyRange; source: RangeSum; target: RangeSum; reused?: boolean }[];
  left: number;
}

/** One query on each side, summing part of one range of a table. */
interface Part {
  run: TableRun;
  range: number;
  source: RowFilter;
  target: RowFilter;
}

/** How many parts a unit is expected to make: what decides how many lanes are worth opening. */
export function expectedParts(u: TableUnit, size: PartSize): number {
  return u.kind === 'compare' ? Math.max(1, Math.ceil(u.source.estimatedRows / size.rows)) : 1;
}

/** Page runs [from, to) that split `pages` pages into `n` parts; the first and last are open. */
function pageRun(pages: number, i: number, n: number): RowFilter {
  if (n === 1) return { kind: 'all' };
  return { kind: 'pages', from: i === 0 ? null : Math.floor((pages * i) / n), to: i === n - 1 ? null : Math.floor((pages * (i + 1)) / n) };
}

/**
 * The ranges of a compare unit and the parts that sum them. A keyed table is split at key values
 * read on the source, into ranges of `rowsPerRange` rows and those into parts of about `size.rows`
 * (one part, with no bounds to read, when its estimate is below that); an unkeyed table is one
 * range ("all rows"), summed in runs of pages where both servers can scan them (each side splits
 * its own pages: rows need not sit alike).
 */
async function planParts(u: TableRun['u'], lane: Lane, rowsPerRange: number, size: PartSize, reuse?: ReusedRanges): Promise<{ run: TableRun; parts: Part[] }> {
  const t = u.source;
  const run: TableRun = { u, ranges: [], left: 0 };
  const parts: Part[] = [];
  const fresh = (range: KeyRange) => run.ranges.push({ range, source: NO_ROWS, target: NO_ROWS }) - 1;
  if (reuse) {
    // the ledger's ranges: those found equal while streaming and untouched since keep their sums
    for (const r of reuse.ranges) {
      if (r.clean) {
        run.ranges.push({ range: r.range, source: r.clean, target: r.clean, reused: true });
        continue;
      }
      const keys = rangeFilter(r.range);
      parts.push({ run, range: fresh(r.range), source: keys, target: keys });
    }
  } else if (t.key.length > 0 && t.estimatedRows > 0 && t.estimatedRows <= size.rows) {
    parts.push({ run, range: fresh({ from: null, to: null }), source: { kind: 'all' }, target: { kind: 'all' } });
  } else if (t.key.length === 0) {
    const r = fresh({ from: null, to: null });
    let n = 1;
    let sp = 0;
    let dp = 0;
    if (lane.pageParts && !(t.estimatedRows > 0 && t.estimatedRows <= size.rows)) {
      [sp, dp] = await Promise.all([pageCount(lane.s, t), pageCount(lane.d, u.target)]);
      n = Math.min(size.maxPageParts, Math.max(1, Math.ceil(Math.max(sp, dp) / size.pages)));
    }
    for (let i = 0; i < n; i++) parts.push({ run, range: r, source: pageRun(sp, i, n), target: pageRun(dp, i, n) });
  } else {
    // parts of `step` rows; a part belongs to the range of rowsPerRange rows it starts in
    const step = Math.max(1, Math.ceil(rowsPerRange / Math.ceil(rowsPerRange / size.rows)));
    const bounds = await keyBounds(lane.s, t, step, size.exactBoundsRows);
    const edges: (string[] | null)[] = [null, ...bounds, null];
    let current = -1;
    for (let i = 0; i + 1 < edges.length; i++) {
      const inRange = Math.floor((i * step) / rowsPerRange);
      if (inRange !== current) {
        current = inRange;
        fresh({ from: edges[i], to: null });
      }
      const r = run.ranges.length - 1;
      run.ranges[r].range.to = edges[i + 1];
      const keys: RowFilter = { kind: 'keys', range: { from: edges[i], to: edges[i + 1] } };
      parts.push({ run, range: r, source: keys, target: keys });
    }
  }
  run.left = parts.length;
  return { run, parts };
}

/**
 * Sums one part on both sides at once and adds it to its range; fills the verdict after the last
 * part. A keyed range whose streams differ with the same rows and bytes is summed again row by
 * row before it is called different: the two servers may order its keys differently (another
 * collation library, or duplicate keys on a target that lost its primary key).
 */
async function runPart(p: Part, lane: Lane): Promise<boolean> {
  const { run } = p;
  const [a, b] = lane.sumElsewhere
    ? await lane.sumElsewhere(run.u.source, run.u.target, p.source, p.target)
    : await Promise.all([rowSum(lane.s, run.u.source, p.source), rowSum(lane.d, run.u.target, p.target)]);
  const range = run.ranges[p.range];
  range.source = addSums(range.source, a);
  range.target = addSums(range.target, b);
  if (--run.left > 0) return false;
  await onLane(lane, () => judgeRun(run, lane));
  return true;
}

/** Fills a compare unit's verdict from its ranges' sums (a keyed range that differs only in order is read again, row by row). */
async function judgeRun(run: TableRun, lane: Lane): Promise<void> {
  const { v } = run.u;
  Object.assign(v, { ok: true, sourceRows: 0, targetRows: 0, ranges: run.ranges.length });
  for (const r of run.ranges) {
    if (run.u.source.key.length > 0 && !sameSums(r.source, r.target) && r.source.rows === r.target.rows && r.source.bytes === r.target.bytes) {
      const keys: RowFilter = { kind: 'keys', range: r.range };
      [r.source, r.target] = await Promise.all([rowSum(lane.s, run.u.source, keys, 'none'), rowSum(lane.d, run.u.target, keys, 'none')]);
    }
    const { range: kr, source: s, target: d } = r;
    v.sourceRows! += s.rows;
    v.targetRows! += d.rows;
    if (sameSums(s, d)) continue;
    v.ok = false;
    v.problems.push(
      `${describeRange(run.u.source, kr)}: rows source=${s.rows} target=${d.rows}` +
        (s.rows === d.rows ? `, checksum source=${fingerprint(s)} target=${fingerprint(d)} (same count, different content)` : ''),
    );
  }
}

/**
 * Runs the units on the lanes, one job per lane: a table's ranges are found first, then their
 * parts run on whichever lanes are free, before the next table is looked at, so a large table keeps
 * every lane (and both servers) busy. `done` gets each verdict once it is filled.
 */
export async function runTableUnits(
  units: TableUnit[], lanes: Lane[], rowsPerRange: number, size: PartSize, done: (v: TableVerdict) => void,
  reuse?: (source: VerifyTable) => ReusedRanges | undefined,
): Promise<{ read: number; reused: number }> {
  const queue: Part[] = [];
  let planning = 0;
  const ranges = { read: 0, reused: 0 };
  await runPoolWithFillers(
    units,
    lanes.length,
    async (u, w) => {
      const lane = lanes[w];
      if (u.kind === 'count') {
        const n = await onLane(lane, () => rowCount(u.side === 'source' ? lane.s : lane.d, u.table));
        if (u.side === 'source') u.v.sourceRows = n;
        else u.v.targetRows = n;
        u.v.problems = [u.side === 'source' ? `missing in target (rows source=${n})` : `extra in target (rows target=${n})`];
        done(u.v);
        return;
      }
      planning++;
      try {
        const { run, parts } = await onLane(lane, () => planParts(u, lane, rowsPerRange, size, reuse?.(u.source)));
        const kept = run.ranges.filter((r) => r.reused).length;
        ranges.reused += kept;
        ranges.read += run.ranges.length - kept;
        // a table of one part is summed here and now; larger ones are shared out
        if (parts.length === 0) {
          await onLane(lane, () => judgeRun(run, lane));
          done(u.v);
        } else if (parts.length === 1) {
          if (await runPart(parts[0], lane)) done(u.v);
        } else queue.push(...parts);
      } finally {
        planning--;
      }
    },
    {
      next: () => queue.shift(),
      left: () => planning > 0,
      work: async (p, w) => {
        if (await runPart(p, lanes[w])) done(p.run.u.v);
      },
    },
  );
  return ranges;
}
