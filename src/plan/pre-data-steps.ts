/**
 * The pre-data steps before the relations: schemas, extensions, types, functions, operators,
 * text search, procedural objects, foreign data and large objects (relation-steps.ts adds the
 * sequences, tables and views, and the catalog's dependency edges).
 */
import type { SkippedObject } from '../catalog/model.js';
import { renderComposite, renderDomain, renderEnum, renderExtension, renderSchema } from '../ddl/render-types.js';
import { renderAggregate, renderFunction } from '../ddl/render-functions.js';
import { renderBaseType, renderCollation, renderRange, renderShellType } from '../ddl/render-types-more.js';
import { operatorSignature, renderCast, renderOpClass, renderOpFamily, renderOpFamilyMembers, renderOperator, renderProcedural } from '../ddl/render-operators.js';
import { renderTextSearch } from '../ddl/render-text-search.js';
import { renderForeignData, renderLargeObject } from '../ddl/render-database-objects.js';
import { displayIdent } from '../pg/quote.js';
import { asAccountMay } from './account-limits.js';
import { relationSteps, type RelationSteps } from './relation-steps.js';
import type { PreDataGraph } from './pre-data-graph.js';
import { dn, type PlanScope } from './plan-scope.js';

/** A function whose attributes the target account may not set: the note for it, if it is not skipped. */
export interface ChangedFunction {
  key: string;
  note: string;
}

export interface PreDataSteps {
  /** Extensions the target lacks, or lacks in the source's version. */
  notes: string[];
  /** Objects left out before the plan is ordered (user mappings for roles the target lacks). */
  skips: SkippedObject[];
  changedFunctions: ChangedFunction[];
  /** What the post-data steps need to know of the relations. */
  relations: RelationSteps;
}

/** Adds every pre-data step of the catalog to `graph`, with the edges the catalog does not give. */
export function preDataSteps(scope: PlanScope, graph: PreDataGraph): PreDataSteps {
  const notes = schemaAndExtensionSteps(scope, graph);
  const { changedFunctions, shellOf } = typeAndFunctionSteps(scope, graph);
  operatorSteps(scope, graph);
  const skips = foreignDataSteps(scope, graph);
  for (const lo of scope.cat.largeObjects) graph.add(`pg_largeobject:${lo.oid}`, 'large object', String(lo.oid), renderLargeObject(lo, scope.own));
  return { notes, skips, changedFunctions, relations: relationSteps(scope, graph, shellOf) };
}

/** Schemas and extensions; returns the notes on extensions the target cannot install as they are. */
function schemaAndExtensionSteps({ cat, opts, own, rights }: PlanScope, graph: PreDataGraph): string[] {
  for (const s of cat.schemas) graph.add(s.key, 'schema', displayIdent(s.name), renderSchema(s, own, opts.targetSchemas.get(s.name)));
  const notes: string[] = [];
  for (const e of cat.extensions) {
    const versions = opts.targetExtensions?.get(e.name);
    // an extension the target has already takes a comment only from a role that owns it there
    const installedBy = opts.account?.installedExtensions.get(e.name);
    graph.add(e.key, 'extension', displayIdent(e.name), renderExtension(e, versions, { comment: installedBy === undefined || rights?.actsAs(installedBy) !== false }));
    if (opts.targetExtensions && !versions) notes.push(`extension ${e.name} is not available on the target: install its package there, or objects that use it fail`);
    else if (versions && !versions.includes(e.version)) notes.push(`extension ${e.name} ${e.version} is not available on the target: its default version is installed instead`);
  }
  return notes;
}

/**
 * Types, functions, aggregates, collations and ranges. Returns the functions changed for the
 * account, and for each base type's I/O function dependency (`function|type`) the shell type
 * it points at instead.
 */
function typeAndFunctionSteps({ cat, opts, own }: PlanScope, graph: PreDataGraph): { changedFunctions: ChangedFunction[]; shellOf: Map<string, string> } {
  for (const t of cat.enums) graph.add(t.key, 'enum', dn(t), renderEnum(t, own));
  for (const t of cat.composites) graph.add(t.key, 'composite', dn(t), renderComposite(t, own));
  for (const t of cat.domains) graph.add(t.key, 'domain', dn(t), renderDomain(t, own));
  // attributes only a superuser may set are dropped, with a note unless the function is skipped anyway
  const changedFunctions: ChangedFunction[] = [];
  for (const f of cat.functions) graph.add(f.key, 'function', `${dn(f)}(${f.identityArgs})`, renderFunction(asAccountMay(f, opts.account, (note) => changedFunctions.push({ key: f.key, note })), own));
  for (const a of cat.aggregates) graph.add(a.key, 'aggregate', `${dn(a)}(${a.identityArgs})`, renderAggregate(a, own));
  for (const c of cat.collations) graph.add(c.key, 'collation', dn(c), renderCollation(c, own));
  for (const r of cat.ranges) graph.add(r.key, 'range type', dn(r), renderRange(r, own));
  // a base type and its I/O functions refer to each other: the functions are declared against a
  // shell type, which CREATE TYPE then completes
  const shellOf = new Map<string, string>();
  for (const t of cat.baseTypes) {
    const shell = `${t.key}:shell`;
    if (!t.defined) {
      graph.add(t.key, 'shell type', dn(t), renderShellType(t));
      continue;
    }
    graph.add(shell, 'shell type', dn(t), renderShellType(t));
    graph.add(t.key, 'base type', dn(t), renderBaseType(t, own));
    graph.edges.push([t.key, shell]);
    for (const f of t.ioFunctions) shellOf.set(`pg_proc:${f}|${t.key}`, shell);
  }
  return { changedFunctions, shellOf };
}

/** Operators, operator families and classes, casts, text search and procedural objects. */
function operatorSteps({ cat, own }: PlanScope, graph: PreDataGraph): void {
  for (const o of cat.operators) graph.add(o.key, 'operator', operatorSignature(o), renderOperator(o, own));
  for (const f of cat.opFamilies) {
    graph.add(f.key, 'operator family', `${dn(f)} USING ${f.method}`, renderOpFamily(f, own));
    const members = renderOpFamilyMembers(f);
    if (members.length) {
      graph.add(`${f.key}:members`, 'operator family members', `${dn(f)} USING ${f.method}`, members);
      graph.edges.push([`${f.key}:members`, f.key]);
    }
  }
  for (const c of cat.opClasses) graph.add(c.key, 'operator class', `${dn(c)} USING ${c.method}`, renderOpClass(c, own));
  for (const c of cat.casts) graph.add(c.key, 'cast', `(${c.sourceType} AS ${c.targetType})`, renderCast(c));
  for (const t of cat.textSearch) graph.add(t.key, `text search ${t.tsKind}`, dn(t), renderTextSearch(t, own));
  for (const o of cat.procedural) graph.add(o.key, o.procKind, o.schema ? dn({ schema: o.schema, name: o.name }) : o.name, renderProcedural(o, own));
}

/** Foreign-data wrappers, servers and user mappings; returns the user mappings of roles the target lacks. */
function foreignDataSteps({ cat, own }: PlanScope, graph: PreDataGraph): SkippedObject[] {
  const skips: SkippedObject[] = [];
  const serverNames = new Map(cat.foreignData.filter((f) => f.fdKind === 'server').map((f) => [f.oid, f.name]));
  for (const f of cat.foreignData) {
    if (f.fdKind === 'user mapping') {
      const serverOid = Number((f.parts as { server_oid?: number }).server_oid);
      if (f.owner !== null && !own.targetRoles.has(f.owner)) {
        skips.push({ key: f.key, kind: 'user mapping', name: `for ${f.owner} on server ${f.name}`, reason: `role ${f.owner} does not exist on the target` });
        continue;
      }
      graph.add(f.key, 'user mapping', `for ${f.owner ?? 'PUBLIC'} on server ${displayIdent(f.name)}`, renderForeignData(f, own, serverNames.get(serverOid))).secret = true;
      graph.edges.push([f.key, `pg_foreign_server:${serverOid}`]);
    } else {
      graph.add(f.key, f.fdKind === 'wrapper' ? 'foreign-data wrapper' : 'foreign server', displayIdent(f.name), renderForeignData(f, own));
      if (f.fdKind === 'server') graph.edges.push([f.key, `pg_foreign_data_wrapper:${(f.parts as { wrapper_oid?: number }).wrapper_oid}`]);
    }
  }
  return skips;
}
