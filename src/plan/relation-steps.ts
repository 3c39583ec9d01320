/**
 * The pre-data steps of sequences, tables, foreign tables and views, then the ordering edges from
 * the catalog's dependencies (PreDataGraph.edges complete), and views on a dependency cycle split
 * into a placeholder and their definition.
 */
import type { Relation, SequenceObj } from '../catalog/model.js';
import { nodesOnCycles } from '../ddl/dependency-sort.js';
import { renderCheckConstraint, renderSequence, renderSequenceOwnedBy, renderTable, renderView, renderViewDefinition } from '../ddl/render-relations.js';
import { displayIdent } from '../pg/quote.js';
import type { PreDataGraph } from './pre-data-graph.js';
import { dn, type PlanScope } from './plan-scope.js';

/** What the post-data steps need to know of the relations. */
export interface RelationSteps {
  /** Views that need a table's key (GROUP BY the key): created as placeholders, defined after the keys. */
  postponedViews: Relation[];
  /** The catalog's dependencies by dependent key. */
  outgoing: Map<string, string[]>;
  /** Keys of the primary key, unique and exclusion constraints. */
  keyConstraints: Set<string>;
}

/**
 * Adds the sequences and relations to `graph`, then the catalog's dependency edges before the
 * planner's own; `shellOf` maps a base type's I/O function dependency to its shell type.
 */
export function relationSteps(scope: PlanScope, graph: PreDataGraph, shellOf: Map<string, string>): RelationSteps {
  const identitySeqs = sequenceSteps(scope, graph);
  const outgoing = new Map<string, string[]>();
  for (const [from, to] of scope.cat.depends) {
    if (!outgoing.has(from)) outgoing.set(from, []);
    outgoing.get(from)!.push(to);
  }
  const { checkAlias, keyConstraints, postponedViews } = tableAndViewSteps(scope, graph, identitySeqs, outgoing);
  // I/O functions point at the shell, not at the finished type; inline checks are their table
  graph.edges = [
    ...scope.cat.depends.map(([from, to]): [string, string] => [checkAlias.get(from) ?? from, shellOf.get(`${from}|${to}`) ?? to]),
    ...graph.edges,
  ].filter(([from, to]) => from !== to);
  splitViewCycles(scope, graph, postponedViews);
  return { postponedViews, outgoing, keyConstraints };
}

/** Sequences and their OWNED BY; returns identity sequences by `tableOid:column` (CREATE TABLE makes those). */
function sequenceSteps({ cat, own }: PlanScope, graph: PreDataGraph): Map<string, SequenceObj> {
  const identitySeqs = new Map<string, SequenceObj>();
  for (const s of cat.sequences) {
    if (s.identity && s.ownedBy) {
      identitySeqs.set(`${s.ownedBy.tableOid}:${s.ownedBy.column}`, s);
      continue;
    }
    graph.add(s.key, 'sequence', dn(s), renderSequence(s, own));
    if (s.ownedBy) {
      const k = `${s.key}:owned`;
      graph.add(k, 'sequence owner', dn(s), renderSequenceOwnedBy(s));
      graph.edges.push([k, s.key], [k, `pg_class:${s.ownedBy.tableOid}`]);
    }
  }
  return identitySeqs;
}

/**
 * Tables, foreign tables, views and materialized views, and the CHECK constraints added apart.
 * Returns the checks that are part of their table's step (by constraint key), the key
 * constraints, and the views postponed until the keys exist.
 */
function tableAndViewSteps(
  { cat, own, relByOid }: PlanScope,
  graph: PreDataGraph,
  identitySeqs: Map<string, SequenceObj>,
  outgoing: Map<string, string[]>,
): { checkAlias: Map<string, string>; keyConstraints: Set<string>; postponedViews: Relation[] } {
  const parentOf = (oid: number) => relByOid.get(oid);
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
        graph.add(c.key, 'check constraint', `${displayIdent(c.name)} on ${dn(r)}`, renderCheckConstraint(c));
      } else if (c.isLocal && c.validated) checkAlias.set(c.key, r.key);
      else if (!c.isLocal) checkAlias.set(c.key, r.key);
    }
  }
  // a view that needs a table's key (GROUP BY the key) gets a placeholder, replaced after the keys exist
  const postponedViews: Relation[] = [];
  for (const r of cat.relations) {
    if (r.relkind === 'r' || r.relkind === 'p') graph.add(r.key, 'table', dn(r), renderTable(r, identitySeqs, own, parentOf, separateChecks));
    else if (r.relkind === 'f') graph.add(r.key, 'foreign table', dn(r), renderTable(r, identitySeqs, own, parentOf, separateChecks));
    else {
      const needsKey = r.relkind === 'v' && (outgoing.get(r.key) ?? []).some((k) => keyConstraints.has(k));
      if (needsKey) postponedViews.push(r);
      graph.add(r.key, r.relkind === 'm' ? 'materialized view' : 'view', dn(r), renderView(r, own, needsKey));
    }
    for (const p of r.parents) graph.edges.push([r.key, `pg_class:${p.oid}`]);
  }
  return { checkAlias, keyConstraints, postponedViews };
}

/**
 * A view on a cycle (it calls a function whose SQL-standard body reads the view) is created as a
 * placeholder first and given its definition once what it needs exists, as pg_dump does.
 */
function splitViewCycles({ cat, own }: PlanScope, graph: PreDataGraph, postponedViews: Relation[]): void {
  const onCycle = nodesOnCycles(graph.nodes.map((n) => n.key), graph.edges);
  const postponed = new Set(postponedViews.map((v) => v.key));
  const split = cat.relations.filter((r) => r.relkind === 'v' && onCycle.has(r.key) && !postponed.has(r.key));
  if (!split.length) return;
  const splitKeys = new Set(split.map((v) => v.key));
  for (const v of split) {
    graph.nodes.find((n) => n.key === v.key)!.sql = renderView(v, own, true);
    graph.add(`${v.key}:definition`, 'view definition', dn(v), renderViewDefinition(v));
  }
  graph.edges = graph.edges.flatMap(([from, to]): [string, string][] =>
    splitKeys.has(from) && !to.startsWith('pg_type:') && !to.startsWith('pg_namespace:') ? [[`${from}:definition`, to]] : [[from, to]],
  );
  for (const v of split) graph.edges.push([`${v.key}:definition`, v.key]);
}
