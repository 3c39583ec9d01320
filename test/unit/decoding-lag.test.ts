/**
 * The lag bound of a stream that has applied everything it received (src/run/live-stream.ts
 * decodingLag): while the walsender decodes a large transaction it sends only keepalives, and the
 * source positions read by earlier status reports say how far behind it may be.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodingLag } from '../../src/run/live-stream.js';

const MB = 1n << 20n;
// the source's position read every 2 s, 10 MB of WAL apart, the newest at t = 10,000 ms
const marks = [0, 2000, 4000, 6000, 8000, 10_000].map((at, i) => ({ at, lsn: 100n * MB + BigInt(i) * 10n * MB }));

describe('decodingLag', () => {
  it('is 0 with no position read, or once the walsender is past the newest one a second old', () => {
    assert.equal(decodingLag([], 5n, 1000), 0);
    assert.equal(decodingLag(marks, 150n * MB, 11_500), 0);
    // the newest (10,000 ms) is under a second old: the one before it (8,000 ms, 140 MB) decides
    assert.equal(decodingLag(marks, 140n * MB, 10_500), 0);
  });

  it('counts from the newest position the walsender has passed', () => {
    // past 120 MB (read at 4,000 ms), not 130 MB: everything committed before 4 s is applied
    assert.equal(decodingLag(marks, 125n * MB, 12_000), 8);
    // the bound grows while the walsender stays there
    assert.equal(decodingLag(marks, 125n * MB, 20_000), 16);
  });

  it('counts within 1 MB of a position as past it: the walsender never waits on the last bytes', () => {
    assert.equal(decodingLag(marks, 150n * MB - 1000n, 12_000), 0);
    assert.equal(decodingLag(marks, 150n * MB - 2n * MB, 12_000), 4);
  });

  it('behind every position read: at least since the oldest', () => {
    assert.equal(decodingLag(marks, 50n * MB, 12_000), 12);
  });
});
