/**
 * The range ledger's rules that need no server: transaction ids compared across wraparound, and
 * when a range counts as clean (found equal, nothing since, every change before the snapshot's
 * xmin). Placing keys in ranges asks the source server: test/integration/stream-check.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RelationColumn } from '../../src/cdc/pgoutput.js';
import { newerXid, xidOfTxid, xidPrecedes } from '../../src/cdc/xid.js';
import { RangeLedger } from '../../src/verify/range-ledger.js';
import type { VerifyTable } from '../../src/verify/table-inventory.js';

const table: VerifyTable = {
  id: 'public.t', schema: 'public', name: 't', relkind: 'r', isPartition: false, parents: [], estimatedRows: 10, readable: true, key: ['id'],
  columns: [{ name: 'id', type: 'integer', typeOid: 23, binary: true, byteOrder: true, collatable: false }],
};
const columns: RelationColumn[] = [{ key: true, name: 'id', typeOid: 23, typmod: -1 }];
const row = (id: number) => [String(id)];
const sums = { rows: 10, bytes: 100, sum: 42n };
// the ledger places keys with the source server only for tables of several ranges
const noServer = null as never;

describe('transaction ids', () => {
  it('compare across wraparound', () => {
    assert.equal(xidPrecedes(5, 9), true);
    assert.equal(xidPrecedes(9, 5), false);
    assert.equal(xidPrecedes(7, 7), false);
    assert.equal(xidPrecedes(0xffff_fff0, 3), true, 'an id just before the wrap precedes one just after');
    assert.equal(xidPrecedes(3, 0xffff_fff0), false);
    assert.equal(newerXid(null, 4), 4);
    assert.equal(newerXid(0xffff_fff0, 3), 3);
    assert.equal(xidOfTxid(String(2n ** 32n * 3n + 17n)), 17);
  });
});

describe('range ledger', () => {
  it('a range is clean once found equal, until a touch lands in it', async () => {
    const l = new RangeLedger();
    l.setTable(table, [{ from: null, to: null }]);
    l.markChecked('public.t', 0, sums, sums, l.now(), 100);
    assert.deepEqual(l.counts(), { clean: 1, total: 1 });
    assert.deepEqual(l.reuse(table)?.ranges[0].clean, sums);
    l.touch('public', 't', 101, columns, row(3));
    await l.place(noServer, 'public.t');
    assert.deepEqual(l.counts(), { clean: 0, total: 1 });
    assert.equal(l.reuse(table)?.ranges[0].clean, null);
  });

  it('sums that differ leave it unclean', () => {
    const l = new RangeLedger();
    l.setTable(table, [{ from: null, to: null }]);
    l.markChecked('public.t', 0, sums, { ...sums, sum: 43n }, l.now(), 100);
    assert.deepEqual(l.counts(), { clean: 0, total: 1 });
  });

  it('a change from a transaction at or after the snapshot xmin keeps it unclean (the source read may have missed it)', async () => {
    const l = new RangeLedger();
    l.touch('public', 't', 150, columns, row(1));
    // touches before the checker planned the table count for all its ranges
    l.setTable(table, [{ from: null, to: null }]);
    await l.place(noServer, 'public.t');
    l.markChecked('public.t', 0, sums, sums, l.now(), 150);
    assert.deepEqual(l.counts(), { clean: 0, total: 1 });
    l.markChecked('public.t', 0, sums, sums, l.now(), 151);
    assert.deepEqual(l.counts(), { clean: 1, total: 1 });
  });

  it('gives nothing to reuse for another key, other columns, or a table it never planned', () => {
    const l = new RangeLedger();
    l.setTable(table, [{ from: null, to: null }]);
    assert.equal(l.reuse({ ...table, key: [] }), undefined);
    // a column added on both sides since the check was never summed
    assert.equal(l.reuse({ ...table, columns: [...table.columns, { ...table.columns[0], name: 'added' }] }), undefined);
    assert.equal(l.reuse({ ...table, id: 'public.u', name: 'u' }), undefined);
  });
});
