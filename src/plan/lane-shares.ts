/**
 * How an incremental run's tables are shared among its lanes (slots read at once, see
 * src/cdc/stream-lanes.ts): how many lanes the source allows, which tables must share one, what
 * each table weighs, and the sharing itself. The precheck shows the same answer the run makes.
 */
import type pg from 'pg';
import { displayName } from '../pg/quote.js';

/**
 * How many lanes (slots read at once, src/cdc/stream-lanes.ts) a run asking for `n` gets, and why
 * fewer when the source or the spec cannot give them.
 */
export function lanesFor(n: number, sourceVersion: number, userPublication: boolean): { lanes: number; why?: string } {
  if (n <= 1) return { lanes: 1 };
  if (userPublication) return { lanes: 1, why: 'a publication of your own (--publication) is one publication: the run streams through one lane' };
  if (sourceVersion < 120000) return { lanes: 1, why: 'the source is older than PostgreSQL 12, which cannot copy a slot: the run streams through one lane' };
  return { lanes: n };
}

/**
 * Shares the tables out among `n` lanes so that each gets about the same weight (its writes):
 * heaviest first, each to the lane that has the least so far. Tables with the same `group` go
 * to one lane together, weighing their sum. Ties go by name, so the same inputs always give the
 * same lanes. No lane is left empty (n is at most the number of groups).
 */
export function shareTables<T extends { schema: string; name: string }>(tables: T[], weights: number[], n: number, group: (t: T) => string = (t) => displayName(t.schema, t.name)): T[][] {
  const groups = new Map<string, { members: T[]; w: number; k: string }>();
  tables.forEach((t, i) => {
    const g = group(t);
    const k = displayName(t.schema, t.name);
    const x = groups.get(g) ?? groups.set(g, { members: [], w: 0, k }).get(g)!;
    x.members.push(t);
    // a table that was never written still weighs a little, so idle tables are spread too
    x.w += Math.max(weights[i] ?? 0, 1);
    if (k < x.k) x.k = k;
  });
  const order = [...groups.values()].sort((a, b) => b.w - a.w || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  const lanes = Math.max(1, Math.min(n, order.length));
  const out: T[][] = Array.from({ length: lanes }, () => []);
  const load = new Array<number>(lanes).fill(0);
  for (const x of order) {
    // an empty lane first (so none stays empty), else the lightest, the lowest number on a tie
    let best = out.findIndex((l) => l.length === 0);
    if (best < 0) best = load.indexOf(Math.min(...load));
    out[best].push(...x.members);
    load[best] += x.w;
  }
  return out;
}

/**
 * Which tables must share a lane: those a foreign key links, directly or through others (and a
 * partition with its parents, when the family has one). A TRUNCATE of such tables must reach
 * the target as one statement: the target refuses to empty a referenced table alone, and a
 * CASCADE there would empty a table another lane may be ahead on. Returns a group name by
 * table oid; tables without a link are their own group.
 */
export function linkedGroups(relations: { oid: number; parents: { oid: number }[]; constraints: { type: string; relOid: number; refRelOid: number }[] }[]): Map<number, string> {
  const up = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    while (up.has(r) && up.get(r) !== r) r = up.get(r)!;
    up.set(x, r);
    return r;
  };
  const join = (a: number, b: number) => {
    const [ra, rb] = [find(a), find(b)];
    if (ra !== rb) up.set(Math.max(ra, rb), Math.min(ra, rb));
  };
  const linked = new Set<number>();
  for (const r of relations)
    for (const c of r.constraints)
      if (c.type === 'f' && c.refRelOid) {
        join(c.relOid, c.refRelOid);
        linked.add(c.relOid).add(c.refRelOid);
      }
  // a partition goes with its parents once any of the family is linked (a foreign key on a
  // partitioned table may be read on the parent only); repeated until no more joins
  for (let changed = true; changed; ) {
    changed = false;
    for (const r of relations)
      for (const p of r.parents)
        if ((linked.has(r.oid) || linked.has(p.oid)) && find(r.oid) !== find(p.oid)) {
          join(r.oid, p.oid);
          linked.add(r.oid).add(p.oid);
          changed = true;
        }
  }
  const out = new Map<number, string>();
  for (const r of relations) out.set(r.oid, `g${find(r.oid)}`);
  return out;
}

/** How long the source's write counts are watched to learn which tables it writes now. */
const SAMPLE_MS = 2_000;

/** Each table's writes since the source's statistics were reset: rows inserted, updated and deleted (any role may read them). */
async function cumulativeWrites(source: pg.ClientBase, tables: { schema: string; name: string }[]): Promise<number[]> {
  // a new snapshot of the statistics, not the one an earlier read in this session may have cached (15+)
  await source.query('SELECT pg_catalog.pg_stat_clear_snapshot()');
  const r = await source.query<{ i: number; w: string }>(
    `SELECT u.i::int AS i, COALESCE(s.n_tup_ins + s.n_tup_upd + s.n_tup_del, 0)::text AS w
       FROM ROWS FROM (pg_catalog.unnest($1::text[]), pg_catalog.unnest($2::text[])) WITH ORDINALITY AS u(s, t, i)
       LEFT JOIN pg_catalog.pg_stat_user_tables s ON s.schemaname = u.s AND s.relname = u.t`,
    [tables.map((t) => t.schema), tables.map((t) => t.name)],
  );
  const out = new Array<number>(tables.length).fill(0);
  for (const row of r.rows) out[row.i - 1] = Number(row.w);
  return out;
}

/**
 * What each table will have the walsender send: the rows the source writes to it now (its write
 * counts watched for two seconds), or, on a source that wrote nothing meanwhile, every write
 * since the statistics were reset (a bulk load long ago weighs as much as the writes of today:
 * the second best guess).
 */
export async function writeCounts(source: pg.ClientBase, tables: { schema: string; name: string }[], sampleMs = SAMPLE_MS): Promise<{ weights: number[]; basis: 'now' | 'since reset' }> {
  const before = await cumulativeWrites(source, tables);
  await new Promise((r) => setTimeout(r, sampleMs));
  const after = await cumulativeWrites(source, tables);
  const now = after.map((a, i) => Math.max(0, a - before[i]));
  return now.some((x) => x > 0) ? { weights: now, basis: 'now' } : { weights: after, basis: 'since reset' };
}

/** The relations' parts linkedGroups reads. */
type LinkedRelation = Parameters<typeof linkedGroups>[0][number] & { key: string };

/**
 * The tables shared among `n` lanes by the rows the source writes to them, tables a foreign key
 * links kept together; `basis` says which counts decided (see writeCounts).
 */
export async function shareByWrites<T extends { key: string; schema: string; name: string }>(source: pg.ClientBase, tables: T[], relations: LinkedRelation[], n: number): Promise<{ shares: T[][]; basis: 'now' | 'since reset' }> {
  const groups = linkedGroups(relations);
  const oids = new Map(relations.map((r) => [r.key, r.oid]));
  const { weights, basis } = await writeCounts(source, tables);
  return { shares: shareTables(tables, weights, n, (t) => groups.get(oids.get(t.key) ?? 0) ?? t.key), basis };
}
