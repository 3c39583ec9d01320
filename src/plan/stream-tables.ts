/**
 * What an incremental migration streams: the tables the plan copies whose changes logical
 * decoding can carry, each with where its changes go on the target (after the renames) and the
 * replica identity that lets the source publish its UPDATEs and DELETEs; and what it cannot keep
 * in step, with the reason. The precheck and the run read the same answer.
 */
import type { Catalog, Relation } from '../catalog/model.js';
import { displayName } from '../pg/quote.js';
import { NameMapper, type NameMapping } from './name-mapping.js';
import { stageSteps, type Plan } from './plan-model.js';

/** How the source names the old row of an UPDATE or DELETE; `none`: publishing it would make those fail on the source. */
export type IdentityKind = 'primary key' | 'index' | 'full' | 'none';

export interface StreamTable {
  key: string;
  /** The source table (a leaf: a partitioned table's changes arrive per partition). */
  schema: string;
  name: string;
  /** Where its changes go: the target's names after the renames. */
  target: { schema: string; name: string };
  /** Source columns the copy moves, each with its name on the target. */
  columns: Map<string, string>;
  /** Every source column when the catalog was read (a column outside it is a schema change). */
  known: Set<string>;
  identity: IdentityKind;
}

/** A streamed table as a job carries it (JSON: its maps as pairs), to a lane applied elsewhere. */
export interface WireStreamTable {
  key: string;
  schema: string;
  name: string;
  target: { schema: string; name: string };
  columns: [string, string][];
  known: string[];
  identity: IdentityKind;
}

export const streamTableToWire = (t: StreamTable): WireStreamTable => ({ ...t, columns: [...t.columns], known: [...t.known] });
export const streamTableFromWire = (t: WireStreamTable): StreamTable => ({ ...t, columns: new Map(t.columns), known: new Set(t.known) });

export interface StreamScope {
  tables: StreamTable[];
  /** Tables without a replica identity (in `tables` too): the run and the precheck refuse them unless set to FULL. */
  noIdentity: StreamTable[];
  /** Materialized views the plan populates, by their target names: refreshed again at cutover. */
  refresh: { schema: string; name: string }[];
  /** What the plan copies that is not kept in step after the copy, with the reason. */
  notStreamed: { name: string; reason: string }[];
}

/** The plan's streamed tables and what stays as copied. */
export function streamScope(cat: Catalog, plan: Plan, mapping: NameMapping | undefined): StreamScope {
  const mapper = new NameMapper(mapping);
  const byKey = new Map(cat.relations.map((r) => [r.key, r]));
  const tables = new Map<string, StreamTable>();
  const notStreamed: StreamScope['notStreamed'] = [];
  for (const u of plan.units) {
    const rel = byKey.get(u.key);
    if (!rel || tables.has(rel.key) || notStreamed.some((n) => n.name === displayName(rel.schema, rel.name))) continue;
    const name = displayName(rel.schema, rel.name);
    if (rel.persistence === 'u') notStreamed.push({ name, reason: 'an unlogged table is not in logical decoding: copied once, not kept in step' });
    else if (u.filter !== undefined) notStreamed.push({ name, reason: "an extension's configuration table: its selected rows are copied once, not kept in step" });
    else if (rel.relkind === 'f') notStreamed.push({ name, reason: 'a foreign table is not in logical decoding' });
    else
      tables.set(rel.key, {
        key: rel.key,
        schema: rel.schema,
        name: rel.name,
        target: mapper.table(rel.schema, rel.name),
        columns: new Map(u.columns.map((c) => [c, mapper.column(rel.schema, rel.name, c)])),
        known: new Set(rel.columns.map((c) => c.name)),
        identity: identityOf(rel, cat),
      });
  }
  if (plan.largeObjects.length) notStreamed.push({ name: `${plan.largeObjects.length} large object(s)`, reason: 'large objects are not in logical decoding: copied again at cutover, inside the downtime' });
  const refresh: StreamScope['refresh'] = [];
  for (const step of stageSteps(plan, 'refreshes')) {
    const rel = byKey.get(step.key.replace(/:refresh$/, ''));
    if (!rel) continue;
    refresh.push(mapper.table(rel.schema, rel.name));
    notStreamed.push({ name: step.name, reason: 'a materialized view: refreshed again at cutover' });
  }
  const list = [...tables.values()];
  return { tables: list, noIdentity: list.filter((t) => t.identity === 'none'), refresh, notStreamed };
}

function identityOf(rel: Relation, cat: Catalog): IdentityKind {
  switch (rel.replicaIdentity) {
    case 'f':
      return 'full';
    case 'i':
      return cat.indexes.some((i) => i.relOid === rel.oid && i.replicaIdentity) ? 'index' : 'none';
    case 'd':
      return rel.constraints.some((c) => c.type === 'p') ? 'primary key' : 'none';
    default:
      return 'none';
  }
}
