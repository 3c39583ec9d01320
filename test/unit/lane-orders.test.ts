/**
 * What a lane applied elsewhere depends on that needs no server: a streamed table survives the
 * job's JSON unchanged (its column map and known columns are what the apply checks each change
 * against); a lane's fence keys differ from its own sessions' keys and from every other lane's
 * and unit's; each queue's jobs are listed under a prefix of their own, for a reclaim to send back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { streamTableFromWire, streamTableToWire, type StreamTable } from '../../src/plan/stream-tables.js';
import { laneLockKeys } from '../../src/run/lane-fence.js';
import { unitLockKeys } from '../../src/run/ordered-unit.js';
import { listedAs, UNIT_QUEUE } from '../../src/fleet/unit-queue.js';
import { LANE_QUEUE, laneProgressKey } from '../../src/fleet/lane-queue.js';
import { PART_QUEUE } from '../../src/fleet/part-queue.js';

describe('lanes applied elsewhere', () => {
  it('a streamed table goes through a job as JSON and comes back the same', () => {
    const t: StreamTable = {
      key: 'r:1', schema: 'Odd "schema"', name: 'tab.le', target: { schema: 'renamed', name: 'T' },
      columns: new Map([['a', 'a'], ['B c', 'b_c']]), known: new Set(['a', 'B c', 'dropped later']), identity: 'full',
    };
    const back = streamTableFromWire(JSON.parse(JSON.stringify(streamTableToWire(t))));
    assert.deepEqual(back, t);
    assert.ok(back.columns instanceof Map && back.known instanceof Set);
  });

  it("a lane's fence keys are its own: not its sessions', another lane's, or a unit's", () => {
    const a = laneLockKeys('pgferry_abc_2');
    const b = laneLockKeys('pgferry_abc_3');
    const all = [a.main, a.own, b.main, b.own, unitLockKeys('run', 'pgferry_abc_2')].map((k) => k.join(':'));
    assert.equal(new Set(all).size, all.length);
    for (const k of [a.main, a.own]) for (const n of k) assert.ok(Number.isInteger(n) && n >= 0 && n <= 0x7fffffff);
    assert.deepEqual(laneLockKeys('pgferry_abc_2'), a);
  });

  it('each queue lists its jobs under its own prefix, and a lane reports under the one it is listed by', () => {
    assert.equal(listedAs(UNIT_QUEUE, 'x'), 'x');
    assert.equal(listedAs(PART_QUEUE, 'x'), 'part:x');
    assert.equal(listedAs(LANE_QUEUE, 'x'), 'lane:x');
    assert.equal(laneProgressKey('x'), listedAs(LANE_QUEUE, 'x'));
  });
});
