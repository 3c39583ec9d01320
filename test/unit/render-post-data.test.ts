/**
 * The exact text of render-post-data.ts: keys, foreign keys, NOT VALID checks and NOT NULL
 * (ONLY or not), indexes with statistics targets, partition index attachment, CLUSTER and
 * REPLICA IDENTITY, triggers and their enabled states, on hostile names.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TriggerObj } from '../../src/catalog/model.js';
import { renderConstraint, renderIndex, renderIndexAttach, renderTableIndexSettings, renderTrigger } from '../../src/ddl/render-post-data.js';
import { column, constraint, DOT, index, LONG, QUOTE, relation, SPACE } from './catalog-fixture.js';

const table = relation(100, SPACE, QUOTE, [column('id'), column(LONG)]);
const parted = relation(101, DOT, LONG, [column('id')], { relkind: 'p', partitionKey: 'LIST (id)' });

describe('renderConstraint', () => {
  it('a primary key on ONLY the table, with its comment', () => {
    assert.deepEqual(renderConstraint(constraint(1, table, `${QUOTE}_pkey`, 'p', 'PRIMARY KEY (id)', { comment: 'pk' }), table), [
      'ALTER TABLE ONLY "Foo Bar"."we""ird" ADD CONSTRAINT "we""ird_pkey" PRIMARY KEY (id)',
      `COMMENT ON CONSTRAINT "we""ird_pkey" ON "Foo Bar"."we""ird" IS 'pk'`,
    ]);
  });

  it('a foreign key: ONLY on a plain table, not on a partitioned one (it recurses)', () => {
    const def = `FOREIGN KEY ("${LONG}") REFERENCES "a.b"."${LONG}"(id)`;
    assert.deepEqual(renderConstraint(constraint(2, table, LONG, 'f', def), table), [`ALTER TABLE ONLY "Foo Bar"."we""ird" ADD CONSTRAINT "${LONG}" ${def}`]);
    assert.deepEqual(renderConstraint(constraint(3, parted, 'fk', 'f', 'FOREIGN KEY (id) REFERENCES "Foo Bar"."we""ird"(id)'), parted), [
      `ALTER TABLE "a.b"."${LONG}" ADD CONSTRAINT "fk" FOREIGN KEY (id) REFERENCES "Foo Bar"."we""ird"(id)`,
    ]);
  });

  it('a NOT VALID check and a NOT VALID NOT NULL are added without ONLY, so children inherit them', () => {
    assert.deepEqual(renderConstraint(constraint(4, table, 'a.b', 'c', 'CHECK ((id > 0)) NOT VALID', { validated: false }), table), [
      'ALTER TABLE "Foo Bar"."we""ird" ADD CONSTRAINT "a.b" CHECK ((id > 0)) NOT VALID',
    ]);
    assert.deepEqual(renderConstraint(constraint(5, table, 'nn', 'n', 'NOT NULL id NOT VALID', { validated: false }), table), [
      'ALTER TABLE "Foo Bar"."we""ird" ADD CONSTRAINT "nn" NOT NULL id NOT VALID',
    ]);
  });
});

describe('renderIndex and renderIndexAttach', () => {
  it('the server\'s CREATE INDEX, expression column statistics targets, comment', () => {
    const i = index(10, table, `${QUOTE} idx`, `CREATE INDEX "we""ird idx" ON "Foo Bar"."we""ird" USING btree (lower("${LONG}"))`, {
      columnStats: [{ num: 1, target: 300 }], comment: 'expr', plainColumns: false,
    });
    assert.deepEqual(renderIndex(i), [
      `CREATE INDEX "we""ird idx" ON "Foo Bar"."we""ird" USING btree (lower("${LONG}"))`,
      'ALTER INDEX "Foo Bar"."we""ird idx" ALTER COLUMN 1 SET STATISTICS 300',
      `COMMENT ON INDEX "Foo Bar"."we""ird idx" IS 'expr'`,
    ]);
  });

  it('a partition\'s index is attached to its parent\'s (already quoted by indexes.sql); others need nothing', () => {
    const i = index(11, table, 'we"ird_id_idx', 'CREATE INDEX ...', { parentIndex: `"a.b"."${LONG}_id_idx"` });
    assert.deepEqual(renderIndexAttach(i), [`ALTER INDEX "a.b"."${LONG}_id_idx" ATTACH PARTITION "Foo Bar"."we""ird_id_idx"`]);
    assert.deepEqual(renderIndexAttach(index(12, table, 'x', 'CREATE INDEX ...')), []);
  });
});

describe('renderTableIndexSettings', () => {
  const clustered = index(20, table, 'Clu"st', 'CREATE INDEX ...', { clustered: true });
  const ri = index(21, table, LONG, 'CREATE UNIQUE INDEX ...', { replicaIdentity: true });

  it('CLUSTER ON, then each REPLICA IDENTITY', () => {
    assert.deepEqual(renderTableIndexSettings({ ...table, replicaIdentity: 'i' }, [clustered, ri]), [
      'ALTER TABLE "Foo Bar"."we""ird" CLUSTER ON "Clu""st"',
      `ALTER TABLE ONLY "Foo Bar"."we""ird" REPLICA IDENTITY USING INDEX "${LONG}"`,
    ]);
    assert.deepEqual(renderTableIndexSettings({ ...table, replicaIdentity: 'f' }, []), ['ALTER TABLE ONLY "Foo Bar"."we""ird" REPLICA IDENTITY FULL']);
    assert.deepEqual(renderTableIndexSettings({ ...table, replicaIdentity: 'n' }, []), ['ALTER TABLE ONLY "Foo Bar"."we""ird" REPLICA IDENTITY NOTHING']);
    assert.deepEqual(renderTableIndexSettings(table, [ri]), []);
  });

  it('a materialized view takes CLUSTER ON only', () => {
    const mv = relation(102, DOT, SPACE, [column('id')], { relkind: 'm', replicaIdentity: 'n' });
    assert.deepEqual(renderTableIndexSettings(mv, [{ ...clustered, relOid: 102 }]), ['ALTER TABLE "a.b"."Foo Bar" CLUSTER ON "Clu""st"']);
  });
});

describe('renderTrigger', () => {
  const trigger = (extra: Partial<TriggerObj>): TriggerObj => ({
    key: 'pg_trigger:30', oid: 30, relOid: 100, schema: SPACE, table: QUOTE, name: 'a.b trg',
    definition: 'CREATE TRIGGER "a.b trg" BEFORE INSERT ON "Foo Bar"."we""ird" FOR EACH ROW EXECUTE FUNCTION "Foo Bar".f()',
    enabled: 'O', comment: null, cloneStates: [], ...extra,
  });

  it('an enabled trigger is its definition alone', () => {
    assert.deepEqual(renderTrigger(trigger({})), ['CREATE TRIGGER "a.b trg" BEFORE INSERT ON "Foo Bar"."we""ird" FOR EACH ROW EXECUTE FUNCTION "Foo Bar".f()']);
  });

  it('its state, the states of its copies on partitions, and its comment', () => {
    const t = trigger({ enabled: 'D', comment: 'off', cloneStates: [{ schema: DOT, table: LONG, enabled: 'A' }, { schema: DOT, table: 'p2', enabled: 'R' }] });
    assert.deepEqual(renderTrigger(t).slice(1), [
      'ALTER TABLE "Foo Bar"."we""ird" DISABLE TRIGGER "a.b trg"',
      `ALTER TABLE ONLY "a.b"."${LONG}" ENABLE ALWAYS TRIGGER "a.b trg"`,
      'ALTER TABLE ONLY "a.b"."p2" ENABLE REPLICA TRIGGER "a.b trg"',
      `COMMENT ON TRIGGER "a.b trg" ON "Foo Bar"."we""ird" IS 'off'`,
    ]);
  });
});
