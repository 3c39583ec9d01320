/**
 * Compares source and target: the same tables with the same columns, row counts and checksums
 * (per key range, so a mismatch names where), partitioned tables through their partitions, the
 * same sequence positions and the same large objects.
 */
import type pg from 'pg';
import type { ConnInfo } from '../config/conninfo.js';
import { connect, serverVersionNum } from '../pg/connect.js';
import { displayName } from '../pg/quote.js';
import { listTables, type VerifyTable } from './table-inventory.js';
import { columnMatcher, type Selection } from '../plan/selection.js';
import { NameMapper, type NameMapping } from '../plan/name-mapping.js';
import { scopeRules, tablesInScope, type ScopeRules } from './verify-scope.js';
import { compareSequences, type SequenceVerdict } from './sequence-compare.js';
import { RelationTree, judgeThroughTree, type TreeSides } from './relation-tree.js';
import { expectedParts, PART_SIZE, planTables, runTableUnits, type Lane, type PartSize, type TablePlan, type TableVerdict } from './table-units.js';
import type { ReusedRanges } from './range-ledger.js';
import { rowSum, type RangeSum, type RowFilter } from './table-checksum.js';
import { deniedLargeObjects } from '../catalog/source-access.js';

export type { TableVerdict } from './table-units.js';

/** The source table as the target should have it: selected columns only, under the mapped names. */
function expectedOnTarget(t: VerifyTable, keepColumn: (s: string, t: string, c: string) => boolean, mapper: NameMapper): { source: VerifyTable; target: VerifyTable } {
  const columns = t.columns.filter((c) => keepColumn(t.schema, t.name, c.name));
  const kept = new Set(columns.map((c) => c.name));
  // a key with a column left out cannot split the table: it is compared whole
  const key = t.key.every((k) => kept.has(k)) ? t.key : [];
  const source = { ...t, columns, key };
  const to = mapper.table(t.schema, t.name);
  const col = (c: string) => mapper.column(t.schema, t.name, c);
  return { source, target: { ...source, id: displayName(to.schema, to.name), schema: to.schema, name: to.name, columns: columns.map((c) => ({ ...c, name: col(c.name) })), key: key.map(col) } };
}

export interface VerifyReport {
  ok: boolean;
  /** Every table in scope, partitioned tables and their partitions each with a verdict. */
  tables: TableVerdict[];
  /** Every sequence in scope: free ones selected by name, owned ones with their table. */
  sequences: SequenceVerdict[];
  /** Large objects on the source, and each difference found. */
  largeObjects: { count: number; problems: string[] };
  /** With `reuse` (a cutover's check): key ranges read, and those taken as found equal while streaming. */
  ranges?: { read: number; reused: number };
  /** With `partsElsewhere`: whether the parts were summed by the fleet's workers, why, and how many each summed. */
  spread?: { spread: boolean; why: string; byWorker?: Record<string, number> };
  seconds: number;
}

/**
 * md5 of every large object's contents, by OID (each object is read whole on the server), and
 * the OIDs of those the role may not read.
 */
async function largeObjectDigests(client: pg.ClientBase, serverVersion: number): Promise<{ digests: Map<string, string>; denied: number[] }> {
  const denied = await deniedLargeObjects(client, serverVersion);
  const r = await client.query<{ oid: string; md5: string }>(
    'SELECT m.oid::text AS oid, pg_catalog.md5(pg_catalog.lo_get(m.oid)) AS md5 FROM pg_catalog.pg_largeobject_metadata m WHERE m.oid <> ALL ($1::oid[])',
    [denied],
  );
  return { digests: new Map(r.rows.map((row) => [row.oid, row.md5])), denied };
}

export interface VerifyOptions {
  source: ConnInfo;
  target: ConnInfo;
  jobs: number;
  /** Compare only the selected schemas, tables and columns (what a selective migration moved). */
  selection?: Selection;
  /** Compare each source table with the table it was mapped to. */
  mapping?: NameMapping;
  rowsPerRange?: number;
  /** How much one query sums (tests make parts small to split small tables). */
  partSize?: PartSize;
  onTable?: (v: TableVerdict) => void;
  /**
   * Ranges known equal already (the range ledger of a stream, at its cutover): a compare unit it
   * knows is cut into its ranges, and only those not clean are read.
   */
  reuse?: (source: VerifyTable) => ReusedRanges | undefined;
  /** Where parts may be summed instead of in this process (a fleet's workers); it decides whether. */
  partsElsewhere?: PartsElsewhere;
}

/** One part for another process to sum: the table on each side, the rows of each, and the float digits both print with. */
export interface PartOrder {
  source: VerifyTable;
  target: VerifyTable;
  sourceFilter: RowFilter;
  targetFilter: RowFilter;
  floatDigits: number;
}

/** Sums parts of a verify in other processes (src/fleet/part-queue.ts). */
export interface PartsElsewhere {
  /** Whether a verify of about `rows` rows in `parts` parts is worth spreading, and why. */
  wanted(rows: number, parts: number): Promise<{ spread: boolean; why: string }>;
  /** Sums one part on both sides; `worker` names who did. Undefined: no worker is left to take it, sum it here. */
  sum(order: PartOrder): Promise<{ source: RangeSum; target: RangeSum; worker: string } | undefined>;
}

/**
 * Pins every setting that changes how values print, the same on both sides, and UTF-8 as the
 * client encoding: rows are compared as the UTF-8 text each server converts them to. A SQL_ASCII
 * server sends its bytes as they are (it would refuse those that are not UTF-8), so bytes that
 * are valid UTF-8 compare equal with a UTF8 side, and others differ from anything it can hold.
 */
export async function pinSettings(c: pg.Client, extraFloatDigits: number): Promise<void> {
  await c.query(
    "SELECT pg_catalog.set_config('DateStyle', 'ISO, MDY', false), pg_catalog.set_config('TimeZone', 'UTC', false)," +
      " pg_catalog.set_config('IntervalStyle', 'postgres', false), pg_catalog.set_config('bytea_output', 'hex', false)," +
      ` pg_catalog.set_config('extra_float_digits', '${extraFloatDigits}', false), pg_catalog.set_config('statement_timeout', '0', false),` +
      " pg_catalog.set_config('search_path', 'pg_catalog', false), pg_catalog.set_config('client_encoding', CASE pg_catalog.current_setting('server_encoding') WHEN 'SQL_ASCII' THEN 'SQL_ASCII' ELSE 'UTF8' END, false)",
  );
}

/** The float digits both sides print with: float text output changed in 12, so arrays of floats compare at 15 digits across that line. */
export function floatDigits(sv: number, tv: number): number {
  return sv >= 120000 === tv >= 120000 ? 3 : 0;
}

/** What verify compares, read from both sides (sessions with pinned settings): the tables in scope and their verdicts. */
export interface VerifyScope {
  srcTables: Map<string, VerifyTable>;
  dstTables: Map<string, VerifyTable>;
  plan: TablePlan;
  rules: ScopeRules;
  mapper: NameMapper;
  targetId: (sourceId: string) => string;
  label: (sourceId: string) => string;
}

/** Lists both sides' tables and plans the comparison under the selection and the name mapping. */
export async function planVerify(src: pg.ClientBase, dst: pg.ClientBase, opts: Pick<VerifyOptions, 'selection' | 'mapping'>): Promise<VerifyScope> {
  const rules = scopeRules(opts.selection);
  const keepColumn = opts.selection ? columnMatcher(opts.selection) : () => true;
  const mapper = new NameMapper(opts.mapping);
  const [allSrc, allDst] = await Promise.all([listTables(src), listTables(dst)]);
  const srcTables = tablesInScope(allSrc, rules, (schema, name) => ({ schema, name }));
  const expected = new Map([...srcTables.values()].map((t) => [t.id, expectedOnTarget(t, keepColumn, mapper)]));
  const targetId = (id: string) => expected.get(id)!.target.id;
  const mapped = new Set([...expected.values()].map((e) => e.target.id));
  // a target relation is in scope when a source one in scope maps to it, or when the rules put it there
  const dstByRules = tablesInScope(allDst, rules, (schema, name) => mapper.sourceOf(schema, name));
  const dstTables = new Map([...allDst].filter(([id]) => mapped.has(id) || dstByRules.has(id)));
  const label = (id: string) => (targetId(id) === id ? id : `${id} → ${targetId(id)}`);
  return { srcTables, dstTables, plan: planTables(expected, dstTables, label), rules, mapper, targetId, label };
}

/** Runs the comparison; never throws for a difference, only for a failure to read. */
export async function runVerify(opts: VerifyOptions): Promise<VerifyReport> {
  const t0 = Date.now();
  const clients: pg.Client[] = [];
  let finished = false;
  const open = async (info: ConnInfo, side: 'source' | 'target') => {
    const c = await connect(info, side);
    // the failing query reports the error; this only keeps an idle client's error from crashing us
    c.on('error', () => {});
    // a connection that opens after the run has failed would otherwise keep the process alive
    if (finished) {
      await c.end().catch(() => {});
      throw new Error('verify already stopped');
    }
    clients.push(c);
    return c;
  };
  try {
    const [src, dst] = await Promise.all([open(opts.source, 'source'), open(opts.target, 'target')]);
    const [sv, tv] = await Promise.all([serverVersionNum(src), serverVersionNum(dst)]);
    const efd = floatDigits(sv, tv);
    await Promise.all([pinSettings(src, efd), pinSettings(dst, efd)]);
    const { srcTables, dstTables, plan, rules, mapper, targetId, label } = await planVerify(src, dst, opts);

    const partSize = opts.partSize ?? PART_SIZE;
    // a lane per job, as long as there are parts of tables for it to sum
    const parts = plan.units.reduce((n, u) => n + expectedParts(u, partSize), 0);
    const jobs = Math.max(1, Math.min(opts.jobs, parts));
    const pageParts = sv >= 140000 && tv >= 140000;
    const rows = plan.units.reduce((n, u) => n + (u.kind === 'compare' ? Math.max(0, u.source.estimatedRows) : 0), 0);
    const spread = opts.partsElsewhere ? await opts.partsElsewhere.wanted(rows, parts) : undefined;
    const byWorker: Record<string, number> = {};
    const lanes = spread?.spread
      ? spreadLanes(opts.partsElsewhere!, jobs, { s: src, d: dst, pageParts }, efd, byWorker)
      : await Promise.all(
          Array.from({ length: jobs }, async (): Promise<Lane> => {
            const [s, d] = await Promise.all([open(opts.source, 'source'), open(opts.target, 'target')]);
            await Promise.all([pinSettings(s, efd), pinSettings(d, efd)]);
            return { s, d, pageParts };
          }),
        );
    const sides: TreeSides = {
      src: new RelationTree(srcTables), dst: new RelationTree(dstTables), targetId, label,
      verdict: (id) => plan.bySource.get(id), verdictOnTarget: (id) => plan.byTarget.get(id),
    };
    // parents (and partitioned tables, which may have no partitions) are judged through their
    // trees once everything below them is in; the rest are reported as they finish
    const isParent = (id: string) => srcTables.get(id)!.relkind === 'p' || sides.src.children(id).length > 0 || sides.dst.children(targetId(id)).length > 0;
    const parents = new Set([...plan.bySource.keys()].filter(isParent));
    const held = new Set([...parents].map((id) => plan.bySource.get(id)!));
    const all = [...new Set([...plan.bySource.values(), ...plan.byTarget.values()])];
    const pending = new Set(plan.units.map((u) => u.v));
    for (const v of all) if (!pending.has(v) && !held.has(v)) opts.onTable?.(v);
    const reused = await runTableUnits(plan.units, lanes, opts.rowsPerRange ?? 1_000_000, partSize, (v) => {
      if (!held.has(v)) opts.onTable?.(v);
    }, opts.reuse);
    judgeParents(srcTables, parents, plan.present, sides, (id) => opts.onTable?.(plan.bySource.get(id)!));

    const sequences = await compareSequences(src, dst, { rules, mapper, srcTables, dstTables });
    const [{ digests: sLobs, denied: sDenied }, { digests: dLobs, denied: dDenied }] = await Promise.all([largeObjectDigests(src, sv), largeObjectDigests(dst, tv)]);
    const largeObjects = { count: sLobs.size + sDenied.length, problems: [] as string[] };
    for (const oid of sDenied) largeObjects.problems.push(`large object ${oid}: source role cannot read it (GRANT SELECT ON LARGE OBJECT ${oid})`);
    for (const oid of dDenied) largeObjects.problems.push(`large object ${oid}: target role cannot read it (GRANT SELECT ON LARGE OBJECT ${oid})`);
    for (const [oid, md5] of sLobs) {
      const other = dLobs.get(oid);
      if (other === undefined && !dDenied.includes(Number(oid))) largeObjects.problems.push(`large object ${oid}: missing in target`);
      else if (other !== undefined && other !== md5) largeObjects.problems.push(`large object ${oid}: contents differ`);
    }
    const sAll = new Set([...sLobs.keys(), ...sDenied.map(String)]);
    for (const oid of dLobs.keys()) if (!sAll.has(oid)) largeObjects.problems.push(`large object ${oid}: extra in target`);
    const tables = all.sort((a, b) => a.table.localeCompare(b.table));
    return {
      ok: tables.every((t) => t.ok) && sequences.every((s) => s.ok) && largeObjects.problems.length === 0,
      tables,
      sequences,
      largeObjects,
      ...(opts.reuse ? { ranges: reused } : {}),
      ...(spread ? { spread: { ...spread, ...(spread.spread ? { byWorker } : {}) } } : {}),
      seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    finished = true;
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
  }
}

/** How a spread verify's report counts the parts read by the verifying process itself. */
export const HERE = '(this process)';

/**
 * The lanes of a spread verify: `jobs` parts in flight over the fleet (the task's --jobs is its
 * limit across all workers). Finding ranges, and reading again the rare range that differs only in
 * order, share this process's one pair of sessions, which a pg client runs one query at a time.
 */
function spreadLanes(elsewhere: PartsElsewhere, jobs: number, local: Lane, floatDigits: number, byWorker: Record<string, number>): Lane[] {
  let chain: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const turn = chain.then(fn);
    chain = turn.catch(() => {});
    return turn;
  };
  const sumElsewhere: Lane['sumElsewhere'] = async (source, target, sourceFilter, targetFilter) => {
    const r = await elsewhere.sum({ source, target, sourceFilter, targetFilter, floatDigits });
    const who = r?.worker ?? HERE;
    byWorker[who] = (byWorker[who] ?? 0) + 1;
    if (r) return [r.source, r.target];
    // the fleet went away: the part is read here, as without one
    return exclusive(() => Promise.all([rowSum(local.s, source, sourceFilter), rowSum(local.d, target, targetFilter)]));
  };
  return Array.from({ length: Math.max(1, jobs) }, () => ({ ...local, sumElsewhere, exclusive }));
}

/**
 * Judges each parent through its tree, children before parents, then hands it to `done` (a
 * parent missing on the target, or with other columns, was judged already and is only handed on).
 */
function judgeParents(srcTables: Map<string, VerifyTable>, parents: Set<string>, present: Set<string>, sides: TreeSides, done: (id: string) => void): void {
  const seen = new Set<string>();
  const judge = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    for (const k of sides.src.children(id)) judge(k.id);
    if (!parents.has(id)) return;
    const v = sides.verdict(id)!;
    if (present.has(id)) judgeThroughTree(srcTables.get(id)!, v, sides);
    done(id);
  };
  for (const id of srcTables.keys()) judge(id);
}
