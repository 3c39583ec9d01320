/**
 * The exact text of render-functions.ts: a function or procedure as the server prints it, with
 * owner, privileges and comment under its quoted signature; an aggregate with its options.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AggregateObj, FunctionObj } from '../../src/catalog/model.js';
import { renderAggregate, renderFunction } from '../../src/ddl/render-functions.js';
import { ctx, DOT, LONG, ownerCtx, QUOTE, SPACE } from './catalog-fixture.js';

const fn = (extra: Partial<FunctionObj>): FunctionObj => ({
  key: 'pg_proc:1', oid: 1, schema: SPACE, name: QUOTE, owner: 'postgres', comment: null, acl: null, kind: 'f', language: 'sql',
  identityArgs: 'integer', definition: null, ...extra,
});

describe('renderFunction', () => {
  it('the definition trimmed, then owner, privileges (the difference from EXECUTE to PUBLIC) and comment', () => {
    const f = fn({
      owner: 'Alice B', comment: "it's",
      definition: 'CREATE OR REPLACE FUNCTION "Foo Bar"."we""ird"(integer)\n RETURNS integer\n LANGUAGE sql\nAS $function$select $1$function$\n',
      acl: [{ grantee: 'Alice B', grantor: 'Alice B', privilege: 'EXECUTE', grantable: false }, { grantee: 'we"ird role', grantor: 'Alice B', privilege: 'EXECUTE', grantable: false }],
    });
    assert.deepEqual(renderFunction(f, ownerCtx), [
      'CREATE OR REPLACE FUNCTION "Foo Bar"."we""ird"(integer)\n RETURNS integer\n LANGUAGE sql\nAS $function$select $1$function$',
      'ALTER FUNCTION "Foo Bar"."we""ird"(integer) OWNER TO "Alice B"',
      'REVOKE ALL ON FUNCTION "Foo Bar"."we""ird"(integer) FROM PUBLIC',
      'GRANT EXECUTE ON FUNCTION "Foo Bar"."we""ird"(integer) TO "we""ird role"',
      `COMMENT ON FUNCTION "Foo Bar"."we""ird"(integer) IS 'it''s'`,
    ]);
  });

  it('a procedure is named PROCEDURE', () => {
    const p = fn({ kind: 'p', schema: DOT, name: LONG, identityArgs: 'IN x text', definition: 'CREATE OR REPLACE PROCEDURE ...', comment: 'p' });
    assert.deepEqual(renderFunction(p, ctx), ['CREATE OR REPLACE PROCEDURE ...', `COMMENT ON PROCEDURE "a.b"."${LONG}"(IN x text) IS 'p'`]);
  });
});

const agg = (extra: Partial<AggregateObj>): AggregateObj => ({
  key: 'pg_proc:2', oid: 2, schema: DOT, name: SPACE, owner: 'postgres', comment: null, acl: null, identityArgs: 'integer', args: 'integer',
  aggKind: 'n', numDirectArgs: 0, sfunc: 'int4pl', stype: 'integer', sspace: null, finalfunc: null, finalfuncExtra: false, finalfuncModify: 'r',
  combinefunc: null, serialfunc: null, deserialfunc: null, initcond: null, msfunc: null, minvfunc: null, mstype: null, msspace: null,
  mfinalfunc: null, mfinalfuncExtra: false, mfinalfuncModify: 'r', minitcond: null, sortop: null, parallel: 'u', ...extra,
});

describe('renderAggregate', () => {
  it('a plain aggregate: SFUNC and STYPE only; the default FINALFUNC_MODIFY is left out', () => {
    assert.deepEqual(renderAggregate(agg({ comment: 'sum' }), ctx), [
      'CREATE AGGREGATE "a.b"."Foo Bar"(integer) (SFUNC = int4pl, STYPE = integer)',
      `COMMENT ON AGGREGATE "a.b"."Foo Bar"(integer) IS 'sum'`,
    ]);
  });

  it('every option, in the order CREATE AGGREGATE lists them', () => {
    const a = agg({
      name: QUOTE, sspace: 16, finalfunc: '"a.b".fin', finalfuncExtra: true, finalfuncModify: 's', combinefunc: 'int4pl', serialfunc: 's1', deserialfunc: 'd1',
      initcond: "0'", msfunc: 'int4pl', minvfunc: 'int4mi', mstype: 'integer', msspace: 8, mfinalfunc: 'mf', mfinalfuncExtra: true, mfinalfuncModify: 'w',
      minitcond: '1', sortop: 'OPERATOR(pg_catalog.<)', parallel: 's',
    });
    assert.deepEqual(renderAggregate(a, ctx), [
      'CREATE AGGREGATE "a.b"."we""ird"(integer) (SFUNC = int4pl, STYPE = integer, SSPACE = 16, FINALFUNC = "a.b".fin, FINALFUNC_EXTRA, FINALFUNC_MODIFY = SHAREABLE, ' +
        `COMBINEFUNC = int4pl, SERIALFUNC = s1, DESERIALFUNC = d1, INITCOND = '0''', MSFUNC = int4pl, MINVFUNC = int4mi, MSTYPE = integer, MSSPACE = 8, ` +
        `MFINALFUNC = mf, MFINALFUNC_EXTRA, MFINALFUNC_MODIFY = READ_WRITE, MINITCOND = '1', SORTOP = OPERATOR(pg_catalog.<), PARALLEL = SAFE)`,
    ]);
  });

  it('a hypothetical-set aggregate; privileges go to FUNCTION', () => {
    const args = 'VARIADIC "any" ORDER BY VARIADIC "any"';
    const a = agg({ aggKind: 'h', args, identityArgs: args, finalfuncModify: 'w', mfinalfuncModify: 'w', parallel: 'r', acl: [{ grantee: 'Alice B', grantor: 'postgres', privilege: 'EXECUTE', grantable: false }] });
    assert.deepEqual(renderAggregate(a, ownerCtx), [
      `CREATE AGGREGATE "a.b"."Foo Bar"(${args}) (SFUNC = int4pl, STYPE = integer, HYPOTHETICAL, PARALLEL = RESTRICTED)`,
      `REVOKE ALL ON FUNCTION "a.b"."Foo Bar"(${args}) FROM PUBLIC`,
      `REVOKE ALL ON FUNCTION "a.b"."Foo Bar"(${args}) FROM "postgres"`,
      `GRANT EXECUTE ON FUNCTION "a.b"."Foo Bar"(${args}) TO "Alice B"`,
    ]);
  });

  it('an aggregate of no argument is written over (*)', () => {
    assert.deepEqual(renderAggregate(agg({ args: '', identityArgs: '', comment: 'n' }), ctx), [
      'CREATE AGGREGATE "a.b"."Foo Bar"(*) (SFUNC = int4pl, STYPE = integer)',
      `COMMENT ON AGGREGATE "a.b"."Foo Bar"(*) IS 'n'`,
    ]);
  });
});
