/**
 * CopyOutFramed's framing, byte by byte: a server's COPY OUT reply (CopyOutResponse, CopyData
 * rows, a NOTICE between them, CopyDone, CommandComplete, ReadyForQuery) is fed in reads cut at
 * every offset, and in reads of one byte; the output is always whole CopyData messages carrying
 * the rows' bytes, and what follows CopyDone goes back to node-postgres unchanged. (The real
 * servers' side is test/integration/copy-passthrough.test.ts.)
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { PassThrough } from 'node:stream';
import { CopyOutFramed } from '../../src/copy/copy-passthrough.js';

function message(code: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = code.charCodeAt(0);
  head.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const rows = Array.from({ length: 40 }, (_, i) => Buffer.from(`row ${i} ${'x'.repeat((i * 37) % 90)}\n`));
rows.push(Buffer.alloc(0)); // an empty CopyData message is legal
const before = Buffer.concat([message('H', Buffer.from([0, 0, 1, 0, 0])), ...rows.slice(0, 20).map((r) => message('d', r))]);
const notice = message('N', Buffer.from('SNOTICE\0Mrow 20\0\0'));
const after = Buffer.concat(rows.slice(20).map((r) => message('d', r)));
const tail = Buffer.concat([message('c', Buffer.alloc(0)), message('C', Buffer.from('COPY 41\0')), message('Z', Buffer.from('I'))]);
const wire = Buffer.concat([before, notice, after, tail]);
const payload = Buffer.concat(rows);

/** Feeds `reads` through a CopyOutFramed; returns its output and what node-postgres got back. */
async function feed(reads: Buffer[]): Promise<{ out: Buffer; handedBack: Buffer }> {
  const socket = new PassThrough();
  const handedBack: Buffer[] = [];
  socket.on('data', (b: Buffer) => handedBack.push(b));
  const copy = new CopyOutFramed('COPY t TO STDOUT');
  copy.submit({ stream: socket as never, query: () => {} });
  const out: Buffer[] = [];
  copy.on('data', (b: Buffer) => out.push(Buffer.from(b)));
  const ended = new Promise((r) => copy.on('end', r));
  for (const r of reads) {
    socket.write(Buffer.from(r)); // a copy: the stream may rewrite a cut message's length in place
    await new Promise((r2) => setImmediate(r2));
  }
  await ended;
  return { out: Buffer.concat(out), handedBack: Buffer.concat(handedBack) };
}

/** The COPY data in a run of whole CopyData messages. */
function unframe(framed: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < framed.length; ) {
    assert.equal(framed[i], 0x64, `CopyData expected at byte ${i}`);
    const size = framed.readUInt32BE(i + 1);
    assert.ok(i + 1 + size <= framed.length, `message at ${i} cut short`);
    parts.push(framed.subarray(i + 5, i + 1 + size));
    i += 1 + size;
  }
  return Buffer.concat(parts);
}

it('passes whole CopyData messages for reads cut anywhere, and hands the rest back', async () => {
  const cuts: Buffer[][] = [[wire], Array.from(wire, (b) => Buffer.from([b]))];
  for (let k = 1; k < wire.length; k++) cuts.push([wire.subarray(0, k), wire.subarray(k)]);
  for (const reads of cuts) {
    const { out, handedBack } = await feed(reads);
    const label = `${reads.length} reads, first ${reads[0].length} bytes`;
    assert.ok(unframe(out).equals(payload), `${label}: payload`);
    assert.ok(handedBack.equals(tail), `${label}: CopyDone and after go back to node-postgres`);
  }
});

it('counts the payload without the frames', async () => {
  const copy = new CopyOutFramed('x');
  const socket = new PassThrough();
  socket.on('data', () => {});
  copy.submit({ stream: socket as never, query: () => {} });
  copy.resume();
  socket.write(wire);
  await new Promise((r) => copy.on('end', r));
  assert.equal(copy.payloadBytes, payload.length);
});
