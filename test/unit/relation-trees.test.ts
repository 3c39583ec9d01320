/**
 * Which relations of partition and inheritance trees a selection takes (relation-trees.ts), on
 * a made-up tree: public.orders partitioned by range, orders_2024 sub-partitioned, a default
 * partition, a partition in schema archive; public.measure with inheritance children, one of
 * them also a child of public.extra.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { selectTrees, type TreeRelation } from '../../src/plan/relation-trees.js';
import { selectionMatchers, type Selection } from '../../src/plan/selection.js';

let nextOid = 1;
const rels: TreeRelation[] = [];
const rel = (schema: string, name: string, parents: TreeRelation[] = [], isPartition = false): TreeRelation => {
  const r = { oid: nextOid++, schema, name, isPartition, parents: parents.map((p) => ({ oid: p.oid, schema: p.schema, name: p.name })) };
  rels.push(r);
  return r;
};
const orders = rel('public', 'orders');
rel('public', 'orders_2023', [orders], true);
const o2024 = rel('public', 'orders_2024', [orders], true);
rel('public', 'orders_2024_eu', [o2024], true);
rel('public', 'orders_2024_other', [o2024], true);
rel('archive', 'Orders 2019', [orders], true);
rel('public', 'orders_default', [orders], true);
const measure = rel('public', 'measure');
const extra = rel('public', 'extra');
rel('public', 'measure_2019', [measure]);
rel('archive', 'measure_both', [measure, extra]);
rel('public', 'other');

function pick(sel: Selection, partitionsAsTables = false) {
  const m = selectionMatchers(sel);
  const t = selectTrees(rels, { named: (r) => m.table(r.schema, r.name), excluded: (r) => m.excluded(r.schema, r.name) }, partitionsAsTables);
  const name = (oid: number) => { const r = rels.find((x) => x.oid === oid)!; return `${r.schema}.${r.name}`; };
  return {
    selected: [...t.selected].map(name).sort(),
    lone: t.lonePartitions.map((l) => `${l.partition.schema}.${l.partition.name} of ${l.parent}`),
    detached: [...t.detached].map(([oid, kept]) => `${name(oid)}:${kept.map(name).join('+')}`),
    notes: t.notes,
  };
}

describe('selectTrees', () => {
  it('a partitioned table brings every level, the default partition and partitions in other schemas', () => {
    const r = pick({ includeTables: ['public.orders'] });
    assert.deepEqual(r.selected, ['archive.Orders 2019', 'public.orders', 'public.orders_2023', 'public.orders_2024', 'public.orders_2024_eu', 'public.orders_2024_other', 'public.orders_default']);
    assert.deepEqual(r.lone, []);
    assert.ok(pick({ includeSchemas: ['public'] }).selected.includes('archive.Orders 2019'), 'a partition follows its parent out of a schema not included');
    assert.deepEqual(r.notes, ['partitioned table public.orders is selected with its whole partition tree: 6 partition(s) come with it (public.orders_2023, public.orders_2024, public.orders_2024_eu, public.orders_2024_other, archive."Orders 2019" and 1 more)']);
  });

  it('excluding the parent excludes the tree, and no partition counts as selected alone', () => {
    const r = pick({ excludeTables: ['public.orders'] });
    assert.deepEqual(r.selected, ['archive.measure_both', 'public.extra', 'public.measure', 'public.measure_2019', 'public.other']);
    assert.deepEqual(r.lone, []);
  });

  it('an exclude pattern naming a partition leaves it and its subtree out, with a note', () => {
    const r = pick({ includeTables: ['public.orders'], excludeTables: ['orders_2024'] });
    assert.ok(!r.selected.some((n) => n.startsWith('public.orders_2024')), r.selected.join());
    assert.ok(r.selected.includes('public.orders_default'));
    assert.ok(r.notes.includes('partition public.orders_2024 of public.orders is left out by an exclude pattern, with the partitions under it: public.orders on the target lacks its rows'), r.notes.join('\n'));
    const schema = pick({ excludeSchemas: ['archive'] });
    assert.ok(!schema.selected.includes('archive.Orders 2019'));
    assert.ok(schema.notes.some((n) => n.startsWith('partition archive."Orders 2019" of public.orders is left out by an exclude pattern')));
  });

  it('a partition selected alone is refused (only the topmost of its subtree is named), or detached with partitionsAsTables', () => {
    const r = pick({ includeTables: ['public.orders_2024*'] });
    assert.deepEqual(r.lone, ['public.orders_2024 of public.orders']);
    assert.deepEqual(r.selected, []);
    const s = pick({ includeSchemas: ['archive'] });
    assert.deepEqual(s.lone, ['archive.Orders 2019 of public.orders'], 'a schema selected whole names its partitions too');
    const plain = pick({ includeTables: ['orders_2023', 'orders_2024'] }, true);
    assert.deepEqual(plain.selected, ['public.orders_2023', 'public.orders_2024', 'public.orders_2024_eu', 'public.orders_2024_other']);
    assert.deepEqual(plain.detached, ['public.orders_2023:', 'public.orders_2024:']);
    assert.ok(plain.notes.includes('partition public.orders_2023 is created as a plain table (partitionsAsTables), with its own rows: not a partition of public.orders, which is not selected, and without the foreign keys and triggers it takes from it'));
  });

  it('a partition named with its parent is just part of the tree', () => {
    const r = pick({ includeTables: ['public.orders', 'public.orders_2023'] });
    assert.deepEqual(r.lone, []);
    assert.deepEqual(r.detached, []);
    assert.equal(r.selected.length, 7);
  });

  it('inheritance children follow a parent; a child alone, or with one of two parents, keeps only what is selected', () => {
    const r = pick({ includeTables: ['public.measure'] });
    assert.deepEqual(r.selected, ['archive.measure_both', 'public.measure', 'public.measure_2019']);
    assert.deepEqual(r.detached, ['archive.measure_both:public.measure']);
    assert.ok(r.notes.includes('table archive.measure_both is created inheriting only from public.measure: its parent public.extra is not selected'), r.notes.join('\n'));
    assert.ok(r.notes.some((n) => n.startsWith('table public.measure is selected with its 2 inheritance child(ren) (public.measure_2019, archive.measure_both)')), r.notes.join('\n'));
    const alone = pick({ includeTables: ['measure_2019'] });
    assert.deepEqual(alone.selected, ['public.measure_2019']);
    assert.deepEqual(alone.detached, ['public.measure_2019:']);
    assert.deepEqual(alone.notes, ['table public.measure_2019 is created without INHERITS public.measure: its parent is not selected']);
  });
});
