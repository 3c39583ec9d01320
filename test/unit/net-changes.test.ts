/**
 * The net change of one key after a run of changes in one group (what net-changes.ts writes at
 * its flush): an update merges into what is there, a delete after an insert of a new key leaves
 * nothing, an insert after a delete replaces the row, and a change that cannot follow (an insert
 * over a row that exists, a change of a row that is gone) is refused, for the row-by-row path to
 * report. Writing the changes is tested against servers (test/integration/apply-changes.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { combine, type Net, type Row } from '../../src/cdc/net-changes.js';
import { UNCHANGED } from '../../src/cdc/pgoutput.js';

// rows of a table (id, a, t): values by column position, `_` for a value an update did not send
const _: typeof UNCHANGED = UNCHANGED;
const ins = (...row: Row) => ({ kind: 'insert' as const, row });
const upd = (...row: Row) => ({ kind: 'update' as const, row });
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
    assert.deepEqual(run(upd('1', 'a', _), upd('1', 'b', 'c'), upd('1', 'd', _)), { kind: 'update', row: ['1', 'd', 'c'] });
    assert.deepEqual(run(upd('1', 'a', _), upd('1', null, _)), { kind: 'update', row: ['1', null, _] });
    assert.deepEqual(run(ins('1', 'x', 'toast'), upd('1', 'y', _)), { kind: 'insert', row: ['1', 'y', 'toast'], replaces: false });
  });

  it('an insert then a delete leaves nothing; after a delete, an insert replaces the row and a delete stays a delete', () => {
    assert.equal(run(ins('1', 'a', 't'), del), null);
    assert.deepEqual(run(del, ins('1', 'n', 't')), { kind: 'insert', row: ['1', 'n', 't'], replaces: true });
    assert.deepEqual(run(del, ins('1', 'n', 't'), del), { kind: 'delete' });
    assert.deepEqual(run(upd('1', 'a', _), del), { kind: 'delete' });
  });

  it('refuses what cannot follow: an insert over a row that exists, a change of a row that is gone', () => {
    assert.equal(run(upd('1', 'a', _), ins('1', 'a', 't')), false);
    assert.equal(run(ins('1', 'a', 't'), ins('1', 'a', 't')), false);
    assert.equal(run(del, upd('1', 'a', _)), false);
    assert.equal(run(del, del), false);
  });
});
