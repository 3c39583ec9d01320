/**
 * skipClosure (src/plan/skip-closure.ts): what depends on a skipped object is skipped with the
 * chain named in its reason; what the selection leaves out is left out silently, with what
 * belongs to it (`pg_class:1:owned`), and takes its dependents along as skipped.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SkippedObject } from '../../src/catalog/model.js';
import { skipClosure } from '../../src/plan/skip-closure.js';

const steps = [
  { key: 'pg_proc:1', kind: 'function', name: '"Foo Bar".c_func(integer)' },
  { key: 'pg_class:2', kind: 'view', name: '"Foo Bar"."a.b"' },
  { key: 'pg_class:3', kind: 'view', name: '"Foo Bar"."we""ird"' },
  { key: 'pg_class:4', kind: 'table', name: 'app.t' },
  { key: 'pg_class:5', kind: 'sequence', name: 'app.t_id_seq' },
  { key: 'pg_class:5:owned', kind: 'sequence owner', name: 'app.t_id_seq' },
  { key: 'pg_constraint:6', kind: 'constraint', name: 'fk on app.u' },
  { key: 'pg_class:7', kind: 'table', name: 'app.u' },
];
const edges: [string, string][] = [
  ['pg_class:2', 'pg_proc:1'],
  ['pg_class:3', 'pg_class:2'],
  ['pg_class:5:owned', 'pg_class:5'],
  ['pg_class:5:owned', 'pg_class:4'],
  ['pg_constraint:6', 'pg_class:7'],
  ['pg_constraint:6', 'pg_class:4'],
];

describe('skipClosure', () => {
  it('nothing skipped, nothing unselected: nothing blocked', () => {
    const skipped: SkippedObject[] = [];
    assert.equal(skipClosure(skipped, steps, edges, new Set()).size, 0);
    assert.deepEqual(skipped, []);
  });

  it('a skipped function takes the view on it, and the view on that view, each with its reason', () => {
    const skipped: SkippedObject[] = [{ key: 'pg_proc:1', kind: 'function', name: '"Foo Bar".c_func(integer)', reason: 'C function' }];
    const blocked = skipClosure(skipped, steps, edges, new Set());
    assert.deepEqual([...blocked], [
      ['pg_proc:1', 'function "Foo Bar".c_func(integer), which is skipped'],
      ['pg_class:2', 'view "Foo Bar"."a.b", which is skipped'],
      ['pg_class:3', 'view "Foo Bar"."we""ird", which is skipped'],
    ]);
    assert.deepEqual(skipped.slice(1), [
      { key: 'pg_class:2', kind: 'view', name: '"Foo Bar"."a.b"', reason: 'depends on function "Foo Bar".c_func(integer), which is skipped' },
      { key: 'pg_class:3', kind: 'view', name: '"Foo Bar"."we""ird"', reason: 'depends on view "Foo Bar"."a.b", which is skipped' },
    ]);
  });

  it('an unselected table is left out silently with its sequence owner; a selected foreign key to it is skipped', () => {
    const skipped: SkippedObject[] = [];
    const blocked = skipClosure(skipped, steps, edges, new Set(['pg_class:4', 'pg_class:5']));
    assert.deepEqual([...blocked.keys()].sort(), ['pg_class:4', 'pg_class:5', 'pg_class:5:owned', 'pg_constraint:6']);
    assert.equal(blocked.get('pg_class:5:owned'), 'sequence owner app.t_id_seq, which is not selected');
    assert.deepEqual(skipped, [{ key: 'pg_constraint:6', kind: 'constraint', name: 'fk on app.u', reason: 'depends on table app.t, which is not selected' }]);
  });

  it('an unselected key that is no step (a schema) is blocked under its key', () => {
    const skipped: SkippedObject[] = [];
    const blocked = skipClosure(skipped, steps, [['pg_class:7', 'pg_namespace:9']], new Set(['pg_namespace:9']));
    assert.deepEqual([...blocked], [['pg_namespace:9', 'pg_namespace:9, which is not selected'], ['pg_class:7', 'table app.u, which is skipped']]);
    assert.deepEqual(skipped, [{ key: 'pg_class:7', kind: 'table', name: 'app.u', reason: 'depends on pg_namespace:9, which is not selected' }]);
  });
});
