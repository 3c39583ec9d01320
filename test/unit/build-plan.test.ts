/**
 * buildPlan on the small hand-made catalog of catalog-fixture.ts (schema `Foo Bar`, tables `a.b`
 * and `we"ird` with keys, an index and a foreign key, a sequence owned by a column, a view with a
 * 63-byte name): the exact pre-data statements in their order, the copy units, the post-data
 * steps in order (read only through postDataSteps) and the final steps; then the same for a
 * catalog of many object kinds (kindsCatalog). rendered-ddl.test.ts runs these very statements on
 * PostgreSQL 15 and 17.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildPlan } from '../../src/plan/build-plan.js';
import { postDataSteps, stageSteps, type DdlStep } from '../../src/plan/plan-model.js';
import {
  KINDS_FINAL, KINDS_POST_DATA, KINDS_PRE_DATA, kindsCatalog, kindsOptions, LONG, PLAN_FINAL, PLAN_POST_DATA, PLAN_PRE_DATA, planCatalog, planOptions,
} from './catalog-fixture.js';

const options = planOptions;
const steps = (list: DdlStep[]) => list.map((s) => ({ key: s.key, kind: s.kind, name: s.name, sql: s.sql }));

describe('buildPlan on a small catalog with hostile names', () => {
  const plan = buildPlan(planCatalog(), options);

  it('pre-data: schema, sequence, tables, view, then OWNED BY, each statement exact', () => {
    assert.deepEqual(steps(plan.preData), PLAN_PRE_DATA);
  });

  it('pre-data levels: what a step needs is on a lower level', () => {
    assert.deepEqual(plan.preData.map((s) => [s.key, s.level]), [
      ['pg_namespace:16400', 0], ['pg_class:16401', 1], ['pg_class:16402', 2], ['pg_class:16403', 1], ['pg_class:16405', 3], ['pg_class:16401:owned', 3],
    ]);
  });

  it('copy units: one per table, largest first, columns in order, the referenced table marked', () => {
    assert.deepEqual(plan.units.map((u) => ({ id: u.id, key: u.key, schema: u.schema, table: u.table, columns: u.columns, referenced: u.referenced, binary: u.binary, slice: u.slice })), [
      { id: '"Foo Bar"."a.b"', key: 'pg_class:16402', schema: 'Foo Bar', table: 'a.b', columns: ['id', LONG], referenced: true, binary: true, slice: undefined },
      { id: '"Foo Bar"."we""ird"', key: 'pg_class:16403', schema: 'Foo Bar', table: 'we"ird', columns: ['id', 'a.b id'], referenced: false, binary: true, slice: undefined },
    ]);
  });

  it('post-data: keys largest table first, then the index, then the foreign key added NOT VALID and validated apart (a.b is 20 MB)', () => {
    assert.deepEqual(steps(postDataSteps(plan)), PLAN_POST_DATA);
  });

  it('final steps, sequences, renames and skipped', () => {
    assert.deepEqual(steps(stageSteps(plan, 'final')), PLAN_FINAL);
    assert.deepEqual(plan.sequences, [{ schema: 'Foo Bar', name: 'a.b_id_seq' }]);
    assert.deepEqual(plan.renames, []);
    assert.deepEqual(plan.skipped, []);
  });

  it('with no data phase the keys and the index join pre-data, on their table\'s connection, before the view that reads one', () => {
    const noData = buildPlan(planCatalog(), { ...options, noData: true });
    assert.deepEqual(noData.preData.map((s) => [s.key, s.lockGroup]), [
      ['pg_namespace:16400', undefined], ['pg_class:16401', undefined], ['pg_class:16402', undefined], ['pg_class:16403', undefined],
      ['pg_class:16415', 'pg_class:16403'], ['pg_constraint:16410', 'pg_class:16402'], ['pg_constraint:16412', 'pg_class:16403'],
      ['pg_class:16405', undefined], ['pg_class:16401:owned', undefined],
    ]);
    assert.deepEqual(steps(postDataSteps(noData)).map((s) => s.sql), [
      ['ALTER TABLE ONLY "Foo Bar"."we""ird" ADD CONSTRAINT "we""ird_fk" FOREIGN KEY ("a.b id") REFERENCES "Foo Bar"."a.b"(id) NOT VALID'],
      ['ALTER TABLE ONLY "Foo Bar"."we""ird" VALIDATE CONSTRAINT "we""ird_fk"'],
    ]);
  });

  it('a selection of one table leaves the other and what needs it out, and says why', () => {
    const only = buildPlan(planCatalog(), { ...options, selection: { includeTables: ['Foo Bar.we"ird'] } });
    assert.deepEqual(only.preData.map((s) => s.key), ['pg_namespace:16400', 'pg_class:16403']);
    assert.deepEqual(only.units.map((u) => u.table), ['we"ird']);
    assert.deepEqual(steps(postDataSteps(only)).map((s) => s.key), ['pg_constraint:16412', 'pg_class:16415']);
    assert.deepEqual(only.sequences, []);
    assert.deepEqual(only.skipped, [{ key: 'pg_constraint:16414', kind: 'constraint', name: '"we""ird_fk" on "Foo Bar"."we""ird"', reason: 'depends on table "Foo Bar"."a.b", which is not selected' }]);
  });

  it('the name mapping becomes one rename step', () => {
    const mapped = buildPlan(planCatalog(), { ...options, mapping: { schemas: [{ from: 'Foo Bar', to: 'x.y' }], tables: [{ schema: 'Foo Bar', from: 'we"ird', to: 'Plain' }] } });
    assert.deepEqual(steps(mapped.renames), [{
      key: 'renames', kind: 'rename', name: 'object name mapping',
      sql: ['ALTER TABLE "Foo Bar"."we""ird" RENAME TO "Plain"', 'ALTER SCHEMA "Foo Bar" RENAME TO "x.y"'],
    }]);
  });
});

describe('buildPlan on a catalog of many object kinds', () => {
  const plan = buildPlan(kindsCatalog(), kindsOptions);
  const keyed = (list: DdlStep[]) => list.map((s) => ({ key: s.key, sql: s.sql }));

  it('pre-data: schema, foreign data, collation, types, functions, operator, cast, text search, sequence, tables, views, large object', () => {
    assert.deepEqual(keyed(plan.preData), KINDS_PRE_DATA);
  });

  it('post-data: the key, the expression index, the late domain check, the trigger, the view definition, rule, row-level security, policy, statistics', () => {
    assert.deepEqual(keyed(postDataSteps(plan)), KINDS_POST_DATA);
  });

  it('the event trigger, the publication and default privileges come last; units, sequences (the identity one too), nothing skipped', () => {
    assert.deepEqual(keyed(stageSteps(plan, 'final')), KINDS_FINAL);
    assert.deepEqual(plan.units.map((u) => [u.id, u.columns]), [['"Foo Bar"."Items"', ['id', 'we"ird', 'qty', 'note']], ['"Foo Bar"."Parted 1"', ['k']]]);
    assert.deepEqual(plan.sequences, [{ schema: 'Foo Bar', name: 'we"ird_seq' }, { schema: 'Foo Bar', name: 'Items_id_seq' }]);
    assert.deepEqual(plan.skipped, []);
    assert.deepEqual(plan.preData.filter((s) => s.secret).map((s) => s.key), ['pg_user_mapping:17062'], 'the user mapping\'s options are shown masked');
  });

  it('without --publications the publication is skipped, with the reason', () => {
    const noPub = buildPlan(kindsCatalog(), planOptions);
    assert.deepEqual(stageSteps(noPub, 'final').map((s) => s.key), ['pg_event_trigger:17063', 'pg_default_acl:17064']);
    assert.deepEqual(noPub.skipped, [{ key: 'pg_publication:17019', kind: 'publication', name: '"Foo Bar"', reason: 'publications are created only with --publications' }]);
  });
});
