/**
 * The exact text of render-table-extras.ts: rules and their states, row-level security,
 * policies and extended statistics, on hostile names.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PolicyObj } from '../../src/catalog/model.js';
import { renderPolicy, renderRowSecurity, renderRule, renderStatistics } from '../../src/ddl/render-table-extras.js';
import { column, ctx, DOT, LONG, ownerCtx, QUOTE, relation, SPACE } from './catalog-fixture.js';

describe('renderRule', () => {
  it('the server\'s CREATE RULE without its semicolon, its state and comment', () => {
    const r = {
      key: 'pg_rewrite:1', oid: 1, relOid: 2, schema: SPACE, table: QUOTE, name: LONG, enabled: 'R' as const, comment: 'r',
      definition: `CREATE RULE "${LONG}" AS\n    ON DELETE TO "Foo Bar"."we""ird" DO INSTEAD NOTHING;`,
    };
    assert.deepEqual(renderRule(r), [
      `CREATE RULE "${LONG}" AS\n    ON DELETE TO "Foo Bar"."we""ird" DO INSTEAD NOTHING`,
      `ALTER TABLE "Foo Bar"."we""ird" ENABLE REPLICA RULE "${LONG}"`,
      `COMMENT ON RULE "${LONG}" ON "Foo Bar"."we""ird" IS 'r'`,
    ]);
    assert.deepEqual(renderRule({ ...r, enabled: 'O', comment: null }).length, 1);
  });
});

describe('renderRowSecurity', () => {
  it('ENABLE and FORCE as the source has them', () => {
    const t = relation(3, DOT, SPACE, [column('x')]);
    assert.deepEqual(renderRowSecurity(t), []);
    assert.deepEqual(renderRowSecurity({ ...t, rowSecurity: true, forceRowSecurity: true }), [
      'ALTER TABLE "a.b"."Foo Bar" ENABLE ROW LEVEL SECURITY',
      'ALTER TABLE "a.b"."Foo Bar" FORCE ROW LEVEL SECURITY',
    ]);
  });
});

describe('renderPolicy', () => {
  const p = (extra: Partial<PolicyObj>): PolicyObj => ({
    key: 'pg_policy:4', oid: 4, relOid: 3, schema: DOT, table: SPACE, name: QUOTE, command: '*', permissive: true, roles: [null],
    usingExpr: null, checkExpr: null, comment: null, ...extra,
  });

  it('a permissive policy for PUBLIC', () => {
    assert.deepEqual(renderPolicy(p({ usingExpr: '(x > 0)' })), ['CREATE POLICY "we""ird" ON "a.b"."Foo Bar" FOR ALL TO PUBLIC USING ((x > 0))']);
  });

  it('a restrictive UPDATE policy for quoted roles, with USING, WITH CHECK and comment', () => {
    assert.deepEqual(renderPolicy(p({ command: 'w', permissive: false, roles: ['Alice B', LONG], usingExpr: 'true', checkExpr: '(x < 10)', comment: 'pol' })), [
      `CREATE POLICY "we""ird" ON "a.b"."Foo Bar" AS RESTRICTIVE FOR UPDATE TO "Alice B", "${LONG}" USING (true) WITH CHECK ((x < 10))`,
      `COMMENT ON POLICY "we""ird" ON "a.b"."Foo Bar" IS 'pol'`,
    ]);
  });
});

describe('renderStatistics', () => {
  it('the server\'s CREATE STATISTICS, its target, owner and comment', () => {
    const s = {
      key: 'pg_statistic_ext:5', oid: 5, relOid: 3, schema: SPACE, name: QUOTE, owner: 'Alice B', comment: 'st', acl: null, statTarget: 1000,
      definition: 'CREATE STATISTICS "Foo Bar"."we""ird" (ndistinct) ON x, y FROM "a.b"."Foo Bar"',
    };
    assert.deepEqual(renderStatistics(s, ownerCtx), [
      'CREATE STATISTICS "Foo Bar"."we""ird" (ndistinct) ON x, y FROM "a.b"."Foo Bar"',
      'ALTER STATISTICS "Foo Bar"."we""ird" SET STATISTICS 1000',
      'ALTER STATISTICS "Foo Bar"."we""ird" OWNER TO "Alice B"',
      `COMMENT ON STATISTICS "Foo Bar"."we""ird" IS 'st'`,
    ]);
    assert.deepEqual(renderStatistics({ ...s, statTarget: null, comment: null }, ctx), ['CREATE STATISTICS "Foo Bar"."we""ird" (ndistinct) ON x, y FROM "a.b"."Foo Bar"']);
  });
});
