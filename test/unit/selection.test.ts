/**
 * resolveSelection and its helpers (src/plan/selection.ts) on a hand-made catalog: which keys a
 * selection leaves out, what it pulls in from other schemas (with the note saying so), sequences
 * following their table, partitions selected alone, and column patterns on dotted names.
 * (relation-trees.test.ts covers partition and inheritance trees, glob-match.test.ts the limits.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Catalog } from '../../src/catalog/model.js';
import { PgferryError } from '../../src/errors.js';
import { columnMatcher, lonePartitionsError, resolveSelection, selects, selectsColumns } from '../../src/plan/selection.js';
import { column, constraint, DOT, emptyCatalog, index, QUOTE, relation, schema, sequence, SPACE } from './catalog-fixture.js';

/**
 * Schemas app, `Foo Bar` and lib. app: orders (with its owned sequence), items (a column of type
 * lib.mood, an index, a foreign key to orders), a standalone sequence counter, a view on orders,
 * partitioned p with partition p_1. `Foo Bar`: table `a.b`, enum color. lib: enum mood, function unused.
 */
function selectionCatalog(): Catalog {
  const orders = relation(10, 'app', 'orders', [column('id', { type: 'bigint' })]);
  const items = relation(11, 'app', 'items', [column('id'), column('order_id', { type: 'bigint' }), column('mood', { type: 'lib.mood' })]);
  items.constraints.push(constraint(40, items, 'items_order_fk', 'f', 'FOREIGN KEY (order_id) REFERENCES app.orders(id)', { refRelOid: 10 }));
  const p = relation(16, 'app', 'p', [column('k')], { relkind: 'p', partitionKey: 'LIST (k)' });
  const p1 = relation(17, 'app', 'p_1', [column('k')], { isPartition: true, partitionBound: 'FOR VALUES IN (1)', parents: [{ schema: 'app', name: 'p', oid: 16 }] });
  const fn = { key: 'pg_proc:31', oid: 31, schema: 'lib', name: 'unused', owner: 'postgres', comment: null, acl: null, kind: 'f' as const, language: 'sql', identityArgs: '', definition: 'x' };
  const enumOf = (oid: number, s: string, name: string) => ({ key: `pg_type:${oid}`, oid, schema: s, name, owner: 'postgres', comment: null, acl: null, labels: ['a'] });
  return emptyCatalog({
    schemas: [schema(1, 'app'), schema(2, SPACE), schema(3, 'lib')],
    relations: [orders, items, relation(14, SPACE, DOT, [column('id')]), relation(15, 'app', 'v', [column('id')], { relkind: 'v', viewDefinition: 'SELECT 1' }), p, p1],
    sequences: [sequence(12, 'app', 'orders_id_seq', { ownedBy: { tableOid: 10, schema: 'app', table: 'orders', column: 'id' } }), sequence(13, 'app', 'counter')],
    indexes: [index(20, items, 'items_mood_idx', 'CREATE INDEX items_mood_idx ON app.items USING btree (mood)')],
    enums: [enumOf(30, 'lib', 'mood'), enumOf(32, SPACE, 'color')],
    functions: [fn],
    depends: [['pg_class:11', 'pg_type:30'], ['pg_class:15', 'pg_class:10'], ['pg_constraint:40', 'pg_class:10'], ['pg_class:10', 'pg_class:12']],
  });
}

const sorted = (s: Set<string>) => [...s].sort();

describe('resolveSelection', () => {
  it('one table: the other tables, their sequences and other schemas\' objects are out; a type it needs comes with its schema', () => {
    const r = resolveSelection(selectionCatalog(), { includeTables: ['app.items'] });
    assert.deepEqual(sorted(r.unselected), [
      'pg_class:10', 'pg_class:12', 'pg_class:13', 'pg_class:14', 'pg_class:15', 'pg_class:16', 'pg_class:17', 'pg_namespace:2', 'pg_proc:31', 'pg_type:32',
    ]);
    assert.deepEqual(r.notes, ['schema lib is created for what the selected objects need from it: type lib.mood']);
    assert.deepEqual(r.lonePartitions, []);
  });

  it('a table brings its owned sequence; another table stays out with its key and index', () => {
    const r = resolveSelection(selectionCatalog(), { includeTables: ['orders'] });
    assert.ok(!r.unselected.has('pg_class:12'), 'the owned sequence follows its table');
    assert.ok(r.unselected.has('pg_class:11') && r.unselected.has('pg_constraint:40') && r.unselected.has('pg_class:20'), 'items goes with its key and index');
    assert.ok(r.unselected.has('pg_class:13'), 'the standalone sequence no pattern names stays out');
  });

  it('excluding a schema with a space in its name leaves out exactly its objects', () => {
    const r = resolveSelection(selectionCatalog(), { excludeSchemas: [SPACE] });
    assert.deepEqual(sorted(r.unselected), ['pg_class:14', 'pg_namespace:2', 'pg_type:32']);
    assert.deepEqual(r.notes, []);
  });

  it('a table pattern with a dot names schema.table: `Foo Bar.a.b` takes the table named a.b', () => {
    const r = resolveSelection(selectionCatalog(), { includeTables: [`${SPACE}.${DOT}`] });
    assert.ok(!r.unselected.has('pg_class:14'));
    assert.ok(!r.unselected.has('pg_namespace:2'));
    assert.ok(r.unselected.has('pg_class:10') && r.unselected.has('pg_namespace:1'));
  });

  it('a standalone sequence named by a pattern is in', () => {
    const r = resolveSelection(selectionCatalog(), { includeTables: ['app.counter'] });
    assert.ok(!r.unselected.has('pg_class:13'));
    assert.ok(r.unselected.has('pg_class:12'));
  });

  it('a partition without its partitioned table is listed, and refused with the way out', () => {
    const r = resolveSelection(selectionCatalog(), { includeTables: ['p_1'] });
    assert.deepEqual(r.lonePartitions, [{ partition: 'app.p_1', parent: 'app.p' }]);
    const err = lonePartitionsError(r.lonePartitions);
    assert.ok(err instanceof PgferryError);
    assert.equal(err.code, 'PGFERRY_E_USAGE');
    assert.equal(err.object, 'app.p_1');
    assert.equal(err.message, '1 partition(s) are selected without their partitioned table: app.p_1 (of app.p)');
    assert.match(err.fix ?? '', /--partitions-as-tables/);
  });
});

describe('selects, selectsColumns and columnMatcher', () => {
  it('whether a selection leaves anything out', () => {
    assert.equal(selects(undefined), false);
    assert.equal(selects({ includeTables: [] }), false);
    assert.equal(selects({ excludeSchemas: ['x'] }), true);
    assert.equal(selects({ excludeColumns: ['t.c'] }), true);
    assert.equal(selectsColumns({ includeTables: ['t'] }), false);
    assert.equal(selectsColumns({ includeColumns: ['t.c'] }), true);
  });

  it('column patterns split at the last dot: a table named a.b and a column with a quote', () => {
    const keep = columnMatcher({ includeColumns: [`${SPACE}.${DOT}.id`, `${QUOTE}.x*`], excludeColumns: ['*.secret'] });
    assert.equal(keep(SPACE, DOT, 'id'), true);
    assert.equal(keep(SPACE, DOT, 'other'), false, 'an included table keeps only the columns named');
    assert.equal(keep('any', QUOTE, 'x1'), true);
    assert.equal(keep('any', QUOTE, 'y'), false);
    assert.equal(keep('any', 'untouched', 'anything'), true);
    assert.equal(keep('any', 'untouched', 'secret'), false);
  });
});
