/** DDL for post-data objects: keys, indexes, foreign keys, triggers and table settings. */
import type { Constraint, IndexObj, Relation, TriggerObj } from '../catalog/model.js';
import { ident, qualified } from '../pg/quote.js';
import { commentOn } from './common.js';

/**
 * ALTER TABLE ... ADD CONSTRAINT for a key, exclusion, foreign key, NOT VALID (or NOT ENFORCED)
 * check or NOT VALID NOT NULL (18+).
 */
export function renderConstraint(c: Constraint, rel: Relation): string[] {
  const q = qualified(c.schema, c.table);
  // a foreign key on a partitioned table is added once, on the parent, and recurses; a NOT VALID
  // check or NOT NULL is added without ONLY too, so that children inherit it as on the source
  const only = (c.type === 'f' && rel.relkind === 'p') || c.type === 'c' || c.type === 'n' ? '' : 'ONLY ';
  return [
    `ALTER TABLE ${only}${q} ADD CONSTRAINT ${ident(c.name)} ${c.definition}`,
    ...commentOn(`CONSTRAINT ${ident(c.name)} ON ${q}`, c.comment),
  ];
}

/** CREATE INDEX for an index that backs no constraint, its column statistics targets and comment. */
export function renderIndex(i: IndexObj): string[] {
  const q = qualified(i.schema, i.name);
  return [
    i.definition,
    ...(i.columnStats ?? []).map((c) => `ALTER INDEX ${q} ALTER COLUMN ${c.num} SET STATISTICS ${c.target}`),
    ...commentOn(`INDEX ${q}`, i.comment),
  ];
}

/** Attaches a partition's index to its parent's partitioned index. */
export function renderIndexAttach(i: IndexObj): string[] {
  if (!i.parentIndex) return [];
  return [`ALTER INDEX ${i.parentIndex} ATTACH PARTITION ${qualified(i.schema, i.name)}`];
}

/** CLUSTER ON and REPLICA IDENTITY, which need the index to exist. */
export function renderTableIndexSettings(rel: Relation, indexes: IndexObj[]): string[] {
  const q = qualified(rel.schema, rel.name);
  const out: string[] = [];
  for (const i of indexes) if (i.clustered) out.push(`ALTER TABLE ${q} CLUSTER ON ${ident(i.name)}`);
  if (rel.relkind === 'm') return out;
  if (rel.replicaIdentity === 'f') out.push(`ALTER TABLE ONLY ${q} REPLICA IDENTITY FULL`);
  else if (rel.replicaIdentity === 'n') out.push(`ALTER TABLE ONLY ${q} REPLICA IDENTITY NOTHING`);
  else if (rel.replicaIdentity === 'i') {
    const idx = indexes.find((i) => i.replicaIdentity);
    if (idx) out.push(`ALTER TABLE ONLY ${q} REPLICA IDENTITY USING INDEX ${ident(idx.name)}`);
  }
  return out;
}

/** CREATE TRIGGER, then its enabled state when it is not the default. */
export function renderTrigger(t: TriggerObj): string[] {
  const q = qualified(t.schema, t.table);
  const state: Record<string, string> = { O: 'ENABLE TRIGGER', D: 'DISABLE TRIGGER', R: 'ENABLE REPLICA TRIGGER', A: 'ENABLE ALWAYS TRIGGER' };
  return [
    t.definition,
    ...(t.enabled !== 'O' ? [`ALTER TABLE ${q} ${state[t.enabled]} ${ident(t.name)}`] : []),
    ...t.cloneStates.map((c) => `ALTER TABLE ONLY ${qualified(c.schema, c.table)} ${state[c.enabled]} ${ident(t.name)}`),
    ...commentOn(`TRIGGER ${ident(t.name)} ON ${q}`, t.comment),
  ];
}
