/**
 * The exact text of render-operators.ts: operators (names never quoted, their schema quoted),
 * operator families and their loose members, operator classes, casts, and procedural objects
 * (languages, transforms, conversions, access methods), on hostile names.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OpClassObj, OperatorObj, ProceduralObj } from '../../src/catalog/model.js';
import { operatorSignature, renderCast, renderOpClass, renderOpFamily, renderOpFamilyMembers, renderOperator, renderProcedural } from '../../src/ddl/render-operators.js';
import { ctx, DOT, LONG, ownerCtx, QUOTE, SPACE } from './catalog-fixture.js';

const op = (extra: Partial<OperatorObj>): OperatorObj => ({
  key: 'pg_operator:1', oid: 1, schema: SPACE, name: '===', owner: 'postgres', comment: null, acl: null, opKind: 'b', leftType: 'integer',
  rightType: 'integer', function: '"Foo Bar".eq3', commutator: null, negator: null, restrict: null, join: null, hashes: false, merges: false, ...extra,
});

describe('operators', () => {
  it('the signature: schema quoted, operator name bare, NONE for a missing side', () => {
    assert.equal(operatorSignature(op({})), '"Foo Bar".=== (integer, integer)');
    assert.equal(operatorSignature(op({ opKind: 'l', leftType: null, schema: QUOTE })), '"we""ird".=== (NONE, integer)');
  });

  it('CREATE OPERATOR with every option, owner and comment', () => {
    const o = op({ commutator: 'OPERATOR("Foo Bar".===)', negator: 'OPERATOR("Foo Bar".!==)', restrict: 'eqsel', join: 'eqjoinsel', hashes: true, merges: true, owner: 'Alice B', comment: 'eq' });
    assert.deepEqual(renderOperator(o, ownerCtx), [
      'CREATE OPERATOR "Foo Bar".=== (PROCEDURE = "Foo Bar".eq3, LEFTARG = integer, RIGHTARG = integer, COMMUTATOR = OPERATOR("Foo Bar".===), ' +
        'NEGATOR = OPERATOR("Foo Bar".!==), RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES)',
      'ALTER OPERATOR "Foo Bar".=== (integer, integer) OWNER TO "Alice B"',
      `COMMENT ON OPERATOR "Foo Bar".=== (integer, integer) IS 'eq'`,
    ]);
  });

  it('a prefix operator has no LEFTARG', () => {
    assert.deepEqual(renderOperator(op({ opKind: 'l', leftType: null, name: '!!' }), ctx), ['CREATE OPERATOR "Foo Bar".!! (PROCEDURE = "Foo Bar".eq3, RIGHTARG = integer)']);
  });
});

describe('operator families and classes', () => {
  const family = {
    key: 'pg_opfamily:2', oid: 2, schema: DOT, name: QUOTE, owner: 'postgres', comment: 'fam', acl: null, method: 'btree',
    looseOperators: ['OPERATOR 1 "Foo Bar".<<<(integer,bigint)'], looseFunctions: ['FUNCTION 1 (integer, bigint) "Foo Bar".cmp(integer,bigint)'],
  };

  it('CREATE OPERATOR FAMILY, then its loose members in one ALTER', () => {
    assert.deepEqual(renderOpFamily(family, ctx), ['CREATE OPERATOR FAMILY "a.b"."we""ird" USING "btree"', `COMMENT ON OPERATOR FAMILY "a.b"."we""ird" USING "btree" IS 'fam'`]);
    assert.deepEqual(renderOpFamilyMembers(family), [
      'ALTER OPERATOR FAMILY "a.b"."we""ird" USING "btree" ADD OPERATOR 1 "Foo Bar".<<<(integer,bigint), FUNCTION 1 (integer, bigint) "Foo Bar".cmp(integer,bigint)',
    ]);
    assert.deepEqual(renderOpFamilyMembers({ ...family, looseOperators: [], looseFunctions: [] }), []);
  });

  const cls = (extra: Partial<OpClassObj>): OpClassObj => ({
    key: 'pg_opclass:3', oid: 3, schema: SPACE, name: LONG, owner: 'postgres', comment: null, acl: null, method: 'btree', isDefault: true,
    forType: 'integer', family: '"a.b"."we""ird"', storage: null, operators: ['OPERATOR 1 "Foo Bar".<<<(integer,integer)'], functions: ['FUNCTION 1 "Foo Bar".cmp(integer,integer)'],
    ...extra,
  });

  it('CREATE OPERATOR CLASS with its members, owner and comment', () => {
    assert.deepEqual(renderOpClass(cls({ owner: 'Alice B', comment: 'c' }), ownerCtx), [
      `CREATE OPERATOR CLASS "Foo Bar"."${LONG}" DEFAULT FOR TYPE integer USING "btree" FAMILY "a.b"."we""ird" AS OPERATOR 1 "Foo Bar".<<<(integer,integer), FUNCTION 1 "Foo Bar".cmp(integer,integer)`,
      `ALTER OPERATOR CLASS "Foo Bar"."${LONG}" USING "btree" OWNER TO "Alice B"`,
      `COMMENT ON OPERATOR CLASS "Foo Bar"."${LONG}" USING "btree" IS 'c'`,
    ]);
  });

  it('a class without members stores its own type; a storage type is added after the members', () => {
    assert.deepEqual(renderOpClass(cls({ isDefault: false, operators: [], functions: [] }), ctx), [
      `CREATE OPERATOR CLASS "Foo Bar"."${LONG}" FOR TYPE integer USING "btree" FAMILY "a.b"."we""ird" AS STORAGE integer`,
    ]);
    assert.deepEqual(renderOpClass(cls({ method: 'gist', storage: 'box', functions: [] }), ctx), [
      `CREATE OPERATOR CLASS "Foo Bar"."${LONG}" DEFAULT FOR TYPE integer USING "gist" FAMILY "a.b"."we""ird" AS OPERATOR 1 "Foo Bar".<<<(integer,integer), STORAGE box`,
    ]);
  });
});

describe('renderCast', () => {
  it('each method and context', () => {
    const c = { key: 'pg_cast:4', oid: 4, sourceType: '"Foo Bar"."we""ird"', targetType: 'text', method: 'f' as const, function: '"Foo Bar".to_text("Foo Bar"."we""ird")', context: 'i' as const, comment: 'c' };
    assert.deepEqual(renderCast(c), [
      'CREATE CAST ("Foo Bar"."we""ird" AS text) WITH FUNCTION "Foo Bar".to_text("Foo Bar"."we""ird") AS IMPLICIT',
      `COMMENT ON CAST ("Foo Bar"."we""ird" AS text) IS 'c'`,
    ]);
    assert.deepEqual(renderCast({ ...c, method: 'i', context: 'a', comment: null }), ['CREATE CAST ("Foo Bar"."we""ird" AS text) WITH INOUT AS ASSIGNMENT']);
    assert.deepEqual(renderCast({ ...c, method: 'b', context: 'e', comment: null }), ['CREATE CAST ("Foo Bar"."we""ird" AS text) WITHOUT FUNCTION']);
  });
});

describe('renderProcedural', () => {
  const proc = (procKind: ProceduralObj['procKind'], name: string, parts: Record<string, unknown>, extra: Partial<ProceduralObj> = {}): ProceduralObj => ({
    key: 'pg_language:5', oid: 5, procKind, schema: null, name, owner: 'postgres', comment: null, acl: null, parts, ...extra,
  });

  it('a trusted language with inline handler, validator, owner, privileges and comment', () => {
    const l = proc('language', QUOTE, { trusted: true, handler: '"Foo Bar".h', inline: '"Foo Bar".i', validator: '"Foo Bar".v' }, {
      owner: 'Alice B', comment: 'pl', acl: [{ grantee: 'Alice B', grantor: 'Alice B', privilege: 'USAGE', grantable: false }],
    });
    assert.deepEqual(renderProcedural(l, ownerCtx), [
      'CREATE TRUSTED PROCEDURAL LANGUAGE "we""ird" HANDLER "Foo Bar".h INLINE "Foo Bar".i VALIDATOR "Foo Bar".v',
      'ALTER LANGUAGE "we""ird" OWNER TO "Alice B"',
      'REVOKE ALL ON LANGUAGE "we""ird" FROM PUBLIC',
      `COMMENT ON LANGUAGE "we""ird" IS 'pl'`,
    ]);
    assert.deepEqual(renderProcedural(proc('language', 'plain', { trusted: false, handler: 'h', inline: null, validator: null }), ctx), ['CREATE PROCEDURAL LANGUAGE "plain" HANDLER h']);
  });

  it('a transform, a conversion and an access method', () => {
    assert.deepEqual(renderProcedural(proc('transform', '', { type: '"a.b"."t"', language: QUOTE, fromsql: 'f1(internal)', tosql: 'f2(internal)' }, { comment: 't' }), ctx), [
      'CREATE TRANSFORM FOR "a.b"."t" LANGUAGE "we""ird" (FROM SQL WITH FUNCTION f1(internal), TO SQL WITH FUNCTION f2(internal))',
      `COMMENT ON TRANSFORM FOR "a.b"."t" LANGUAGE "we""ird" IS 't'`,
    ]);
    assert.deepEqual(renderProcedural(proc('conversion', LONG, { default: true, from: 'LATIN1', to: 'UTF8', function: 'iso8859_1_to_utf8' }, { schema: DOT, owner: 'Alice B' }), ownerCtx), [
      `CREATE DEFAULT CONVERSION "a.b"."${LONG}" FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8`,
      `ALTER CONVERSION "a.b"."${LONG}" OWNER TO "Alice B"`,
    ]);
    assert.deepEqual(renderProcedural(proc('access method', SPACE, { type: 't', handler: 'heap_tableam_handler' }), ctx), ['CREATE ACCESS METHOD "Foo Bar" TYPE TABLE HANDLER heap_tableam_handler']);
    assert.deepEqual(renderProcedural(proc('access method', SPACE, { type: 'i', handler: 'bthandler' }), ctx), ['CREATE ACCESS METHOD "Foo Bar" TYPE INDEX HANDLER bthandler']);
  });
});
