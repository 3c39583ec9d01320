/**
 * The net change of one key after a run of changes in one group (what net-changes.ts writes at
 * its flush): an update merges into what is there, a delete after an insert of a new key leaves
 * nothing, an insert after a delete replaces the row, and a change that cannot follow (an insert
 * over a row that exists, a change of a row that is gone) is refused, for the row-by-row path to
 * report. Writing the changes is tested against servers (test/integration/apply-changes.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { combine, type Net } from '../../src/cdc/net-changes.js';

const v = (o: Record<string, string | null>) => new Map(Object.entries(o));
const ins = (o: Record<string, string | null>) => ({ kind: 'insert' as const, values: v(o) });
const upd = (o: Record<string, string | null>) => ({ kind: 'update' as const, values: v(o) });
const del = { kind: 'delete' as const };

function run(...changes: Parameters<typeof combine>[1][]): Net | null | false {
  let net: Net | undefined;
  let last: Net | null | false = null;
  for (const c of changes) {
    last = combine(net, c);
    if (last === false) return false;
    net = last ?? undefined;
  }
  return last;
}

describe('net changes of one key', () => {
  it('updates merge, later values winning; a column an update leaves out keeps its value', () => {
    assert.deepEqual(run(upd({ a: '1', b: '2' }), upd({ b: '3' })), { kind: 'update', cols: v({ a: '1', b: '3' }) });
    assert.deepEqual(run(ins({ id: '1', a: 'x', t: 'toast' }), upd({ id: '1', a: 'y' })), { kind: 'insert', row: v({ id: '1', a: 'y', t: 'toast' }), replaces: false });
  });

  it('an insert then a delete leaves nothing; after a delete, an insert replaces the row and a delete stays a delete', () => {
    assert.equal(run(ins({ id: '1' }), del), null);
    assert.deepEqual(run(del, ins({ id: '1', a: 'n' })), { kind: 'insert', row: v({ id: '1', a: 'n' }), replaces: true });
    assert.deepEqual(run(del, ins({ id: '1' }), del), { kind: 'delete' });
    assert.deepEqual(run(upd({ a: '1' }), del), { kind: 'delete' });
  });

  it('refuses what cannot follow: an insert over a row that exists, a change of a row that is gone', () => {
    assert.equal(run(upd({ a: '1' }), ins({ id: '1' })), false);
    assert.equal(run(ins({ id: '1' }), ins({ id: '1' })), false);
    assert.equal(run(del, upd({ a: '1' })), false);
    assert.equal(run(del, del), false);
  });
});
