/**
 * Compares source and target: the same tables with the same columns, row counts and checksums
 * (per key range, so a mismatch names where), and the same sequence positions.
 */
import type pg from 'pg';
import type { ConnInfo } from '../config/conninfo.js';
import { connect, serverVersionNum } from '../pg/connect.js';
import { displayName } from '../pg/quote.js';
import { runPool } from '../copy/worker-pool.js';
import { readSequenceValues, type SequenceValue } from '../copy/sequence-values.js';
import { deniedLargeObjects } from '../catalog/source-access.js';
import { listSequences, listTables, type VerifyTable } from './table-inventory.js';
import { describeRange, keyRanges, rangeChecksum } from './table-checksum.js';
import { columnMatcher, selectionMatchers, selects, type Selection } from '../plan/selection.js';
import { NameMapper, type NameMapping } from '../plan/name-mapping.js';

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

export interface TableVerdict {
  table: string;
  ok: boolean;
  sourceRows: number | null;
  targetRows: number | null;
  ranges: number;
  problems: string[];
}

export interface VerifyReport {
  ok: boolean;
  tables: TableVerdict[];
  sequences: { sequence: string; ok: boolean; source: string | null; target: string | null }[];
  /** Large objects on the source, and each difference found. */
  largeObjects: { count: number; problems: string[] };
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

/** What a sequence's or table's report says when a side's role may not read it. */
const UNREADABLE = 'not readable by the role (needs USAGE on the schema and SELECT; row-level security must not hide rows)';

export interface VerifyOptions {
  source: ConnInfo;
  target: ConnInfo;
  jobs: number;
  /** Compare only the selected schemas, tables and columns (what a selective migration moved). */
  selection?: Selection;
  /** Compare each source table with the table it was mapped to. */
  mapping?: NameMapping;
  rowsPerRange?: number;
  onTable?: (v: TableVerdict) => void;
}

/** Pins every setting that changes how values print, the same on both sides. */
async function pinSettings(c: pg.Client, extraFloatDigits: number): Promise<void> {
  await c.query(
    "SELECT pg_catalog.set_config('DateStyle', 'ISO, MDY', false), pg_catalog.set_config('TimeZone', 'UTC', false)," +
      " pg_catalog.set_config('IntervalStyle', 'postgres', false), pg_catalog.set_config('bytea_output', 'hex', false)," +
      ` pg_catalog.set_config('extra_float_digits', '${extraFloatDigits}', false), pg_catalog.set_config('statement_timeout', '0', false),` +
      " pg_catalog.set_config('search_path', 'pg_catalog', false)",
  );
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
    // float text output changed in 12: compare arrays of floats at 15 digits across that line
    const efd = sv >= 120000 === tv >= 120000 ? 3 : 0;
    await Promise.all([pinSettings(src, efd), pinSettings(dst, efd)]);
    const selected = opts.selection && selects(opts.selection) ? selectionMatchers(opts.selection).table : () => true;
    const keepColumn = opts.selection ? columnMatcher(opts.selection) : () => true;
    const mapper = new NameMapper(opts.mapping);
    // a target table is in scope when the selected source table it maps back to is
    const selectedOnTarget = (schema: string, name: string) => {
      const s = mapper.sourceOf(schema, name);
      return selected(s.schema, s.name);
    };
    const [allSrc, allDst] = await Promise.all([listTables(src), listTables(dst)]);
    const srcTables = new Map([...allSrc].filter(([, t]) => selected(t.schema, t.name)));
    const dstTables = new Map([...allDst].filter(([, t]) => selectedOnTarget(t.schema, t.name)));
    const expected = new Map([...srcTables.values()].map((t) => [t.id, expectedOnTarget(t, keepColumn, mapper)]));
    const mappedIds = new Set([...expected.values()].map((e) => e.target.id));
    const tables: TableVerdict[] = [];
    const report = (v: TableVerdict) => {
      tables.push(v);
      opts.onTable?.(v);
    };
    for (const id of dstTables.keys()) {
      if (!mappedIds.has(id)) report({ table: id, ok: false, sourceRows: null, targetRows: null, ranges: 0, problems: ['extra in target'] });
    }
    const common: { source: VerifyTable; target: VerifyTable; label: string }[] = [];
    for (const [id, e] of expected) {
      const label = e.target.id === id ? id : `${id} → ${e.target.id}`;
      const d = dstTables.get(e.target.id);
      if (!d) {
        report({ table: label, ok: false, sourceRows: null, targetRows: null, ranges: 0, problems: ['missing in target'] });
        continue;
      }
      const sc = e.target.columns.map((c) => `${c.name} ${c.type}`).join(', ');
      const dc = d.columns.map((c) => `${c.name} ${c.type}`).join(', ');
      if (sc !== dc) {
        report({ table: label, ok: false, sourceRows: null, targetRows: null, ranges: 0, problems: [`columns differ: source (${sc}), target (${dc})`] });
        continue;
      }
      const blind = [e.source.readable ? '' : 'source', d.readable ? '' : 'target'].filter(Boolean);
      if (blind.length) {
        report({ table: label, ok: false, sourceRows: null, targetRows: null, ranges: 0, problems: [`${blind.join(' and ')}: ${UNREADABLE}`] });
        continue;
      }
      common.push({ ...e, label });
    }
    common.sort((a, b) => b.source.estimatedRows - a.source.estimatedRows);
    const jobs = Math.max(1, Math.min(opts.jobs, common.length));
    const lanes = await Promise.all(
      Array.from({ length: jobs }, async () => {
        const [s, d] = await Promise.all([open(opts.source, 'source'), open(opts.target, 'target')]);
        await Promise.all([pinSettings(s, efd), pinSettings(d, efd)]);
        return { s, d };
      }),
    );
    await runPool(common, jobs, async ({ source: t, target: tt, label }, w) => {
      const { s, d } = lanes[w];
      const ranges = await keyRanges(s, t, opts.rowsPerRange ?? 1_000_000);
      const v: TableVerdict = { table: label, ok: true, sourceRows: 0, targetRows: 0, ranges: ranges.length, problems: [] };
      for (const range of ranges) {
        const [a, b] = await Promise.all([rangeChecksum(s, t, range), rangeChecksum(d, tt, range)]);
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
      report(v);
    });

    const [allSs, allDs] = await Promise.all([listSequences(src), listSequences(dst)]);
    const ss = allSs.filter((s) => selected(s.schema, s.name));
    const ds = allDs.filter((s) => selectedOnTarget(s.schema, s.name));
    const readable = <T extends { readable: boolean }>(list: T[]) => list.filter((s) => s.readable);
    const [sVals, dVals] = await Promise.all([readSequenceValues(src, readable(ss)), readSequenceValues(dst, readable(ds))]);
    const fmt = (v: { lastValue: string; isCalled: boolean }) => `${v.lastValue}${v.isCalled ? '' : ' (not called)'}`;
    // each sequence's position as text, or why the role could not read it
    const shown = (vals: SequenceValue[], all: { schema: string; name: string; readable: boolean }[]) => [
      ...vals.map((v) => ({ schema: v.schema, name: v.name, text: fmt(v) })),
      ...all.filter((s) => !s.readable).map((s) => ({ schema: s.schema, name: s.name, text: UNREADABLE })),
    ];
    // compared under the source's names
    const dMap = new Map(shown(dVals, ds).map((v) => {
      const s = mapper.sourceOf(v.schema, v.name);
      return [displayName(s.schema, s.name), v.text];
    }));
    const sMap = new Map(shown(sVals, ss).map((v) => [displayName(v.schema, v.name), v.text]));
    const sequences = [...new Set([...sMap.keys(), ...dMap.keys()])].sort().map((k) => {
      const a = sMap.get(k) ?? null;
      const b = dMap.get(k) ?? null;
      return { sequence: k, ok: a !== null && a === b && a !== UNREADABLE, source: a, target: b };
    });
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
    tables.sort((a, b) => a.table.localeCompare(b.table));
    return {
      ok: tables.every((t) => t.ok) && sequences.every((s) => s.ok) && largeObjects.problems.length === 0,
      tables,
      sequences,
      largeObjects,
      seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    finished = true;
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
  }
}
