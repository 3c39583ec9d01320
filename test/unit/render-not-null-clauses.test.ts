/**
 * The four pieces of render-not-null.ts on their own (render-not-null.test.ts checks them through
 * renderTable): the column clause, whether a child declares a NOT NULL itself, the table
 * constraint, and the comments, with hostile constraint and column names.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NotNullConstraint } from '../../src/catalog/model.js';
import { declaresNotNull, notNullClause, notNullComments, notNullTableConstraint } from '../../src/ddl/render-not-null.js';
import { column, LONG, QUOTE } from './catalog-fixture.js';

const named = (name: string, c: Partial<NotNullConstraint> = {}) => ({ notNull: true, notNullConstraint: { name, isLocal: true, noInherit: false, comment: null, ...c } });

describe('render-not-null pieces', () => {
  it('notNullClause: unnamed before 18, named and NO INHERIT from 18', () => {
    assert.equal(notNullClause(column('a', { notNull: true })), ' NOT NULL');
    assert.equal(notNullClause(column('a', named(QUOTE))), ' CONSTRAINT "we""ird" NOT NULL');
    assert.equal(notNullClause(column('a', named(LONG, { noInherit: true }))), ` CONSTRAINT "${LONG}" NOT NULL NO INHERIT`);
  });

  it('notNullTableConstraint names the constraint and the column quoted', () => {
    assert.equal(notNullTableConstraint(column('a.b', named(QUOTE))), 'CONSTRAINT "we""ird" NOT NULL "a.b"');
    assert.equal(notNullTableConstraint(column(LONG, named('Foo Bar', { noInherit: true }))), `CONSTRAINT "Foo Bar" NOT NULL "${LONG}" NO INHERIT`);
  });

  it('declaresNotNull: no NOT NULL, a parent\'s, the child\'s own, one no parent has', () => {
    const parentNN = column('a', { notNull: true });
    const parentNull = column('a');
    assert.equal(declaresNotNull(column('a'), [parentNN]), false);
    assert.equal(declaresNotNull(column('a', { notNull: true }), [parentNN]), false, 'before 18: inherited when a parent has one');
    assert.equal(declaresNotNull(column('a', { notNull: true }), [parentNull]), true);
    assert.equal(declaresNotNull(column('a', named('x', { isLocal: false })), [parentNN]), false);
    assert.equal(declaresNotNull(column('a', named('x', { isLocal: true })), [parentNN]), true);
    assert.equal(declaresNotNull(column('a', named('x', { isLocal: false })), [parentNull]), true, 'the parents\' are NOT VALID');
  });

  it('notNullComments: one COMMENT ON CONSTRAINT per named NOT NULL with a comment', () => {
    assert.deepEqual(notNullComments('"a.b"."t"', [
      column('x', named(QUOTE, { comment: "it's" })),
      column('y', named('quiet')),
      column('z', { notNull: true }),
      column('w', { notNull: false, notNullConstraint: { name: 'gone', isLocal: true, noInherit: false, comment: 'never' } }),
    ]), [`COMMENT ON CONSTRAINT "we""ird" ON "a.b"."t" IS 'it''s'`]);
  });
});
