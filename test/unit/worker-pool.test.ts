import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runPoolWithFillers } from '../../src/worker-pool.js';

it('fillers start only when ready, before the next item, and leave what never gets ready', async () => {
  const log: string[] = [];
  const done = new Set<string>();
  // filler f<i> needs item i; item 0 is long, so its filler must wait for it while others go
  const items = [{ id: '0', ms: 60 }, { id: '1', ms: 5 }, { id: '2', ms: 5 }];
  const waiting = ['0', '1', '2', '9'];
  let inFlight = 0;
  let most = 0;
  await runPoolWithFillers(
    items,
    2,
    async (item) => {
      inFlight++;
      most = Math.max(most, inFlight);
      log.push(`start ${item.id}`);
      await sleep(item.ms);
      done.add(item.id);
      log.push(`end ${item.id}`);
      inFlight--;
    },
    {
      next: () => {
        const i = waiting.findIndex((w) => done.has(w));
        return i < 0 ? undefined : waiting.splice(i, 1)[0];
      },
      left: () => waiting.length > 0,
      work: async (f) => {
        inFlight++;
        most = Math.max(most, inFlight);
        log.push(`filler ${f}`);
        await sleep(1);
        inFlight--;
      },
    },
  );
  assert.equal(most, 2);
  for (const f of ['0', '1', '2']) assert.ok(log.indexOf(`filler ${f}`) > log.indexOf(`end ${f}`), `filler ${f} after item ${f}: ${log}`);
  assert.ok(log.indexOf('filler 1') < log.indexOf('end 0'), `a filler ran beside the long item: ${log}`);
  assert.ok(log.indexOf('filler 1') < log.indexOf('start 2'), `a ready filler goes before the next item: ${log}`);
  assert.deepEqual(waiting, ['9'], 'a filler that never got ready is left to the caller');
});

it('the first failure stops new starts and is thrown', async () => {
  const started: number[] = [];
  await assert.rejects(
    runPoolWithFillers(
      [1, 2, 3, 4],
      1,
      async (n) => {
        started.push(n);
        if (n === 2) throw new Error('boom');
      },
      { next: () => undefined, left: () => false, work: async () => {} },
    ),
    /boom/,
  );
  assert.deepEqual(started, [1, 2]);
});
