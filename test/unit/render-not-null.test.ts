/**
 * The CREATE TABLE text renderTable writes for PostgreSQL 18's NOT NULL constraints and virtual
 * generated columns (the integration test every-kind.test.ts runs the same cases against real
 * servers): a partition keeps its parent's NOT NULL name, a child leaves an inherited one to
 * INHERITS and declares its own on an inherited column as a table constraint, an older source's
 * NOT NULL stays unnamed, and an unlogged partitioned table loses UNLOGGED only on 18.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Column, NotNullConstraint, Relation } from '../../src/catalog/model.js';
import { renderTable } from '../../src/ddl/render-relations.js';
import type { OwnershipContext } from '../../src/ddl/common.js';

const ctx: OwnershipContext = { applyOwners: false, targetUser: 'postgres', targetRoles: new Set(), applyPrivileges: false };

function col(name: string, extra: Partial<Column> = {}): Column {
  return {
    num: 0, name, type: 'integer', notNull: false, notNullConstraint: null, defaultExpr: null, identity: '', generated: '',
    isLocal: true, collation: null, comment: null, binaryOk: true, storage: null, compression: null, statTarget: null,
    options: null, fdwOptions: null, acl: null, ...extra,
  };
}

/** A valid NOT NULL: named (18) when `nn` is given, unnamed (older source) otherwise. */
function nn(name: string, c: Partial<NotNullConstraint> = {}): Partial<Column> {
  return { notNull: true, notNullConstraint: { name, isLocal: true, noInherit: false, comment: null, ...c } };
}

let oid = 1000;
function table(name: string, columns: Column[], extra: Partial<Relation> = {}): Relation {
  oid += 1;
  return {
    key: `pg_class:${oid}`, oid, schema: 's', name, owner: 'postgres', comment: null, acl: null, relkind: 'r', persistence: 'p',
    options: null, isPartition: false, partitionKey: null, partitionBound: null, parents: [], viewDefinition: null, populated: true,
    replicaIdentity: 'd', bytes: 0, estimatedRows: 0, blocks: 0, inheritedStats: false, ofType: null, rowSecurity: false,
    forceRowSecurity: false, foreignServer: null, foreignOptions: null, hasOids: false, accessMethod: null, columns, constraints: [],
    ...extra,
  };
}

const render = (t: Relation, parents: Relation[] = [], c: OwnershipContext = ctx) =>
  renderTable(t, new Map(), c, (o) => parents.find((p) => p.oid === o));

describe('renderTable: NOT NULL constraints of PostgreSQL 18', () => {
  it('a partition made by PARTITION OF keeps its parent\'s NOT NULL name (the reported bug)', () => {
    const parted = table('parted', [col('id', nn('parted_id_not_null'))], { relkind: 'p', partitionKey: 'RANGE (id)' });
    const part = table('parted_1', [col('id', { ...nn('parted_id_not_null', { isLocal: false }), isLocal: false })], {
      isPartition: true, partitionBound: 'FOR VALUES FROM (0) TO (10)', parents: [{ schema: 's', name: 'parted', oid: parted.oid }],
    });
    assert.deepEqual(render(part, [parted]).slice(0, 2), [
      'CREATE TABLE "s"."parted_1" ("id" integer CONSTRAINT "parted_id_not_null" NOT NULL)',
      'ALTER TABLE ONLY "s"."parted" ATTACH PARTITION "s"."parted_1" FOR VALUES FROM (0) TO (10)',
    ]);
  });

  it('an inheritance child leaves inherited ones to INHERITS and declares its own, on its columns and on inherited ones', () => {
    const parent = table('p', [col('a', nn('pa_nn')), col('b', nn('p_b_not_null', { noInherit: true })), col('d')]);
    const child = table('c', [
      col('a', { ...nn('c_a_own'), isLocal: true }),
      col('b', { isLocal: false }),
      col('d', { ...nn('c_d_nn'), isLocal: false }),
      col('e', nn('c_e_nn', { noInherit: true })),
    ], { parents: [{ schema: 's', name: 'p', oid: parent.oid }] });
    assert.equal(render(child, [parent])[0],
      'CREATE TABLE "s"."c" ("a" integer CONSTRAINT "c_a_own" NOT NULL, "e" integer CONSTRAINT "c_e_nn" NOT NULL NO INHERIT, ' +
      'CONSTRAINT "c_d_nn" NOT NULL "d") INHERITS ("s"."p")');
    // only inherited: nothing of its own
    const plain = table('c2', [col('a', { ...nn('pa_nn', { isLocal: false }), isLocal: false }), col('b', { isLocal: false }), col('d', { isLocal: false })], {
      parents: [{ schema: 's', name: 'p', oid: parent.oid }],
    });
    assert.equal(render(plain, [parent])[0], 'CREATE TABLE "s"."c2" () INHERITS ("s"."p")');
  });

  it('a child\'s valid NOT NULL under a parent whose one is NOT VALID is its own, as pg_dump prints it', () => {
    const parent = table('q', [col('a')]);
    const child = table('qc', [col('a', { ...nn('q_a_nv', { isLocal: false }), isLocal: false })], { parents: [{ schema: 's', name: 'q', oid: parent.oid }] });
    assert.equal(render(child, [parent])[0], 'CREATE TABLE "s"."qc" (CONSTRAINT "q_a_nv" NOT NULL "a") INHERITS ("s"."q")');
  });

  it('an older source\'s NOT NULL is unnamed, and a child\'s inherited one is left to its parent', () => {
    const parent = table('p', [col('a', { notNull: true })]);
    const child = table('c', [col('a', { notNull: true }), col('b', { notNull: true })], { parents: [{ schema: 's', name: 'p', oid: parent.oid }] });
    assert.equal(render(child, [parent])[0], 'CREATE TABLE "s"."c" ("a" integer, "b" integer NOT NULL) INHERITS ("s"."p")');
  });

  it('typed tables take a named NOT NULL as a table constraint; comments follow', () => {
    const typed = table('t', [col('x', { ...nn('t_x_named', { comment: 'why' }), isLocal: false })], { ofType: 's.person' });
    assert.deepEqual(render(typed), [
      'CREATE TABLE "s"."t" OF s.person (CONSTRAINT "t_x_named" NOT NULL "x")',
      'COMMENT ON CONSTRAINT "t_x_named" ON "s"."t" IS \'why\'',
    ]);
  });

  it('virtual generated columns are created VIRTUAL', () => {
    const t = table('v', [col('a'), col('g', { generated: 'v', defaultExpr: '(a * 2)', ...nn('v_g_nn') })]);
    assert.equal(render(t)[0], 'CREATE TABLE "s"."v" ("a" integer, "g" integer GENERATED ALWAYS AS ((a * 2)) VIRTUAL CONSTRAINT "v_g_nn" NOT NULL)');
  });

  it('an unlogged partitioned table is a plain one on an 18 target only', () => {
    const t = table('u', [col('id')], { relkind: 'p', persistence: 'u', partitionKey: 'RANGE (id)' });
    assert.equal(render(t, [], { ...ctx, targetMajor: 17 })[0], 'CREATE UNLOGGED TABLE "s"."u" ("id" integer) PARTITION BY RANGE (id)');
    assert.equal(render(t, [], { ...ctx, targetMajor: 18 })[0], 'CREATE TABLE "s"."u" ("id" integer) PARTITION BY RANGE (id)');
  });
});
