/**
 * The exact text of render-relations.ts: sequences, OWNED BY, tables (plain, identity, partition,
 * foreign, with column settings and privileges), views and materialized views, placeholder
 * views and late CHECK constraints, on hostile names (render-not-null.test.ts covers NOT NULL).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SequenceObj } from '../../src/catalog/model.js';
import { renderCheckConstraint, renderSequence, renderSequenceOwnedBy, renderTable, renderView, renderViewDefinition } from '../../src/ddl/render-relations.js';
import { column, constraint, ctx, DOT, LONG, ownerCtx, QUOTE, relation, sequence, SPACE } from './catalog-fixture.js';

describe('renderSequence and renderSequenceOwnedBy', () => {
  it('a sequence with hostile names, every option, owner, privileges and comment', () => {
    const s = sequence(100, SPACE, QUOTE, {
      dataType: 'integer', start: '10', increment: '-2', min: '-100', max: '100', cache: '5', cycle: true, owner: 'Alice B', comment: "it's",
      acl: [
        { grantee: 'Alice B', grantor: 'Alice B', privilege: 'USAGE', grantable: false },
        { grantee: 'Alice B', grantor: 'Alice B', privilege: 'SELECT', grantable: false },
        { grantee: 'Alice B', grantor: 'Alice B', privilege: 'UPDATE', grantable: false },
        { grantee: 'we"ird role', grantor: 'Alice B', privilege: 'SELECT', grantable: true },
      ],
    });
    assert.deepEqual(renderSequence(s, ownerCtx), [
      'CREATE SEQUENCE "Foo Bar"."we""ird" AS integer START WITH 10 INCREMENT BY -2 MINVALUE -100 MAXVALUE 100 CACHE 5 CYCLE',
      'ALTER SEQUENCE "Foo Bar"."we""ird" OWNER TO "Alice B"',
      'GRANT SELECT ON SEQUENCE "Foo Bar"."we""ird" TO "we""ird role" WITH GRANT OPTION',
      `COMMENT ON SEQUENCE "Foo Bar"."we""ird" IS 'it''s'`,
    ]);
  });

  it('an unlogged sequence with a 63-byte name', () => {
    assert.deepEqual(renderSequence(sequence(101, DOT, LONG, { unlogged: true }), ctx), [
      `CREATE UNLOGGED SEQUENCE "a.b"."${LONG}" AS bigint START WITH 1 INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 CACHE 1`,
    ]);
  });

  it('OWNED BY names the table and column quoted; an identity or unowned sequence has none', () => {
    const owned: SequenceObj['ownedBy'] = { tableOid: 1, schema: DOT, table: QUOTE, column: LONG };
    assert.deepEqual(renderSequenceOwnedBy(sequence(102, SPACE, 's', { ownedBy: owned })), [`ALTER SEQUENCE "Foo Bar"."s" OWNED BY "a.b"."we""ird"."${LONG}"`]);
    assert.deepEqual(renderSequenceOwnedBy(sequence(103, SPACE, 's', { ownedBy: owned, identity: true })), []);
    assert.deepEqual(renderSequenceOwnedBy(sequence(104, SPACE, 's')), []);
  });
});

describe('renderTable', () => {
  it('hostile table and column names, collation, default, stored generated column, CHECK, options and comments', () => {
    const t = relation(200, SPACE, DOT, [
      column(QUOTE, { type: 'text', collation: '"C"', defaultExpr: `'x'::text`, comment: 'q' }),
      column(LONG, { notNull: true }),
      column('Gen Col', { generated: 's', defaultExpr: `(${'"' + LONG + '"'} * 2)` }),
    ], { options: ['fillfactor=70', 'autovacuum_enabled=false'], comment: 'table' });
    t.constraints.push(constraint(201, t, 'pos"itive', 'c', `CHECK (("${LONG}" > 0))`, { comment: 'check' }));
    assert.deepEqual(renderTable(t, new Map(), ctx), [
      `CREATE TABLE "Foo Bar"."a.b" ("we""ird" text COLLATE "C" DEFAULT 'x'::text, "${LONG}" integer NOT NULL, ` +
        `"Gen Col" integer GENERATED ALWAYS AS (("${LONG}" * 2)) STORED, CONSTRAINT "pos""itive" CHECK (("${LONG}" > 0))) WITH (fillfactor=70, autovacuum_enabled=false)`,
      `COMMENT ON TABLE "Foo Bar"."a.b" IS 'table'`,
      `COMMENT ON COLUMN "Foo Bar"."a.b"."we""ird" IS 'q'`,
      `COMMENT ON CONSTRAINT "pos""itive" ON "Foo Bar"."a.b" IS 'check'`,
    ]);
  });

  it('an identity column takes its sequence inline; an unlogged table whose sequence is logged sets it LOGGED', () => {
    const t = relation(210, SPACE, QUOTE, [column('id', { type: 'bigint', notNull: true, identity: 'a' })], { persistence: 'u' });
    const seq = sequence(211, SPACE, `${QUOTE}_id_seq`, { ownedBy: { tableOid: 210, schema: SPACE, table: QUOTE, column: 'id' }, identity: true });
    assert.deepEqual(renderTable(t, new Map([['210:id', seq]]), ctx), [
      'CREATE UNLOGGED TABLE "Foo Bar"."we""ird" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME "Foo Bar"."we""ird_id_seq" ' +
        'START WITH 1 INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 CACHE 1))',
      'ALTER SEQUENCE "Foo Bar"."we""ird_id_seq" SET LOGGED',
    ]);
  });

  it('a partition is created whole and attached to its parent', () => {
    const parent = relation(220, DOT, 'Parted', [column('k')], { relkind: 'p', partitionKey: 'RANGE (k)' });
    const part = relation(221, SPACE, QUOTE, [column('k')], { isPartition: true, partitionBound: 'FOR VALUES FROM (0) TO (10)', parents: [{ schema: DOT, name: 'Parted', oid: 220 }] });
    assert.deepEqual(renderTable(parent, new Map(), ctx), ['CREATE TABLE "a.b"."Parted" ("k" integer) PARTITION BY RANGE (k)']);
    assert.deepEqual(renderTable(part, new Map(), ctx, (o) => (o === 220 ? parent : undefined)), [
      'CREATE TABLE "Foo Bar"."we""ird" ("k" integer)',
      'ALTER TABLE ONLY "a.b"."Parted" ATTACH PARTITION "Foo Bar"."we""ird" FOR VALUES FROM (0) TO (10)',
    ]);
  });

  it('an inheritance child whose column order differs from INHERITS is created whole and made to inherit', () => {
    const parent = relation(230, SPACE, 'P', [column('a'), column('b')]);
    const child = relation(231, SPACE, QUOTE, [column('b', { isLocal: false }), column('a', { isLocal: false }), column('c')], { parents: [{ schema: SPACE, name: 'P', oid: 230 }] });
    assert.deepEqual(renderTable(child, new Map(), ctx, (o) => (o === 230 ? parent : undefined)), [
      'CREATE TABLE "Foo Bar"."we""ird" ("b" integer, "a" integer, "c" integer)',
      'ALTER TABLE ONLY "Foo Bar"."we""ird" INHERIT "Foo Bar"."P"',
    ]);
  });

  it('a foreign table: server and options quoted, column FDW options', () => {
    const t = relation(240, SPACE, DOT, [column(QUOTE, { fdwOptions: ['column_name=x y'] })], {
      relkind: 'f', foreignServer: 'srv"1', foreignOptions: ['table_name=a.b', "schema_name=it's"], accessMethod: null,
    });
    assert.deepEqual(renderTable(t, new Map(), ctx), [
      `CREATE FOREIGN TABLE "Foo Bar"."a.b" ("we""ird" integer) SERVER "srv""1" OPTIONS ("table_name" 'a.b', "schema_name" 'it''s')`,
      `ALTER FOREIGN TABLE ONLY "Foo Bar"."a.b" ALTER COLUMN "we""ird" OPTIONS ("column_name" 'x y')`,
    ]);
  });

  it('column storage, compression, statistics and options; owner, table and column privileges', () => {
    const t = relation(250, SPACE, LONG, [
      column('Doc', {
        type: 'text', storage: 'e', compression: 'l', statTarget: 500, options: ['n_distinct=-1'],
        acl: [{ grantee: 'we"ird role', grantor: 'Alice B', privilege: 'UPDATE', grantable: false }, { grantee: 'nobody', grantor: 'Alice B', privilege: 'SELECT', grantable: false }],
      }),
    ], {
      owner: 'Alice B',
      acl: [
        ...['INSERT', 'SELECT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'].map((p) => ({ grantee: 'Alice B', grantor: 'Alice B', privilege: p, grantable: false })),
        { grantee: null, grantor: 'Alice B', privilege: 'SELECT', grantable: false },
      ],
    });
    const q = `"Foo Bar"."${LONG}"`;
    assert.deepEqual(renderTable(t, new Map(), { ...ownerCtx, sourceMajor: 15 }), [
      `CREATE TABLE ${q} ("Doc" text)`,
      `ALTER TABLE ONLY ${q} ALTER COLUMN "Doc" SET STORAGE EXTERNAL`,
      `ALTER TABLE ONLY ${q} ALTER COLUMN "Doc" SET COMPRESSION lz4`,
      `ALTER TABLE ONLY ${q} ALTER COLUMN "Doc" SET STATISTICS 500`,
      `ALTER TABLE ONLY ${q} ALTER COLUMN "Doc" SET (n_distinct=-1)`,
      `ALTER TABLE ${q} OWNER TO "Alice B"`,
      `GRANT SELECT ON TABLE ${q} TO PUBLIC`,
      `GRANT UPDATE ("Doc") ON TABLE ${q} TO "we""ird role"`,
    ]);
  });
});

describe('renderView, renderViewDefinition and renderCheckConstraint', () => {
  const view = relation(300, SPACE, QUOTE, [column(LONG, { defaultExpr: '42', comment: 'c' })], {
    relkind: 'v', accessMethod: null, options: ['security_barrier=true'], viewDefinition: ' SELECT 1 AS "x";', comment: 'v',
  });

  it('a view: options, definition without its semicolon, column defaults and comments', () => {
    assert.deepEqual(renderView(view, ctx), [
      `CREATE VIEW "Foo Bar"."we""ird" WITH (security_barrier=true) AS SELECT 1 AS "x"`,
      `ALTER VIEW "Foo Bar"."we""ird" ALTER COLUMN "${LONG}" SET DEFAULT 42`,
      `COMMENT ON VIEW "Foo Bar"."we""ird" IS 'v'`,
      `COMMENT ON COLUMN "Foo Bar"."we""ird"."${LONG}" IS 'c'`,
    ]);
  });

  it('a placeholder view of typed NULLs, then the real definition', () => {
    const v = { ...view, columns: [column(LONG, { type: 'text', collation: '"C"' }), column('n')], comment: null };
    assert.deepEqual(renderView(v, ctx, true), [`CREATE VIEW "Foo Bar"."we""ird" AS SELECT NULL::text COLLATE "C" AS "${LONG}", NULL::integer AS "n"`]);
    assert.deepEqual(renderViewDefinition(view), [
      `CREATE OR REPLACE VIEW "Foo Bar"."we""ird" WITH (security_barrier=true) AS SELECT 1 AS "x"`,
      `ALTER VIEW "Foo Bar"."we""ird" ALTER COLUMN "${LONG}" SET DEFAULT 42`,
    ]);
  });

  it('a materialized view is created WITH NO DATA, with its access method and column settings', () => {
    const m = relation(310, DOT, SPACE, [column('c', { statTarget: 10 })], { relkind: 'm', accessMethod: 'my am', viewDefinition: ' SELECT 1 AS c;', options: ['fillfactor=50'] });
    assert.deepEqual(renderView(m, ctx), [
      'CREATE MATERIALIZED VIEW "a.b"."Foo Bar" USING "my am" WITH (fillfactor=50) AS SELECT 1 AS c WITH NO DATA',
      'ALTER MATERIALIZED VIEW "a.b"."Foo Bar" ALTER COLUMN "c" SET STATISTICS 10',
    ]);
  });

  it('a CHECK added after its table', () => {
    const t = relation(320, SPACE, DOT, [column('x')]);
    const c = constraint(321, t, LONG, 'c', 'CHECK ("a.b".f(x))', { comment: 'late' });
    assert.deepEqual(renderCheckConstraint(c), [
      `ALTER TABLE "Foo Bar"."a.b" ADD CONSTRAINT "${LONG}" CHECK ("a.b".f(x))`,
      `COMMENT ON CONSTRAINT "${LONG}" ON "Foo Bar"."a.b" IS 'late'`,
    ]);
  });
});
