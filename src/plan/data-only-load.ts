/**
 * A --data-only run loads into tables that exist, with whatever rights the target account has
 * there. Its privileges on them are checked before anything is written. When it may not set
 * session_replication_role (a superuser, or on 15+ a role granted SET on it), the tables'
 * foreign keys stay on and check each row as it arrives, so a referenced table must be loaded
 * (committed) before the tables that point at it, and emptied after them: the copy units go in
 * waves, a wave starting once every table of the waves before it is in. Tables on a cycle of
 * foreign keys cannot be ordered: they load in the last wave, and the plan says they may fail.
 */
import type pg from 'pg';
import type { Catalog, Relation } from '../catalog/model.js';
import { stageSteps, type CopyUnit, type Plan } from './plan-model.js';
import { displayName } from '../pg/quote.js';

export interface ForeignKeyOrder {
  /** Units in load order: every table a wave's tables reference is in an earlier wave (or its own table). */
  waves: CopyUnit[][];
  /** Units of tables that reference another table of the load, deepest first: emptied before anything loads. */
  emptyFirst: CopyUnit[];
  /** Tables on a cycle of foreign keys, or behind one (display names): they share the last wave. */
  cycle: string[];
}

/** Orders `units` by the foreign keys between their tables (source catalog: the target's schema is the same). */
export function foreignKeyOrder(cat: Catalog, units: CopyUnit[]): ForeignKeyOrder {
  const byOid = new Map(cat.relations.map((r) => [r.oid, r]));
  const byKey = new Map(cat.relations.map((r) => [r.key, r]));
  const unitTables = new Set(units.map((u) => u.key));
  // a key on a partitioned table covers its partitions, and one that points at it covers theirs
  const partitionAncestors = (r: Relation): Relation[] => {
    const up = r.isPartition ? byOid.get(r.parents[0]?.oid ?? 0) : undefined;
    return up ? [up, ...partitionAncestors(up)] : [];
  };
  const partitions = new Map<number, Relation[]>();
  for (const r of cat.relations) if (r.isPartition && r.parents[0]) partitions.set(r.parents[0].oid, [...(partitions.get(r.parents[0].oid) ?? []), r]);
  const leaves = (r: Relation): string[] => [...(unitTables.has(r.key) ? [r.key] : []), ...(partitions.get(r.oid) ?? []).flatMap(leaves)];
  const references = new Map<string, Set<string>>();
  for (const key of unitTables) {
    const r = byKey.get(key);
    if (!r) continue;
    const refs = new Set<string>();
    for (const c of [r, ...partitionAncestors(r)].flatMap((x) => x.constraints).filter((c) => c.type === 'f')) {
      const to = byOid.get(c.refRelOid);
      for (const leaf of to ? leaves(to) : []) if (leaf !== key) refs.add(leaf);
    }
    references.set(key, refs);
  }
  // waves by Kahn's algorithm over the tables; what is left is on (or behind) a cycle
  const level = new Map<string, number>();
  let remaining = [...unitTables];
  for (let wave = 0; remaining.length; wave++) {
    const ready = remaining.filter((k) => [...(references.get(k) ?? [])].every((d) => level.has(d) && level.get(d)! < wave));
    if (!ready.length) break;
    for (const k of ready) level.set(k, wave);
    remaining = remaining.filter((k) => !level.has(k));
  }
  const last = Math.max(-1, ...level.values()) + 1;
  for (const k of remaining) level.set(k, last);
  const waves: CopyUnit[][] = [];
  for (const u of units) (waves[level.get(u.key) ?? 0] ??= []).push(u);
  const ordered = waves.filter((w) => w?.length);
  const emptyFirst = units.filter((u) => (references.get(u.key)?.size ?? 0) > 0).sort((a, b) => (level.get(b.key) ?? 0) - (level.get(a.key) ?? 0));
  const cycle = remaining.map((k) => byKey.get(k)).filter((r): r is Relation => r !== undefined).map((r) => displayName(r.schema, r.name)).sort();
  return { waves: ordered, emptyFirst, cycle };
}

/** What the account may do to the existing tables a --data-only run loads. */
export interface DataOnlyRights {
  /** Keys of tables without TRUNCATE privilege but with DELETE: their rows are deleted instead (no FREEZE). */
  deleteRows: Set<string>;
  /** What the account cannot do at all: the run stops before it writes anything. */
  problems: string[];
}

/**
 * Checks, before anything is written, the privileges a --data-only load needs on the target's
 * existing objects: INSERT and TRUNCATE (or DELETE; DELETE where a foreign key points at the
 * table) on each table and no row-level security in force for the role there, UPDATE on each
 * sequence and on each large object the target has, ownership of each materialized view it
 * refreshes.
 */
export async function dataOnlyRights(target: pg.ClientBase, plan: Plan): Promise<DataOnlyRights> {
  const tables = [...new Map(plan.units.map((u) => [u.key, u])).values()];
  const t = await target.query<{ i: number; insert: boolean; truncate: boolean; delete: boolean; rls: boolean }>(
    `SELECT u.i, pg_catalog.has_table_privilege(c.oid, 'INSERT') AS insert, pg_catalog.has_table_privilege(c.oid, 'TRUNCATE') AS truncate,
            pg_catalog.has_table_privilege(c.oid, 'DELETE') AS delete, pg_catalog.row_security_active(c.oid) AS rls
       FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(s, n, i)
       JOIN pg_catalog.pg_namespace ns ON ns.nspname = u.s JOIN pg_catalog.pg_class c ON c.relnamespace = ns.oid AND c.relname = u.n`,
    [tables.map((u) => u.schema), tables.map((u) => u.table)],
  );
  const deleteRows = new Set<string>();
  const problems: string[] = [];
  for (const row of t.rows) {
    const u = tables[Number(row.i) - 1];
    // a table a foreign key points at cannot be truncated: its rows are deleted
    const lacks = [...(row.insert ? [] : ['INSERT']), ...(u.referenced ? (row.delete ? [] : ['DELETE']) : row.truncate || row.delete ? [] : ['TRUNCATE or DELETE'])];
    // an extension's configuration table and a referenced one are emptied with DELETE already
    if (!row.truncate && row.delete) deleteRows.add(u.key);
    if (lacks.length) problems.push(`table ${u.tableId}: no ${lacks.join(', ')}`);
    // COPY FROM refuses a table whose row-level security applies to the role (FORCE, for its owner)
    if (row.rls) problems.push(`table ${u.tableId}: row-level security applies to the role (COPY cannot load it: ALTER TABLE ... NO FORCE ROW LEVEL SECURITY for the load, or a role with BYPASSRLS)`);
  }
  const s = await target.query<{ name: string }>(
    `SELECT format('%I.%I', u.s, u.n) AS name FROM unnest($1::text[], $2::text[]) AS u(s, n)
       JOIN pg_catalog.pg_namespace ns ON ns.nspname = u.s JOIN pg_catalog.pg_class c ON c.relnamespace = ns.oid AND c.relname = u.n
      WHERE NOT pg_catalog.has_sequence_privilege(c.oid, 'UPDATE')`,
    [plan.sequences.map((x) => x.schema), plan.sequences.map((x) => x.name)],
  );
  problems.push(...s.rows.map((x) => `sequence ${x.name}: no UPDATE (its position cannot be set)`));
  const views = stageSteps(plan, 'refreshes').map((r) => r.sql[0].replace(/^REFRESH MATERIALIZED VIEW /, ''));
  const m = await target.query<{ name: string }>(
    `SELECT v AS name FROM unnest($1::text[]) AS v
      WHERE pg_catalog.to_regclass(v) IS NOT NULL
        AND NOT pg_catalog.pg_has_role((SELECT relowner FROM pg_catalog.pg_class WHERE oid = pg_catalog.to_regclass(v)), 'USAGE')`,
    [views],
  );
  problems.push(...m.rows.map((x) => `materialized view ${x.name}: not its owner (REFRESH needs the owner)`));
  // a large object the target has is emptied and rewritten in place: UPDATE on it (its owner's, a grant's)
  const lo = await target.query<{ oid: string }>(
    `SELECT m.oid::int8 AS oid FROM pg_catalog.pg_largeobject_metadata m
      WHERE m.oid = ANY($1::oid[]) AND pg_catalog.current_setting('lo_compat_privileges') = 'off'
        AND NOT pg_catalog.pg_has_role(m.lomowner, 'USAGE')
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.aclexplode(m.lomacl) a
                         WHERE a.privilege_type = 'UPDATE' AND (a.grantee = 0 OR pg_catalog.pg_has_role(a.grantee, 'USAGE')))
      ORDER BY 1 LIMIT 20`,
    [plan.largeObjects.map((x) => x.oid)],
  );
  problems.push(...lo.rows.map((x) => `large object ${x.oid}: no UPDATE (it exists on the target and is rewritten in place)`));
  return { deleteRows, problems };
}

/** The plan's notes for a --data-only run: how foreign keys and triggers are treated, and what fell back. */
export function dataOnlyNotes(user: string, checksOff: boolean, order: ForeignKeyOrder | undefined, deleteRows: number): string[] {
  const notes: string[] = [];
  if (deleteRows) notes.push(`--data-only: ${deleteRows} table(s) have no TRUNCATE privilege for ${user}: their rows are deleted instead (no COPY FREEZE)`);
  if (checksOff || !order) return notes;
  notes.push(
    `--data-only: ${user} may not set session_replication_role (a superuser may, or on 15+ GRANT SET ON PARAMETER session_replication_role TO ${user}): ` +
      `foreign keys stay on and triggers fire as rows arrive; tables load in ${order.waves.length} wave(s), referenced tables first, and tables that reference others are emptied first`,
  );
  if (order.cycle.length) notes.push(`--data-only: tables on (or behind) a cycle of foreign keys load together and may fail their keys: ${order.cycle.join(', ')}`);
  return notes;
}
