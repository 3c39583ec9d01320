/**
 * Turns a Catalog into a Plan: pre-data DDL in dependency order, copy units largest first, and
 * the post-data stages (indexes, foreign keys, triggers, refreshes, sequences, ANALYZE).
 */
import type { Catalog, IndexObj, Relation, SequenceObj, SkippedObject } from '../catalog/model.js';
import { dependencySort, nodesOnCycles } from '../ddl/dependency-sort.js';
import { lonePartitionsError, resolveSelection, selects, type Selection } from './selection.js';
import { applyTreeSelection } from './relation-trees.js';
import { incompatibilities } from './compatibility.js';
import { skipClosure } from './skip-closure.js';
import { applyColumnSelection } from './column-selection.js';
import { mappingNotes, renameStep, renamesAnything, type NameMapping } from './name-mapping.js';
import { attachDeps } from './step-deps.js';
import { analyzeTargets } from './analyze-targets.js';
import { extensionConfigData } from './extension-config-data.js';
import { commentOn, type OwnershipContext } from '../ddl/common.js';
import { OwnerRights } from '../ddl/owner-rights.js';
import type { TargetAccount } from '../pg/target-account.js';
import { accountSkips, asAccountMay } from './account-limits.js';
import { renderComposite, renderDomain, renderDomainConstraint, renderEnum, renderExtension, renderSchema } from '../ddl/render-types.js';
import { renderAggregate, renderFunction } from '../ddl/render-functions.js';
import { renderBaseType, renderCollation, renderRange, renderShellType } from '../ddl/render-types-more.js';
import { operatorSignature, renderCast, renderOpClass, renderOpFamily, renderOpFamilyMembers, renderOperator, renderProcedural } from '../ddl/render-operators.js';
import { renderTextSearch } from '../ddl/render-text-search.js';
import { renderPolicy, renderRowSecurity, renderRule, renderStatistics } from '../ddl/render-table-extras.js';
import {
  renderDefaultPrivileges,
  renderEventTrigger,
  renderForeignData,
  renderLargeObject,
  renderPublication,
  renderSystemPrivileges,
} from '../ddl/render-database-objects.js';
import { renderCheckConstraint, renderSequence, renderSequenceOwnedBy, renderTable, renderView, renderViewDefinition } from '../ddl/render-relations.js';
import {
  renderConstraint,
  renderIndex,
  renderIndexAttach,
  renderTableIndexSettings,
  renderTrigger,
} from '../ddl/render-post-data.js';
import type { CopyUnit, DdlStep, Plan } from './plan-model.js';
import { displayIdent, displayName, ident, qualified } from '../pg/quote.js';

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

/**
 * Ordering edges that put whatever else needs a table in pre-data (a view reading it, a child
 * inheriting it, a sequence owned by it) after the keys and indexes of it that moved there.
 * ADD CONSTRAINT holds ACCESS EXCLUSIVE on the table until its level commits, so a view over two
 * such tables, on another connection of the same level, could wait for one session while that
 * session waits for the view's. Only ordering: an index left out does not leave out the view. No
 * edge where the index itself needs the dependent (an expression index calling a function that
 * takes the table's row type): that would be a cycle.
 */
function afterMovedIndexes(edges: [string, string][], movedByTable: Map<string, string[]>): [string, string][] {
  if (movedByTable.size === 0) return [];
  const needs = new Map<string, string[]>();
  for (const [from, to] of edges) {
    if (!needs.has(from)) needs.set(from, []);
    needs.get(from)!.push(to);
  }
  // everything a moved step needs, directly or not: computed once a step, not once a dependent
  const ancestors = new Map<string, Set<string>>();
  const needed = (step: string): Set<string> => {
    let seen = ancestors.get(step);
    if (seen) return seen;
    seen = new Set<string>();
    const stack = [step];
    while (stack.length) {
      for (const next of needs.get(stack.pop()!) ?? []) {
        if (seen.has(next)) continue;
        seen.add(next);
        stack.push(next);
      }
    }
    ancestors.set(step, seen);
    return seen;
  };
  const moved = new Set([...movedByTable.values()].flat());
  const out: [string, string][] = [];
  for (const [from, to] of edges) {
    const steps = movedByTable.get(to);
    if (!steps || moved.has(from)) continue;
    for (const step of steps) if (!needed(step).has(from)) out.push([from, step]);
  }
  return out;
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
  /** Create the source's publications (off by default: a publication starts logical replication duties). */
  publications?: boolean;
  /** The target's major version, when known: what it lacks is skipped or noted before anything runs. */
  targetMajor?: number;
  /** Extension versions the target can install, by extension (unknown: VERSION is left out). */
  targetExtensions?: Map<string, string[]>;
  /** Schemas, tables and columns to migrate (default: all). */
  selection?: Selection;
  /**
   * Partitions selected without their partitioned table (and without
   * selection.partitionsAsTables): 'refuse' throws PGFERRY_E_USAGE before anything runs (the
   * default); 'leave-out' plans without them, for the precheck, which fails on them itself.
   */
  lonePartitions?: 'refuse' | 'leave-out';
  /** New names on the target for schemas, tables and columns (applied at the very end). */
  mapping?: NameMapping;
  /** No data phase (--schema-only): every table counts as empty. */
  noData?: boolean;
  /** Build empty and small tables' keys and indexes in pre-data (default true). */
  indexesWithEmptyTables?: boolean;
  /**
   * What the target account may do: owners it cannot keep stay with it, objects only a
   * superuser may create are skipped (absent: every owner is kept, nothing is skipped for it).
   */
  account?: TargetAccount;
}

// Rough pg_dump order for objects that do not depend on each other.
/** From this size of either table a foreign key is added NOT VALID and validated apart (see below). */
const VALIDATE_APART_BYTES = 8 * 1024 * 1024;
/**
 * Up to this many rows (and this size: reltuples can be 0 or -1 on a table never analyzed) a
 * table's plain-column keys and indexes are built before its rows arrive (see below).
 */
const INDEX_BEFORE_DATA_ROWS = 2000;
const INDEX_BEFORE_DATA_BYTES = 256 * 1024;

const PRIORITY: Record<string, number> = {
  schema: 1, 'foreign-data wrapper': 1.2, 'foreign server': 1.3, 'user mapping': 1.4, extension: 1.5, collation: 1.7,
  'shell type': 1.8, enum: 2, composite: 3, domain: 3, 'range type': 3, function: 4, 'base type': 4.2, aggregate: 5,
  operator: 5.1, 'operator family': 5.2, 'operator class': 5.3, 'operator family members': 5.4, cast: 5.5,
  'text search parser': 5.6, 'text search template': 5.6, 'text search dictionary': 5.7, 'text search configuration': 5.8,
  sequence: 6, table: 7, 'foreign table': 7, 'check constraint': 7.5, view: 8, 'materialized view': 9, 'sequence owner': 10,
  'large object': 11, 'view definition': 8.5, index: 7.2, constraint: 7.2, language: 1.6, 'access method': 1.6, transform: 5.9, conversion: 5.9,
};

interface Node extends DdlStep {
  priority: number;
}

/** Builds the plan for every object of the catalog. */
export function buildPlan(sourceCatalog: Catalog, opts: PlanOptions): Plan {
  // columns the selection leaves out are gone from the catalog the plan is built from
  const columns = applyColumnSelection(sourceCatalog, opts.selection);
  // partitions and inheritance children follow their parent; one selected alone stands alone
  const selection = selects(opts.selection) ? resolveSelection(columns.catalog, opts.selection) : undefined;
  if (selection?.lonePartitions.length && opts.lonePartitions !== 'leave-out') throw lonePartitionsError(selection.lonePartitions);
  const cat = selection ? applyTreeSelection(columns.catalog, selection.trees) : columns.catalog;
  const rights = opts.account ? new OwnerRights(opts.account) : undefined;
  const own: OwnershipContext = { ...opts.ownership, sourceMajor: Math.floor(cat.serverVersionNum / 10000), targetMajor: opts.targetMajor, rights };
  // the schemas' owners and CREATE grants first: an object's new owner needs CREATE in its schema
  rights?.planSchemas(cat.schemas, opts.targetSchemas, own.applyOwners, own.applyPrivileges !== false);
  const nodes: Node[] = [];
  const presetSkips: SkippedObject[] = [];
  const add = (key: string, kind: string, name: string, sql: string[]) =>
    nodes.push({ key, kind, name, sql, priority: PRIORITY[kind] });
  const dn = (o: { schema: string; name: string }) => displayName(o.schema, o.name);

  for (const s of cat.schemas) add(s.key, 'schema', displayIdent(s.name), renderSchema(s, own, opts.targetSchemas.get(s.name)));
  const notes: string[] = [];
  for (const e of cat.extensions) {
    const versions = opts.targetExtensions?.get(e.name);
    // an extension the target has already takes a comment only from a role that owns it there
    const installedBy = opts.account?.installedExtensions.get(e.name);
    add(e.key, 'extension', displayIdent(e.name), renderExtension(e, versions, { comment: installedBy === undefined || rights?.actsAs(installedBy) !== false }));
    if (opts.targetExtensions && !versions) notes.push(`extension ${e.name} is not available on the target: install its package there, or objects that use it fail`);
    else if (versions && !versions.includes(e.version)) notes.push(`extension ${e.name} ${e.version} is not available on the target: its default version is installed instead`);
  }
  for (const s of incompatibilities(cat, opts.targetMajor)) {
    if (s.key) presetSkips.push(s);
    else notes.push(`${s.kind} ${s.name}: ${s.reason}`);
  }
  // what only a superuser may create, when the account is not one
  const rightsSkips = accountSkips(cat, opts.account, { publications: opts.publications, applyPrivileges: own.applyPrivileges !== false });
  presetSkips.push(...rightsSkips);
  for (const t of cat.enums) add(t.key, 'enum', dn(t), renderEnum(t, own));
  for (const t of cat.composites) add(t.key, 'composite', dn(t), renderComposite(t, own));
  for (const t of cat.domains) add(t.key, 'domain', dn(t), renderDomain(t, own));
  // attributes only a superuser may set are dropped, with a note unless the function is skipped anyway
  const changedFunctions: { key: string; note: string }[] = [];
  for (const f of cat.functions) add(f.key, 'function', `${dn(f)}(${f.identityArgs})`, renderFunction(asAccountMay(f, opts.account, (note) => changedFunctions.push({ key: f.key, note })), own));
  for (const a of cat.aggregates) add(a.key, 'aggregate', `${dn(a)}(${a.identityArgs})`, renderAggregate(a, own));
  for (const c of cat.collations) add(c.key, 'collation', dn(c), renderCollation(c, own));
  for (const r of cat.ranges) add(r.key, 'range type', dn(r), renderRange(r, own));
  const extraEdges: [string, string][] = [];
  // a base type and its I/O functions refer to each other: the functions are declared against a
  // shell type, which CREATE TYPE then completes
  const shellOf = new Map<string, string>();
  for (const t of cat.baseTypes) {
    const shell = `${t.key}:shell`;
    if (!t.defined) {
      add(t.key, 'shell type', dn(t), renderShellType(t));
      continue;
    }
    add(shell, 'shell type', dn(t), renderShellType(t));
    add(t.key, 'base type', dn(t), renderBaseType(t, own));
    extraEdges.push([t.key, shell]);
    for (const f of t.ioFunctions) shellOf.set(`pg_proc:${f}|${t.key}`, shell);
  }
  for (const o of cat.operators) add(o.key, 'operator', operatorSignature(o), renderOperator(o, own));
  for (const f of cat.opFamilies) {
    add(f.key, 'operator family', `${dn(f)} USING ${f.method}`, renderOpFamily(f, own));
    const members = renderOpFamilyMembers(f);
    if (members.length) {
      add(`${f.key}:members`, 'operator family members', `${dn(f)} USING ${f.method}`, members);
      extraEdges.push([`${f.key}:members`, f.key]);
    }
  }
  for (const c of cat.opClasses) add(c.key, 'operator class', `${dn(c)} USING ${c.method}`, renderOpClass(c, own));
  for (const c of cat.casts) add(c.key, 'cast', `(${c.sourceType} AS ${c.targetType})`, renderCast(c));
  for (const t of cat.textSearch) add(t.key, `text search ${t.tsKind}`, dn(t), renderTextSearch(t, own));
  for (const o of cat.procedural) add(o.key, o.procKind, o.schema ? dn({ schema: o.schema, name: o.name }) : o.name, renderProcedural(o, own));
  const serverNames = new Map(cat.foreignData.filter((f) => f.fdKind === 'server').map((f) => [f.oid, f.name]));
  for (const f of cat.foreignData) {
    if (f.fdKind === 'user mapping') {
      const serverOid = Number((f.parts as { server_oid?: number }).server_oid);
      if (f.owner !== null && !own.targetRoles.has(f.owner)) {
        presetSkips.push({ key: f.key, kind: 'user mapping', name: `for ${f.owner} on server ${f.name}`, reason: `role ${f.owner} does not exist on the target` });
        continue;
      }
      add(f.key, 'user mapping', `for ${f.owner ?? 'PUBLIC'} on server ${displayIdent(f.name)}`, renderForeignData(f, own, serverNames.get(serverOid)));
      nodes[nodes.length - 1].secret = true;
      extraEdges.push([f.key, `pg_foreign_server:${serverOid}`]);
    } else {
      add(f.key, f.fdKind === 'wrapper' ? 'foreign-data wrapper' : 'foreign server', displayIdent(f.name), renderForeignData(f, own));
      if (f.fdKind === 'server') extraEdges.push([f.key, `pg_foreign_data_wrapper:${(f.parts as { wrapper_oid?: number }).wrapper_oid}`]);
    }
  }
  for (const lo of cat.largeObjects) add(`pg_largeobject:${lo.oid}`, 'large object', String(lo.oid), renderLargeObject(lo, own));

  const identitySeqs = new Map<string, SequenceObj>();
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
  const parentOf = (oid: number) => relByOid.get(oid);
  const outgoing = new Map<string, string[]>();
  for (const [from, to] of cat.depends) {
    if (!outgoing.has(from)) outgoing.set(from, []);
    outgoing.get(from)!.push(to);
  }
  // CHECK constraints that call a function are added after the table (the function may take the
  // table's row type); the others are part of CREATE TABLE, so their edges are the table's
  const separateChecks = new Set<string>();
  const checkAlias = new Map<string, string>();
  const keyConstraints = new Set<string>();
  for (const r of cat.relations) {
    for (const c of r.constraints) {
      if (c.type === 'p' || c.type === 'u' || c.type === 'x') keyConstraints.add(c.key);
      if (c.type !== 'c') continue;
      if (c.isLocal && c.validated && (outgoing.get(c.key) ?? []).some((k) => k.startsWith('pg_proc:'))) {
        separateChecks.add(c.key);
        add(c.key, 'check constraint', `${displayIdent(c.name)} on ${dn(r)}`, renderCheckConstraint(c));
      } else if (c.isLocal && c.validated) checkAlias.set(c.key, r.key);
      else if (!c.isLocal) checkAlias.set(c.key, r.key);
    }
  }
  // a view that needs a table's key (GROUP BY the key) gets a placeholder, replaced after the keys exist
  const postponedViews: Relation[] = [];
  for (const r of cat.relations) {
    if (r.relkind === 'r' || r.relkind === 'p') add(r.key, 'table', dn(r), renderTable(r, identitySeqs, own, parentOf, separateChecks));
    else if (r.relkind === 'f') add(r.key, 'foreign table', dn(r), renderTable(r, identitySeqs, own, parentOf, separateChecks));
    else {
      const needsKey = r.relkind === 'v' && (outgoing.get(r.key) ?? []).some((k) => keyConstraints.has(k));
      if (needsKey) postponedViews.push(r);
      add(r.key, r.relkind === 'm' ? 'materialized view' : 'view', dn(r), renderView(r, own, needsKey));
    }
    for (const p of r.parents) extraEdges.push([r.key, `pg_class:${p.oid}`]);
  }

  // I/O functions point at the shell, not at the finished type; inline checks are their table
  let edges = [
    ...cat.depends.map(([from, to]): [string, string] => [checkAlias.get(from) ?? from, shellOf.get(`${from}|${to}`) ?? to]),
    ...extraEdges,
  ].filter(([from, to]) => from !== to);

  // a view on a cycle (it calls a function whose SQL-standard body reads the view) is created as a
  // placeholder first and given its definition once what it needs exists, as pg_dump does
  const onCycle = nodesOnCycles(nodes.map((n) => n.key), edges);
  const postponed = new Set(postponedViews.map((v) => v.key));
  const split = cat.relations.filter((r) => r.relkind === 'v' && onCycle.has(r.key) && !postponed.has(r.key));
  if (split.length) {
    const splitKeys = new Set(split.map((v) => v.key));
    for (const v of split) {
      nodes.find((n) => n.key === v.key)!.sql = renderView(v, own, true);
      add(`${v.key}:definition`, 'view definition', dn(v), renderViewDefinition(v));
    }
    edges = edges.flatMap(([from, to]): [string, string][] =>
      splitKeys.has(from) && !to.startsWith('pg_type:') && !to.startsWith('pg_namespace:') ? [[`${from}:definition`, to]] : [[from, to]],
    );
    for (const v of split) edges.push([`${v.key}:definition`, v.key]);
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

  // ---- post-data
  const parentIndexes: DdlStep[] = [];
  const indexes: DdlStep[] = [];
  const indexFinish: DdlStep[] = [];
  const foreignKeys: DdlStep[] = [];
  const foreignKeyAdds: DdlStep[] = [];
  const indexesByRel = new Map<number, IndexObj[]>();
  for (const i of cat.indexes) {
    if (!indexesByRel.has(i.relOid)) indexesByRel.set(i.relOid, []);
    indexesByRel.get(i.relOid)!.push(i);
  }
  // a partitioned table's rows are its partitions': its keys and foreign keys weigh their sum
  const treeBytes = new Map<number, number>();
  for (const r of cat.relations) {
    if (!r.isPartition || !r.bytes) continue;
    for (let up = relByOid.get(r.parents[0]?.oid ?? 0); up; up = up.isPartition ? relByOid.get(up.parents[0]?.oid ?? 0) : undefined)
      treeBytes.set(up.oid, (treeBytes.get(up.oid) ?? 0) + r.bytes);
  }
  const sizeOf = (rel: Relation | undefined) => (rel ? rel.bytes + (treeBytes.get(rel.oid) ?? 0) : 0);
  const indexByOid = new Map(cat.indexes.map((i) => [i.oid, i]));
  // keys and indexes over table columns only, which a COPY can maintain row by row
  const plainSteps = new Set<string>();

  for (const r of cat.relations) {
    for (const c of r.constraints) {
      const backing = c.indexOid ? indexByOid.get(c.indexOid) : undefined;
      const sql = [...renderConstraint(c, r), ...(backing ? commentOn(`INDEX ${qualified(backing.schema, backing.name)}`, backing.comment) : [])];
      const step: DdlStep = { key: c.key, kind: 'constraint', name: `${displayIdent(c.name)} on ${dn(r)}`, sql, weight: sizeOf(r) };
      if (backing?.plainColumns) plainSteps.add(step.key);
      if (r.relkind === 'r') step.table = dn(r);
      // a foreign key's check reads both tables: it weighs both
      if (c.type === 'f') step.weight = sizeOf(r) + sizeOf(relByOid.get(c.refRelOid));
      const bigCheck = c.type === 'f' && Math.max(sizeOf(r), sizeOf(relByOid.get(c.refRelOid))) >= VALIDATE_APART_BYTES;
      if (bigCheck && c.validated && r.relkind === 'r') {
        // added NOT VALID, then validated apart: ADD FOREIGN KEY holds SHARE ROW EXCLUSIVE on the
        // referenced table through its scan (of either table), so keys that point at one table
        // would check one at a time; VALIDATE CONSTRAINT takes only ROW SHARE there
        foreignKeyAdds.push({ ...step, sql: [`${sql[0]} NOT VALID`, ...sql.slice(1)] });
        foreignKeys.push({
          key: `${c.key}:validate`,
          kind: 'foreign key check',
          name: step.name,
          sql: [`ALTER TABLE ONLY ${qualified(c.schema, c.table)} VALIDATE CONSTRAINT ${ident(c.name)}`],
          weight: step.weight,
          deps: [c.key],
        });
      } else if (c.type === 'f' || ((c.type === 'c' || c.type === 'n') && !c.validated && c.isLocal)) foreignKeys.push(step);
      else if (c.type === 'p' || c.type === 'u' || c.type === 'x') (r.relkind === 'p' ? parentIndexes : indexes).push(step);
    }
  }
  for (const i of cat.indexes) {
    if (i.constraintOid !== null) continue;
    const rel = relByOid.get(i.relOid);
    const step: DdlStep = { key: i.key, kind: 'index', name: dn(i), sql: renderIndex(i), weight: sizeOf(rel) };
    if (i.plainColumns) plainSteps.add(step.key);
    if (rel?.relkind === 'r') step.table = dn(rel);
    (i.partitioned ? parentIndexes : indexes).push(step);
  }
  // attach leaves before the partitioned indexes of intermediate levels
  const attachable = cat.indexes.filter((i) => i.parentIndex).sort((a, b) => Number(a.partitioned) - Number(b.partitioned));
  for (const i of attachable) indexFinish.push({ key: `${i.key}:attach`, kind: 'index attach', name: dn(i), sql: renderIndexAttach(i) });
  for (const rel of cat.relations.filter((r) => r.relkind === 'r' || r.relkind === 'p' || r.relkind === 'm')) {
    const sql = renderTableIndexSettings(rel, indexesByRel.get(rel.oid) ?? []);
    if (sql.length) indexFinish.push({ key: `${rel.key}:index-settings`, kind: 'table settings', name: dn(rel), sql });
  }
  for (const d of cat.domains) {
    for (const c of d.constraints.filter((c) => !c.validated))
      foreignKeys.push({ key: `${d.key}:check:${c.name}`, kind: 'domain constraint', name: `${displayIdent(c.name)} on ${dn(d)}`, sql: renderDomainConstraint(d, c), deps: [d.key] });
  }
  indexes.sort((a, b) => (b.weight ?? 0) - (a.weight ?? 0));
  foreignKeys.sort((a, b) => (b.weight ?? 0) - (a.weight ?? 0));

  // Keys and indexes of tables that get no rows (no page in the snapshot, or no data phase) cost
  // nothing to build: they join pre-data, batched after their table on the table's connection,
  // instead of taking a post-data round trip each (10,000 empty tables: 30,000 round trips). So
  // do the plain-column ones of small tables: a key added after the data costs ~0.8 ms whatever
  // the size (catalog rows, a new file and its fsync), while keeping it up during the COPY costs
  // ~0.36 µs a row, so below ~2,000 rows it pays. Measured with 40 tables with a primary and a
  // unique key, COPY then ADD against COPY into keyed tables: 4.25 against 3.36 ms a table at
  // 1,000 rows, 6.86 against 9.14 at 4,000. shared/bench's 300 lookup tables of 1,000 rows: 600
  // post-data steps fewer.
  // Expression and partial indexes stay after the data: their expressions run the table's own
  // functions, which may read other tables that are not loaded yet.
  /** Table key → the keys and indexes of it that moved to pre-data. */
  const movedByTable = new Map<string, string[]>();
  if (opts.indexesWithEmptyTables !== false) {
    const plainOnly = new Set<string>();
    const early = new Map<string, string>();
    for (const r of cat.relations) {
      if (r.relkind !== 'r' || r.isPartition || r.parents.length) continue;
      if (opts.noData || r.blocks === 0) early.set(dn(r), r.key);
      else if (r.bytes <= INDEX_BEFORE_DATA_BYTES && r.estimatedRows <= INDEX_BEFORE_DATA_ROWS) {
        early.set(dn(r), r.key);
        plainOnly.add(dn(r));
      }
    }
    const moved = new Set(indexes.filter((s) => s.table !== undefined && early.has(s.table) && (!plainOnly.has(s.table) || plainSteps.has(s.key))));
    indexes.splice(0, indexes.length, ...indexes.filter((s) => !moved.has(s)));
    for (const s of moved) {
      const tableKey = early.get(s.table!)!;
      nodes.push({ ...s, priority: PRIORITY.index, lockGroup: tableKey });
      edges.push([s.key, tableKey]);
      if (!movedByTable.has(tableKey)) movedByTable.set(tableKey, []);
      movedByTable.get(tableKey)!.push(s.key);
    }
  }

  const onTable = (o: { name: string; schema: string; table: string }) => `${displayIdent(o.name)} on ${displayName(o.schema, o.table)}`;
  const triggers: DdlStep[] = cat.triggers.map((t) => ({ key: t.key, kind: 'trigger', name: onTable(t), sql: renderTrigger(t) }));

  // ---- after the data: rules, row-level security, policies, statistics
  const tableExtras: DdlStep[] = [];
  for (const v of postponedViews) {
    const needs = (outgoing.get(v.key) ?? []).filter((k) => keyConstraints.has(k));
    tableExtras.push({ key: `${v.key}:definition`, kind: 'view definition', name: dn(v), sql: renderViewDefinition(v), deps: [v.key, ...needs] });
  }
  for (const r of cat.rules) tableExtras.push({ key: r.key, kind: 'rule', name: onTable(r), sql: renderRule(r) });
  for (const r of cat.relations) {
    const sql = renderRowSecurity(r);
    if (sql.length) tableExtras.push({ key: `${r.key}:row-security`, kind: 'row security', name: dn(r), sql, deps: [r.key] });
  }
  for (const p of cat.policies) {
    const missing = p.roles.filter((r): r is string => r !== null && !own.targetRoles.has(r));
    if (missing.length) presetSkips.push({ key: p.key, kind: 'policy', name: onTable(p), reason: `role ${missing.join(', ')} does not exist on the target (a policy for fewer roles would change who sees which rows)` });
    else tableExtras.push({ key: p.key, kind: 'policy', name: onTable(p), sql: renderPolicy(p) });
  }
  for (const st of cat.statistics) tableExtras.push({ key: st.key, kind: 'statistics', name: dn(st), sql: renderStatistics(st, own) });
  const withStatistics = new Set(cat.statistics.map((st) => st.relOid));

  // ---- last: objects that would act on pgferry's own work if they came earlier
  const finalSteps: DdlStep[] = [];
  for (const e of cat.eventTriggers) finalSteps.push({ key: e.key, kind: 'event trigger', name: displayIdent(e.name), sql: renderEventTrigger(e, own) });
  const schemaKeys = new Map(cat.schemas.map((s) => [s.name, s.key]));
  for (const p of cat.publications) {
    // a publication names its tables and schemas: one that is skipped (or fails) takes it along
    for (const m of p.members) {
      const to = m.memberKind === 'schema' ? schemaKeys.get(m.schema) : `pg_class:${m.relOid}`;
      if (to) edges.push([p.key, to]);
    }
    if (opts.publications) finalSteps.push({ key: p.key, kind: 'publication', name: displayIdent(p.name), sql: renderPublication(p, own) });
    else presetSkips.push({ key: p.key, kind: 'publication', name: displayIdent(p.name), reason: 'publications are created only with --publications' });
  }
  for (const d of opts.ownership.applyPrivileges === false ? [] : cat.defaultPrivileges) {
    if (!own.targetRoles.has(d.role)) {
      presetSkips.push({ key: d.key, kind: 'default privileges', name: `for role ${d.role}`, reason: `role ${d.role} does not exist on the target` });
      continue;
    }
    const sql = renderDefaultPrivileges(d, own.targetRoles, own.sourceMajor);
    if (sql.length) finalSteps.push({ key: d.key, kind: 'default privileges', name: `for role ${displayIdent(d.role)}${d.schema !== null ? ` in schema ${displayIdent(d.schema)}` : ''}`, sql });
  }

  const byTarget = new Map<string, typeof cat.systemPrivileges>();
  for (const c of cat.systemPrivileges) byTarget.set(c.target, [...(byTarget.get(c.target) ?? []), c]);
  for (const [target, changes] of opts.ownership.applyPrivileges === false ? [] : byTarget) {
    const sql = renderSystemPrivileges(changes, own.targetRoles);
    if (sql.length) finalSteps.push({ key: `system-privileges:${target}`, kind: 'privileges on', name: target, sql });
  }

  // ---- skipped objects and everything that depends on them
  const postSteps = [...parentIndexes, ...indexes, ...indexFinish, ...foreignKeyAdds, ...foreignKeys, ...triggers, ...tableExtras, ...finalSteps];
  const skipped = [...cat.skipped, ...presetSkips, ...columns.skipped];
  const unselected = selection?.unselected ?? new Set<string>();
  const blocked = skipClosure(skipped, [...nodes, ...postSteps], edges, unselected);
  // a base type that cannot be created leaves no shell behind
  for (const t of cat.baseTypes) if (blocked.has(t.key)) blocked.set(`${t.key}:shell`, blocked.get(t.key)!);
  const keep = <T extends { key: string }>(list: T[]) => list.filter((x) => !blocked.has(x.key));
  rights?.notes.push(...changedFunctions.filter((c) => !blocked.has(c.key)).map((c) => c.note));

  const sortEdges = [...edges, ...afterMovedIndexes(edges, movedByTable)];
  const preData = dependencySort(keep(nodes), sortEdges).map(({ priority: _p, ...step }) => step);
  assignLevels(preData, sortEdges);
  const stepByKey = new Map(preData.map((s) => [s.key, s]));
  for (const r of cat.relations) {
    // partitions and inheritance children lock their parent: keep siblings on one connection
    const step = stepByKey.get(r.key);
    if (step && r.parents.length) step.lockGroup = `pg_class:${r.parents[0].oid}`;
  }
  const refreshes: DdlStep[] = preData
    .filter((s) => s.kind === 'materialized view')
    .map((s) => relByOid.get(Number(s.key.split(':')[1]))!)
    .filter((r) => r.populated)
    .map((r) => ({ key: `${r.key}:refresh`, kind: 'refresh', name: dn(r), sql: [`REFRESH MATERIALIZED VIEW ${qualified(r.schema, r.name)}`], deps: [r.key] }));

  // extensions' configuration rows first: the data phase loads them one by one, in key order
  const extensionData = extensionConfigData(cat, blocked, opts.selection);
  const plan: Plan = {
    preData,
    units: [...extensionData.units, ...keep(units)],
    parentIndexes: keep(parentIndexes),
    indexes: keep(indexes),
    indexFinish: keep(indexFinish),
    foreignKeyAdds: keep(foreignKeyAdds),
    // a validation goes with its key
    foreignKeys: keep(foreignKeys).filter((st) => !(st.kind === 'foreign key check' && blocked.has(st.deps![0]))),
    triggers: keep(triggers),
    tableExtras: keep(tableExtras),
    refreshes,
    finalSteps: keep(finalSteps),
    largeObjects: cat.largeObjects,
    sequences: cat.sequences
      .filter((s) => !blocked.has(s.key) && !(s.identity && s.ownedBy && blocked.has(`pg_class:${s.ownedBy.tableOid}`)))
      .map((s) => ({ schema: s.schema, name: s.name }))
      .concat(extensionData.sequences),
    analyze: analyzeTargets(cat, blocked, withStatistics, opts.targetMajor),
    renames: [],
    skipped,
    notes,
    selectionNotes: [...(selection?.notes ?? []), ...columns.notes],
    account: rights && {
      user: rights.account.user,
      superuser: rights.account.superuser,
      ownersNotKept: rights.notKept((key) => blocked.has(key)),
      skippedKeys: rightsSkips.map((s) => s.key!),
      notes: rights.notes,
    },
  };
  if (renamesAnything(opts.mapping)) {
    const planned = (k: string) => !blocked.has(k);
    const step = renameStep(cat, opts.mapping, planned);
    if (step) plan.renames.push(step);
    plan.selectionNotes.push(...mappingNotes(cat, opts.mapping, planned));
  }
  attachDeps(plan, edges, cat.indexes);
  return plan;
}
