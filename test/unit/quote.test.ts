import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { displayName, ident, literal, qualified } from '../../src/pg/quote.js';

describe('identifier quoting', () => {
  it('doubles quotes and never splits on dots', () => {
    assert.equal(ident('we"ird'), '"we""ird"');
    assert.equal(ident('a.b'), '"a.b"');
    assert.equal(qualified('a.b', 'c"d'), '"a.b"."c""d"');
    assert.equal(ident('Ünïcode ✓'), '"Ünïcode ✓"');
  });
  it('turns injection attempts into plain names', () => {
    assert.equal(ident('x"; DROP TABLE t; --'), '"x""; DROP TABLE t; --"');
  });
  it('refuses names no server could hold', () => {
    assert.throws(() => ident(''));
    assert.throws(() => ident('a\u0000b'));
  });
  it('quotes literals by doubling single quotes', () => {
    assert.equal(literal("it's"), "'it''s'");
    assert.equal(literal('back\\slash'), "'back\\slash'");
  });
  it('shows names in messages with quotes only where SQL needs them', () => {
    assert.equal(displayName('public', 'orders'), 'public.orders');
    assert.equal(displayName('a.b', 'Mixed'), '"a.b"."Mixed"');
    assert.equal(displayName('select', 'table'), '"select"."table"');
  });
});
