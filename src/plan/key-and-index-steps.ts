/**
 * The post-data steps of keys, indexes and constraints: built after the data, largest table
 * first, foreign keys after every key they may point at.
 */
import type { IndexObj, Relation } from '../catalog/model.js';
import { commentOn } from '../ddl/common.js';
import { renderConstraint, renderIndex, renderIndexAttach, renderTableIndexSettings } from '../ddl/render-post-data.js';
import { renderDomainConstraint } from '../ddl/render-types.js';
import { displayIdent, ident, qualified } from '../pg/quote.js';
import type { DdlStep } from './plan-model.js';
import { dn, type PlanScope } from './plan-scope.js';

/** From this size of either table a foreign key is added NOT VALID and validated apart (see below). */
const VALIDATE_APART_BYTES = 8 * 1024 * 1024;

export interface KeyAndIndexSteps {
  /** Keys and indexes of partitioned tables (no data of their own). */
  parentIndexes: DdlStep[];
  /** Keys and indexes of tables with data, largest table first. */
  indexes: DdlStep[];
  /** Partition index attachments, CLUSTER and REPLICA IDENTITY settings. */
  indexFinish: DdlStep[];
  /** Foreign keys of large tables, added NOT VALID (validated in `foreignKeys`). */
  foreignKeyAdds: DdlStep[];
  /** Foreign keys, NOT VALID checks and domain constraints, validations, largest first. */
  foreignKeys: DdlStep[];
  /** Keys of the steps over table columns only, which a COPY can maintain row by row. */
  plainSteps: Set<string>;
}

/** The keys, indexes and constraints of every relation and domain, as post-data steps. */
export function keyAndIndexSteps(scope: PlanScope): KeyAndIndexSteps {
  const { cat } = scope;
  const out: KeyAndIndexSteps = { parentIndexes: [], indexes: [], indexFinish: [], foreignKeyAdds: [], foreignKeys: [], plainSteps: new Set() };
  const sizeOf = treeSizes(scope);
  constraintSteps(scope, sizeOf, out);
  for (const i of cat.indexes) {
    if (i.constraintOid !== null) continue;
    const rel = scope.relByOid.get(i.relOid);
    const step: DdlStep = { key: i.key, kind: 'index', name: dn(i), sql: renderIndex(i), weight: sizeOf(rel) };
    if (i.plainColumns) out.plainSteps.add(step.key);
    if (rel?.relkind === 'r') step.table = dn(rel);
    (i.partitioned ? out.parentIndexes : out.indexes).push(step);
  }
  // attach leaves before the partitioned indexes of intermediate levels
  const attachable = cat.indexes.filter((i) => i.parentIndex).sort((a, b) => Number(a.partitioned) - Number(b.partitioned));
  for (const i of attachable) out.indexFinish.push({ key: `${i.key}:attach`, kind: 'index attach', name: dn(i), sql: renderIndexAttach(i) });
  const indexesByRel = new Map<number, IndexObj[]>();
  for (const i of cat.indexes) {
    if (!indexesByRel.has(i.relOid)) indexesByRel.set(i.relOid, []);
    indexesByRel.get(i.relOid)!.push(i);
  }
  for (const rel of cat.relations.filter((r) => r.relkind === 'r' || r.relkind === 'p' || r.relkind === 'm')) {
    const sql = renderTableIndexSettings(rel, indexesByRel.get(rel.oid) ?? []);
    if (sql.length) out.indexFinish.push({ key: `${rel.key}:index-settings`, kind: 'table settings', name: dn(rel), sql });
  }
  for (const d of cat.domains) {
    for (const c of d.constraints.filter((c) => !c.validated))
      out.foreignKeys.push({ key: `${d.key}:check:${c.name}`, kind: 'domain constraint', name: `${displayIdent(c.name)} on ${dn(d)}`, sql: renderDomainConstraint(d, c), deps: [d.key] });
  }
  out.indexes.sort((a, b) => (b.weight ?? 0) - (a.weight ?? 0));
  out.foreignKeys.sort((a, b) => (b.weight ?? 0) - (a.weight ?? 0));
  return out;
}

/** A relation's size for its keys: a partitioned table's rows are its partitions', so it weighs their sum. */
function treeSizes({ cat, relByOid }: PlanScope): (rel: Relation | undefined) => number {
  const treeBytes = new Map<number, number>();
  for (const r of cat.relations) {
    if (!r.isPartition || !r.bytes) continue;
    for (let up = relByOid.get(r.parents[0]?.oid ?? 0); up; up = up.isPartition ? relByOid.get(up.parents[0]?.oid ?? 0) : undefined)
      treeBytes.set(up.oid, (treeBytes.get(up.oid) ?? 0) + r.bytes);
  }
  return (rel) => (rel ? rel.bytes + (treeBytes.get(rel.oid) ?? 0) : 0);
}

/** Keys, foreign keys, and CHECK / NOT NULL constraints not validated on the source. */
function constraintSteps({ cat, relByOid }: PlanScope, sizeOf: (rel: Relation | undefined) => number, out: KeyAndIndexSteps): void {
  const indexByOid = new Map(cat.indexes.map((i) => [i.oid, i]));
  for (const r of cat.relations) {
    for (const c of r.constraints) {
      const backing = c.indexOid ? indexByOid.get(c.indexOid) : undefined;
      const sql = [...renderConstraint(c, r), ...(backing ? commentOn(`INDEX ${qualified(backing.schema, backing.name)}`, backing.comment) : [])];
      const step: DdlStep = { key: c.key, kind: 'constraint', name: `${displayIdent(c.name)} on ${dn(r)}`, sql, weight: sizeOf(r) };
      if (backing?.plainColumns) out.plainSteps.add(step.key);
      if (r.relkind === 'r') step.table = dn(r);
      // a foreign key's check reads both tables: it weighs both
      if (c.type === 'f') step.weight = sizeOf(r) + sizeOf(relByOid.get(c.refRelOid));
      const bigCheck = c.type === 'f' && Math.max(sizeOf(r), sizeOf(relByOid.get(c.refRelOid))) >= VALIDATE_APART_BYTES;
      if (bigCheck && c.validated && r.relkind === 'r') {
        // added NOT VALID, then validated apart: ADD FOREIGN KEY holds SHARE ROW EXCLUSIVE on the
        // referenced table through its scan (of either table), so keys that point at one table
        // would check one at a time; VALIDATE CONSTRAINT takes only ROW SHARE there
        out.foreignKeyAdds.push({ ...step, sql: [`${sql[0]} NOT VALID`, ...sql.slice(1)] });
        out.foreignKeys.push({
          key: `${c.key}:validate`,
          kind: 'foreign key check',
          name: step.name,
          sql: [`ALTER TABLE ONLY ${qualified(c.schema, c.table)} VALIDATE CONSTRAINT ${ident(c.name)}`],
          weight: step.weight,
          deps: [c.key],
        });
      } else if (c.type === 'f' || ((c.type === 'c' || c.type === 'n') && !c.validated && c.isLocal)) out.foreignKeys.push(step);
      else if (c.type === 'p' || c.type === 'u' || c.type === 'x') (r.relkind === 'p' ? out.parentIndexes : out.indexes).push(step);
    }
  }
}
