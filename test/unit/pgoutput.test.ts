/** WAL positions and the pgoutput decoder's refusals: a message it does not understand is an error, never a guess. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatLsn, parseLsn } from '../../src/cdc/lsn.js';
import { PgoutputDecoder, UNCHANGED } from '../../src/cdc/pgoutput.js';

describe('LSN', () => {
  it('reads and prints PostgreSQL\'s form, past 2^53', () => {
    assert.equal(parseLsn('16/B374D848'), 0x16b374d848n);
    assert.equal(formatLsn(0x16b374d848n), '16/B374D848');
    assert.equal(formatLsn(parseLsn('FFFFFFFF/FFFFFFFF')), 'FFFFFFFF/FFFFFFFF');
    assert.equal(formatLsn(0n), '0/0');
    assert.throws(() => parseLsn('16-B374D848'), /not a WAL position/);
  });
});

describe('pgoutput decoder', () => {
  const insert = (tuple: number[]) => Buffer.from([0x49, 0, 0, 0x40, 0, 0x4e, ...tuple]);

  it('reads an insert with a null, an unchanged TOAST value and a text value', () => {
    const m = new PgoutputDecoder().decode(insert([0, 3, 0x6e, 0x75, 0x74, 0, 0, 0, 2, 0x68, 0x69]));
    assert.deepEqual(m, { tag: 'insert', relid: 0x4000, row: [null, UNCHANGED, 'hi'] });
  });

  it('reads a message where it starts in a replication frame', () => {
    const frame = Buffer.concat([Buffer.alloc(25, 0xff), insert([0, 1, 0x74, 0, 0, 0, 2, 0x68, 0x69])]);
    assert.deepEqual(new PgoutputDecoder().decode(frame, 25), { tag: 'insert', relid: 0x4000, row: ['hi'] });
  });

  it('refuses a message cut short, an unknown value kind and an unknown message type', () => {
    const d = new PgoutputDecoder();
    assert.throws(() => d.decode(insert([0, 1, 0x74, 0, 0, 0, 9, 0x68])), /cut short/);
    assert.throws(() => d.decode(insert([0, 1, 0x7a])), /value kind 122/);
    assert.throws(() => d.decode(insert([0, 1, 0x62, 0, 0, 0, 0])), /text values only/);
    assert.throws(() => d.decode(Buffer.from([0x5a])), /unknown message type "Z"/);
  });

  it('inside a streamed transaction a change carries its xid; after stream stop it does not', () => {
    const d = new PgoutputDecoder();
    d.decode(Buffer.from([0x53, 0, 0, 0, 9, 1]));
    assert.deepEqual(d.decode(Buffer.from([0x49, 0, 0, 0, 9, 0, 0, 0x40, 0, 0x4e, 0, 0])), { tag: 'insert', xid: 9, relid: 0x4000, row: [] });
    d.decode(Buffer.from([0x45]));
    assert.deepEqual(d.decode(insert([0, 0])), { tag: 'insert', relid: 0x4000, row: [] });
  });
});
