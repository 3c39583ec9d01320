/**
 * COPY data passed from the source's wire to the target's without taking rows apart.
 *
 * A server sends COPY OUT data as CopyData messages ('d', int32 length, bytes), one per row, and
 * takes COPY IN data as CopyData messages of the same shape whose boundaries it ignores. So the
 * source's messages can be written to the target as they arrived: `copyOutFramed` reads the
 * source socket itself and pushes spans of whole CopyData messages, headers included, and
 * `copyInFramed` writes them unchanged. pg-copy-streams' `to` instead cuts every row out of its
 * message (one Buffer per row), joins them again, and `from` frames the result anew: at
 * shared/bench SCALE=1 that was 5.7 M rows' worth of allocations and copies on the one Node
 * thread that shares 2 cores with four backends.
 *
 * Every pushed buffer is a run of whole messages (a row split across socket reads is sent as
 * two smaller CopyData messages), so the target side can be failed between any two buffers
 * with a plain CopyFail. In raw mode (for verify) the messages are not framed anew.
 */
import { Readable } from 'node:stream';
import { from as copyFrom } from 'pg-copy-streams';

const COPY_DATA = 0x64; // 'd'
const ERROR_RESPONSE = 0x45; // 'E'
const COPY_OUT_RESPONSE = 0x48; // 'H'
// may arrive between CopyData messages; a copy ignores them, as pg-copy-streams does
const NOTICE_RESPONSE = 0x4e; // 'N'
const PARAMETER_STATUS = 0x53; // 'S'
const NOTIFICATION_RESPONSE = 0x41; // 'A'
const HEADER = 5;

/** The part of node-postgres' Connection that a COPY submittable drives. */
interface PgConnection {
  stream: Omit<NodeJS.ReadableStream, 'read'> & { read(): Buffer | null };
  query(text: string): void;
}

/** A CopyData header announcing `payload` bytes. */
function header(payload: number): Buffer {
  const h = Buffer.allocUnsafe(HEADER);
  h[0] = COPY_DATA;
  h.writeUInt32BE(payload + 4, 1);
  return h;
}

/**
 * `COPY ... TO STDOUT` as a readable stream of framed CopyData messages, for `copyInFramed`.
 * `payloadBytes` counts the COPY data itself, without the frames.
 */
export class CopyOutFramed extends Readable {
  rowCount = 0;
  payloadBytes = 0;
  /** Settles once the server has ended the command (`rowCount` is its count then), or it failed. */
  readonly settled: Promise<void>;
  private settle!: () => void;
  private connection: PgConnection | null = null;
  private pgDataHandler: ((chunk: Buffer) => void) | null = null;
  private readonly onReadable = () => this.forward();
  private wanted = false;
  private forwarding = false;
  /** Payload bytes still due for a CopyData message begun in an earlier read. */
  private owed = 0;
  /** The start of a message cut off by the end of the last read (a header, or a short non-data message). */
  private carry: Buffer | null = null;

  /**
   * `raw`: messages cut off by the end of a read are not framed anew; the CopyData messages go out
   * byte for byte as the server sent them, cut wherever the reads fell (for a reader that hashes
   * them: the same rows make the same bytes however the socket was read).
   */
  constructor(
    private readonly text: string,
    private readonly raw = false,
  ) {
    super({ highWaterMark: 256 * 1024 });
    this.settled = new Promise((resolve) => (this.settle = resolve));
  }

  /** Called by node-postgres when the query's turn comes: take the socket over from its parser. */
  submit(connection: PgConnection): void {
    this.connection = connection;
    const stream = connection.stream;
    const listeners = stream.listeners('data') as ((chunk: Buffer) => void)[];
    if (listeners.length !== 1) throw new Error(`expected one data listener on the connection, found ${listeners.length}`);
    this.pgDataHandler = listeners[0];
    stream.removeListener('data', this.pgDataHandler);
    stream.pause();
    stream.on('readable', this.onReadable);
    connection.query(this.text);
  }

  _read(): void {
    this.wanted = true;
    this.forward();
  }

  private forward(): void {
    if (this.forwarding || !this.wanted || !this.connection) return;
    this.forwarding = true;
    let chunk: Buffer | null;
    while (this.wanted && this.connection && (chunk = this.connection.stream.read()) !== null) this.scan(chunk);
    this.forwarding = false;
  }

  /** Pushes the CopyData messages of one socket read; at the end of the copy hands the rest back to node-postgres. */
  private scan(input: Buffer): void {
    let chunk = input;
    if (this.carry) {
      chunk = Buffer.concat([this.carry, input]);
      this.carry = null;
    }
    const len = chunk.length;
    let i = 0;
    if (this.owed > 0) {
      // the rest of a row whose message began in an earlier read: its own, smaller message
      const n = Math.min(this.owed, len);
      this.owed -= n;
      this.payloadBytes += n;
      this.emitData(this.raw ? chunk.subarray(0, n) : Buffer.concat([header(n), chunk.subarray(0, n)]));
      i = n;
    }
    let span = -1; // start of a run of whole messages not yet pushed
    const flush = (end: number) => {
      if (span >= 0 && end > span) this.emitData(chunk.subarray(span, end));
      span = -1;
    };
    while (i < len) {
      if (len - i < HEADER) {
        flush(i);
        this.carry = Buffer.from(chunk.subarray(i));
        return;
      }
      const code = chunk[i];
      const size = chunk.readUInt32BE(i + 1); // includes itself, not the code byte
      if (code === COPY_DATA) {
        const end = i + 1 + size;
        if (end <= len) {
          if (span < 0) span = i;
          this.payloadBytes += size - 4;
          i = end;
          continue;
        }
        // cut off by the end of this read: send what is here as a message of its own size
        const here = len - i - HEADER;
        if (here === 0 && !this.raw) {
          flush(i);
          this.carry = Buffer.from(chunk.subarray(i));
          return;
        }
        this.owed = size - 4 - here;
        this.payloadBytes += here;
        if (!this.raw) chunk.writeUInt32BE(here + 4, i + 1);
        if (span < 0) span = i;
        flush(len);
        return;
      }
      flush(i);
      if (code === COPY_OUT_RESPONSE || code === NOTICE_RESPONSE || code === PARAMETER_STATUS || code === NOTIFICATION_RESPONSE) {
        if (i + 1 + size > len) {
          this.carry = Buffer.from(chunk.subarray(i));
          return;
        }
        i += 1 + size;
        continue;
      }
      // CopyDone ('c'), an ErrorResponse or anything else ends copy-out mode: node-postgres reads on
      this.detach(chunk.subarray(i));
      if (code !== ERROR_RESPONSE) this.push(null);
      return;
    }
    flush(len);
  }

  private emitData(buf: Buffer): void {
    if (!this.push(buf)) this.wanted = false;
  }

  private detach(rest: Buffer): void {
    const connection = this.connection!;
    const handler = this.pgDataHandler!;
    this.connection = null;
    connection.stream.removeListener('readable', this.onReadable);
    connection.stream.on('data', handler);
    handler(rest);
    // node-postgres' handler may pause the stream; resume after it returns, as pg-copy-streams does
    process.nextTick(() => connection.stream.resume());
  }

  /** node-postgres: the source's error (after detach, the ErrorResponse was parsed by it). */
  handleError(err: Error): void {
    this.settle();
    this.destroy(err);
  }

  handleCommandComplete(msg: { text?: string } | undefined): void {
    const m = /COPY (\d+)/.exec(msg?.text ?? '');
    if (m) this.rowCount = Number(m[1]);
  }

  handleReadyForQuery(): void {
    this.settle();
  }
}

/** `COPY ... TO STDOUT` whose output is whole CopyData messages (see the module comment). */
export function copyOutFramed(text: string, raw = false): CopyOutFramed {
  return new CopyOutFramed(text, raw);
}

/**
 * `COPY ... FROM STDIN` that writes buffers of whole CopyData messages as they are, instead of
 * framing each buffer as one message (pg-copy-streams' `from` with one method replaced).
 */
export function copyInFramed(text: string): ReturnType<typeof copyFrom> {
  const stream = copyFrom(text) as ReturnType<typeof copyFrom> & { flushChunk(chunk: Buffer): boolean; connection: { stream: NodeJS.WritableStream } };
  stream.flushChunk = function flushFramed(chunk: Buffer): boolean {
    return this.connection.stream.write(chunk);
  };
  return stream;
}
