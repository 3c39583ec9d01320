/**
 * How an incremental run shares its tables out among lanes (src/cdc/stream-lanes.ts): by their
 * write counts, heaviest first to the lightest lane, none left empty, the same every time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { linkedGroups, shareTables, lanesFor } from '../../src/plan/lane-shares.js';

const t = (name: string) => ({ schema: 'public', name });
const names = (lanes: { name: string }[][]) => lanes.map((l) => l.map((x) => x.name));

describe('shareTables', () => {
  it('balances the writes: heaviest first, each to the lane with the least (130 and 130 here)', () => {
    const tables = ['a', 'b', 'c', 'd', 'e'].map(t);
    assert.deepEqual(names(shareTables(tables, [100, 60, 50, 30, 20], 2)), [['a', 'd'], ['b', 'c', 'e']]);
  });

  it('leaves no lane empty, and never makes more lanes than tables', () => {
    assert.deepEqual(names(shareTables([t('a'), t('b')], [0, 0], 5)), [['a'], ['b']]);
    assert.deepEqual(names(shareTables([t('x'), t('y'), t('z')], [1000, 0, 0], 3)), [['x'], ['y'], ['z']]);
    assert.deepEqual(names(shareTables([], [], 3)), [[]]);
  });

  it('spreads tables never written, and gives the same lanes for the same input in any order', () => {
    const tables = ['d', 'b', 'a', 'c'].map(t);
    const once = names(shareTables(tables, [0, 0, 0, 0], 2));
    assert.deepEqual(once, [['a', 'c'], ['b', 'd']]);
    assert.deepEqual(names(shareTables([...tables].reverse(), [0, 0, 0, 0], 2)), once);
  });
});

describe('linkedGroups', () => {
  const rel = (oid: number, fks: number[] = [], parents: number[] = []) => ({
    oid, parents: parents.map((p) => ({ oid: p })), constraints: fks.map((ref) => ({ type: 'f', relOid: oid, refRelOid: ref })),
  });

  it('keeps tables a foreign key links, directly or not, in one group; a partition with its family once the family is linked', () => {
    // 1 <- 2 <- 3 (foreign keys); 4 alone; 10 partitioned with leaves 11, 12, referencing 1; 20 partitioned, leaves 21, 22, unlinked
    const g = linkedGroups([rel(1), rel(2, [1]), rel(3, [2]), rel(4), rel(10, [1]), rel(11, [], [10]), rel(12, [], [10]), rel(20), rel(21, [], [20]), rel(22, [], [20])]);
    const same = (a: number, b: number) => g.get(a) === g.get(b);
    assert.ok(same(1, 2) && same(2, 3) && same(1, 11) && same(1, 12));
    assert.ok(!same(1, 4) && !same(4, 21) && !same(21, 22));
  });

  it('shares groups out whole', () => {
    const tables = ['a', 'b', 'c', 'd'].map(t);
    const group = (x: { name: string }) => (x.name === 'a' || x.name === 'b' ? 'ab' : x.name);
    assert.deepEqual(names(shareTables(tables, [10, 10, 15, 1], 2, group)), [['a', 'b'], ['c', 'd']]);
  });
});

describe('lanesFor', () => {
  it('gives the lanes asked for from a source of 12 or later, one with a reason otherwise', () => {
    assert.deepEqual(lanesFor(3, 150000, false), { lanes: 3 });
    assert.deepEqual(lanesFor(1, 100000, true), { lanes: 1 });
    assert.match(lanesFor(2, 110000, false).why ?? '', /older than PostgreSQL 12/);
    assert.match(lanesFor(2, 150000, true).why ?? '', /--publication/);
  });
});
