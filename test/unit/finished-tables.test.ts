import assert from 'node:assert/strict';
import { it } from 'node:test';
import { FinishedTables, NAMED_BYTES } from '../../src/cli/finished-tables.js';

it('names large or slow tables and counts the rest, with what an earlier run did apart', () => {
  const f = new FinishedTables();
  const named = [
    f.named({ bytes: NAMED_BYTES, seconds: 1 }),
    f.named({ bytes: 1024, seconds: 12 }),
    ...Array.from({ length: 300 }, () => f.named({ bytes: 8192, seconds: 0.1 })),
    f.named({ bytes: 10 * NAMED_BYTES, seconds: 0, skipped: true }),
  ];
  assert.deepEqual([named[0], named[1], named.slice(2, 302).some(Boolean), named[302]], [true, true, false, false]);
  assert.equal(f.done, 303);
  assert.deepEqual(f.summary((n) => `${n} B`), [
    '  copied 300 smaller tables (2457600 B; each under 64 MB and 10 s)',
    '  1 table already done by an earlier run',
  ]);
  assert.deepEqual(f.summary((n) => `${n} B`), [], 'it starts over');
  assert.equal(f.done, 0);
});
