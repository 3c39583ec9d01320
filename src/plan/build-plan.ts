/**
 * Turns a Catalog into a Plan: pre-data DDL in dependency order, copy units largest first, and
 * the post-data stages (indexes, foreign keys, triggers, refreshes, sequences, ANALYZE).
 */
import type { Catalog, IndexObj, Relation, SequenceObj } from '../catalog/model.js';
import { dependencySort } from '../ddl/dependency-sort.js';
import type { OwnershipContext } from '../ddl/common.js';
import { renderComposite, renderDomain, renderEnum, renderExtension, renderSchema } from '../ddl/render-types.js';
import { renderAggregate, renderFunction } from '../ddl/render-functions.js';
import { renderSequence, renderSequenceOwnedBy, renderTable, renderView } from '../ddl/render-relations.js';
import {
  renderConstraint,
  renderIndex,
  renderIndexAttach,
  renderTableIndexSettings,
  renderTrigger,
} from '../ddl/render-post-data.js';
import type { CopyUnit, DdlStep, Plan } from './plan-model.js';
import { displayIdent, displayName, qualified } from '../pg/quote.js';

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

/** Sets each step's level from the steps before it that it depends on (cycle-broken edges are ignored). */
function assignLevels(steps: DdlStep[], edges: [string, string][]): void {
  const position = new Map(steps.map((s, i) => [s.key, i]));
  const deps = new Map<string, string[]>();
  for (const [from, to] of edges) {
    if (!position.has(from) || !position.has(to) || from === to) continue;
    if (!deps.has(from)) deps.set(from, []);
    deps.get(from)!.push(to);
  }
  const level = new Map<string, number>();
  for (const s of steps) {
    let l = 0;
    for (const d of deps.get(s.key) ?? []) if (position.get(d)! < position.get(s.key)!) l = Math.max(l, level.get(d)! + 1);
    level.set(s.key, l);
    s.level = l;
  }
}

export interface PlanOptions {
  /** Split large tables into block-range slices (source 14+, more than one job). */
  slicing?: { enabled: boolean; jobs: number; minBytes?: number };
  ownership: OwnershipContext;
  /** Schemas that already exist on the target (e.g. public), with their owners. */
  targetSchemas: Map<string, string>;
}

// Rough pg_dump order for objects that do not depend on each other.
const PRIORITY: Record<string, number> = {
  schema: 1, extension: 1.5, enum: 2, composite: 3, domain: 3, function: 4, aggregate: 5, sequence: 6, table: 7,
  view: 8, 'materialized view': 9, 'sequence owner': 10,
};

interface Node extends DdlStep {
  priority: number;
}

/** Builds the plan for every object of the catalog. */
export function buildPlan(cat: Catalog, opts: PlanOptions): Plan {
  const own = opts.ownership;
  const nodes: Node[] = [];
  const add = (key: string, kind: string, name: string, sql: string[]) =>
    nodes.push({ key, kind, name, sql, priority: PRIORITY[kind] });
  const dn = (o: { schema: string; name: string }) => displayName(o.schema, o.name);

  for (const s of cat.schemas) add(s.key, 'schema', displayIdent(s.name), renderSchema(s, own, opts.targetSchemas.get(s.name)));
  for (const e of cat.extensions) add(e.key, 'extension', displayIdent(e.name), renderExtension(e));
  for (const t of cat.enums) add(t.key, 'enum', dn(t), renderEnum(t, own));
  for (const t of cat.composites) add(t.key, 'composite', dn(t), renderComposite(t, own));
  for (const t of cat.domains) add(t.key, 'domain', dn(t), renderDomain(t, own));
  for (const f of cat.functions) add(f.key, 'function', `${dn(f)}(${f.identityArgs})`, renderFunction(f, own));
  for (const a of cat.aggregates) add(a.key, 'aggregate', `${dn(a)}(${a.identityArgs})`, renderAggregate(a, own));

  const identitySeqs = new Map<string, SequenceObj>();
  const extraEdges: [string, string][] = [];
  for (const s of cat.sequences) {
    if (s.identity && s.ownedBy) {
      identitySeqs.set(`${s.ownedBy.tableOid}:${s.ownedBy.column}`, s);
      continue;
    }
    add(s.key, 'sequence', dn(s), renderSequence(s, own));
    if (s.ownedBy) {
      const k = `${s.key}:owned`;
      add(k, 'sequence owner', dn(s), renderSequenceOwnedBy(s));
      extraEdges.push([k, s.key], [k, `pg_class:${s.ownedBy.tableOid}`]);
    }
  }

  const relByOid = new Map(cat.relations.map((r) => [r.oid, r]));
  for (const r of cat.relations) {
    if (r.relkind === 'r' || r.relkind === 'p') add(r.key, 'table', dn(r), renderTable(r, identitySeqs, own));
    else add(r.key, r.relkind === 'm' ? 'materialized view' : 'view', dn(r), renderView(r, own));
    for (const p of r.parents) extraEdges.push([r.key, `pg_class:${p.oid}`]);
  }

  const edges = [...cat.depends, ...extraEdges];
  const preData = dependencySort(nodes, edges).map(({ priority: _p, ...step }) => step);
  assignLevels(preData, edges);
  const stepByKey = new Map(preData.map((s) => [s.key, s]));
  for (const r of cat.relations) {
    // partitions and inheritance children lock their parent: keep siblings on one connection
    const step = stepByKey.get(r.key);
    if (step && r.parents.length) step.lockGroup = `pg_class:${r.parents[0].oid}`;
  }

  // ---- data: leaf tables, largest first
  const referenced = new Set(cat.relations.flatMap((r) => r.constraints.filter((c) => c.type === 'f').map((c) => c.refRelOid)));
  const partitionRoots = (oid: number): number[] => {
    const rel = relByOid.get(oid);
    return rel ? [oid, ...rel.parents.flatMap((p) => partitionRoots(p.oid))] : [oid];
  };
  const tables = cat.relations.filter((r) => r.relkind === 'r');
  const sliceBytes = sliceSize(tables.reduce((a, r) => a + r.bytes, 0), opts.slicing);
  const units: CopyUnit[] = tables
    .flatMap((r) => {
      const cols = r.columns.filter((c) => c.generated === '');
      const whole: CopyUnit = {
        id: displayName(r.schema, r.name),
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

  // ---- post-data
  const parentIndexes: DdlStep[] = [];
  const indexes: DdlStep[] = [];
  const indexFinish: DdlStep[] = [];
  const foreignKeys: DdlStep[] = [];
  const indexesByRel = new Map<number, IndexObj[]>();
  for (const i of cat.indexes) {
    if (!indexesByRel.has(i.relOid)) indexesByRel.set(i.relOid, []);
    indexesByRel.get(i.relOid)!.push(i);
  }
  const sizeOf = (rel: Relation | undefined) => rel?.bytes ?? 0;

  for (const r of cat.relations) {
    for (const c of r.constraints) {
      const step: DdlStep = { key: c.key, kind: 'constraint', name: `${displayIdent(c.name)} on ${dn(r)}`, sql: renderConstraint(c, r), weight: sizeOf(r) };
      if (r.relkind === 'r') step.table = dn(r);
      if (c.type === 'f' || (c.type === 'c' && !c.validated && c.isLocal)) foreignKeys.push(step);
      else if (c.type === 'p' || c.type === 'u' || c.type === 'x') (r.relkind === 'p' ? parentIndexes : indexes).push(step);
    }
  }
  for (const i of cat.indexes) {
    if (i.constraintOid !== null) continue;
    const rel = relByOid.get(i.relOid);
    const step: DdlStep = { key: i.key, kind: 'index', name: dn(i), sql: renderIndex(i), weight: i.tableBytes };
    if (rel?.relkind === 'r') step.table = dn(rel);
    (i.partitioned ? parentIndexes : indexes).push(step);
  }
  // attach leaves before the partitioned indexes of intermediate levels
  const attachable = cat.indexes.filter((i) => i.parentIndex).sort((a, b) => Number(a.partitioned) - Number(b.partitioned));
  for (const i of attachable) indexFinish.push({ key: `${i.key}:attach`, kind: 'index attach', name: dn(i), sql: renderIndexAttach(i) });
  for (const [relOid, list] of indexesByRel) {
    const rel = relByOid.get(relOid);
    if (!rel) continue;
    const sql = renderTableIndexSettings(rel, list);
    if (sql.length) indexFinish.push({ key: `${rel.key}:index-settings`, kind: 'table settings', name: dn(rel), sql });
  }
  indexes.sort((a, b) => (b.weight ?? 0) - (a.weight ?? 0));
  foreignKeys.sort((a, b) => (b.weight ?? 0) - (a.weight ?? 0));

  const triggers = cat.triggers.map((t) => ({ key: t.key, kind: 'trigger', name: `${displayIdent(t.name)} on ${displayName(t.schema, t.table)}`, sql: renderTrigger(t) }));
  const refreshes = preData
    .filter((s) => s.kind === 'materialized view')
    .map((s) => relByOid.get(Number(s.key.split(':')[1]))!)
    .filter((r) => r.populated)
    .map((r) => ({ key: `${r.key}:refresh`, kind: 'refresh', name: dn(r), sql: [`REFRESH MATERIALIZED VIEW ${qualified(r.schema, r.name)}`] }));

  return {
    preData,
    units,
    parentIndexes,
    indexes,
    indexFinish,
    foreignKeys,
    triggers,
    refreshes,
    sequences: cat.sequences.map((s) => ({ schema: s.schema, name: s.name })),
    analyze: cat.relations
      .filter((r) => r.relkind === 'r' || r.relkind === 'm')
      .map((r) => ({ schema: r.schema, name: r.name, bytes: r.bytes }))
      .sort((a, b) => b.bytes - a.bytes),
    skipped: cat.skipped,
  };
}
