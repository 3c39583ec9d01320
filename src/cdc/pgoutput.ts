/**
 * Decodes the messages of PostgreSQL's built-in logical decoding plugin, pgoutput (protocol
 * versions 1 to 4, without two-phase messages: pgferry never asks for them). One decoder per
 * stream: inside a streamed transaction (Stream Start … Stream Stop, protocol 2+) the change
 * messages carry the transaction's xid, so the decoder keeps that one bit of state.
 *
 * Column values are decoded straight to strings (pgferry asks for the text format, and applies
 * text): no Buffer per value, which in a backlog of millions of changes was most of the garbage.
 */
import { PgferryError } from '../errors.js';
import type { Lsn } from './lsn.js';

/** A TOASTed value an UPDATE did not change: pgoutput does not send it, the target keeps its own. */
export const UNCHANGED: unique symbol = Symbol('unchanged TOAST value');

/** One column's value in a change: its text form, null for NULL, or UNCHANGED. */
export type ColumnValue = string | null | typeof UNCHANGED;

export interface RelationColumn {
  /** Part of the replica identity (the key an UPDATE or DELETE names its row by). */
  key: boolean;
  name: string;
  typeOid: number;
  typmod: number;
}

/** `d` default (primary key), `n` nothing, `f` full, `i` index. */
export type ReplicaIdentity = 'd' | 'n' | 'f' | 'i';

export type PgoutputMessage =
  | { tag: 'begin'; finalLsn: Lsn; commitTime: bigint; xid: number }
  | { tag: 'commit'; flags: number; commitLsn: Lsn; endLsn: Lsn; commitTime: bigint }
  | { tag: 'origin'; lsn: Lsn; name: string }
  | { tag: 'relation'; xid?: number; relid: number; schema: string; name: string; replicaIdentity: ReplicaIdentity; columns: RelationColumn[] }
  | { tag: 'type'; xid?: number; oid: number; schema: string; name: string }
  | { tag: 'insert'; xid?: number; relid: number; row: ColumnValue[] }
  /** `old` is the whole old row (REPLICA IDENTITY FULL), `key` its key columns; neither when the key did not change. */
  | { tag: 'update'; xid?: number; relid: number; key?: ColumnValue[]; old?: ColumnValue[]; row: ColumnValue[] }
  | { tag: 'delete'; xid?: number; relid: number; key?: ColumnValue[]; old?: ColumnValue[] }
  | { tag: 'truncate'; xid?: number; relids: number[]; cascade: boolean; restartIdentity: boolean }
  | { tag: 'message'; xid?: number; transactional: boolean; lsn: Lsn; prefix: string; content: Buffer }
  | { tag: 'stream-start'; xid: number; first: boolean }
  | { tag: 'stream-stop' }
  | { tag: 'stream-commit'; xid: number; flags: number; commitLsn: Lsn; endLsn: Lsn; commitTime: bigint }
  | { tag: 'stream-abort'; xid: number; subXid: number; abortLsn?: Lsn; abortTime?: bigint };

/** Microseconds between the Unix epoch and PostgreSQL's (2000-01-01), for commit timestamps. */
export const PG_EPOCH_MICROS = 946_684_800_000_000n;

/** Reads one message after another; `decode` takes a message without its replication frame. */
export class PgoutputDecoder {
  private inStream = false;

  /** `from`: where the message starts in `buf` (after a replication frame's header). */
  decode(buf: Buffer, from = 0): PgoutputMessage {
    const r = new Reader(buf, from);
    const tag = r.byte();
    // inside a streamed transaction the change messages carry its xid
    const xid = () => (this.inStream ? { xid: r.int32() } : {});
    switch (tag) {
      case 0x42 /* B */:
        return { tag: 'begin', finalLsn: r.int64(), commitTime: r.int64(), xid: r.int32() };
      case 0x43 /* C */:
        return { tag: 'commit', flags: r.byte(), commitLsn: r.int64(), endLsn: r.int64(), commitTime: r.int64() };
      case 0x4f /* O */:
        return { tag: 'origin', lsn: r.int64(), name: r.string() };
      case 0x52 /* R */: {
        const head = { tag: 'relation' as const, ...xid(), relid: r.uint32(), schema: r.string(), name: r.string(), replicaIdentity: String.fromCharCode(r.byte()) as ReplicaIdentity };
        const n = r.int16();
        const columns: RelationColumn[] = [];
        for (let i = 0; i < n; i++) columns.push({ key: (r.byte() & 1) === 1, name: r.string(), typeOid: r.uint32(), typmod: r.int32() });
        return { ...head, columns };
      }
      case 0x59 /* Y */:
        return { tag: 'type', ...xid(), oid: r.uint32(), schema: r.string(), name: r.string() };
      case 0x49 /* I */: {
        const head = { ...xid(), relid: r.uint32() };
        r.expect(0x4e /* N */, 'insert');
        return { tag: 'insert', ...head, row: r.tuple() };
      }
      case 0x55 /* U */: {
        const head = { ...xid(), relid: r.uint32() };
        let key: ColumnValue[] | undefined;
        let old: ColumnValue[] | undefined;
        let part = r.byte();
        if (part === 0x4b /* K */) key = r.tuple();
        else if (part === 0x4f /* O */) old = r.tuple();
        if (key || old) part = r.byte();
        if (part !== 0x4e /* N */) throw malformed(`update: expected N, got ${part}`);
        return { tag: 'update', ...head, ...(key ? { key } : {}), ...(old ? { old } : {}), row: r.tuple() };
      }
      case 0x44 /* D */: {
        const head = { ...xid(), relid: r.uint32() };
        const part = r.byte();
        if (part === 0x4b /* K */) return { tag: 'delete', ...head, key: r.tuple() };
        if (part === 0x4f /* O */) return { tag: 'delete', ...head, old: r.tuple() };
        throw malformed(`delete: expected K or O, got ${part}`);
      }
      case 0x54 /* T */: {
        const head = xid();
        const n = r.int32();
        const options = r.byte();
        const relids: number[] = [];
        for (let i = 0; i < n; i++) relids.push(r.uint32());
        return { tag: 'truncate', ...head, relids, cascade: (options & 1) === 1, restartIdentity: (options & 2) === 2 };
      }
      case 0x4d /* M */: {
        const head = xid();
        const transactional = (r.byte() & 1) === 1;
        const lsn = r.int64();
        const prefix = r.string();
        // a copy: the frame's buffer is the socket's, and is reused
        return { tag: 'message', ...head, transactional, lsn, prefix, content: Buffer.from(r.bytes(r.int32())) };
      }
      case 0x53 /* S */: {
        this.inStream = true;
        return { tag: 'stream-start', xid: r.int32(), first: r.byte() === 1 };
      }
      case 0x45 /* E */:
        this.inStream = false;
        return { tag: 'stream-stop' };
      case 0x63 /* c */:
        return { tag: 'stream-commit', xid: r.int32(), flags: r.byte(), commitLsn: r.int64(), endLsn: r.int64(), commitTime: r.int64() };
      case 0x41 /* A */: {
        const out: PgoutputMessage = { tag: 'stream-abort', xid: r.int32(), subXid: r.int32() };
        // protocol 4 (parallel streaming) adds where and when the abort happened
        if (r.left() >= 16) return { ...out, abortLsn: r.int64(), abortTime: r.int64() };
        return out;
      }
      default:
        throw malformed(`unknown message type ${JSON.stringify(String.fromCharCode(tag))} (${tag})`);
    }
  }
}

function malformed(what: string): PgferryError {
  return new PgferryError('PGFERRY_E_INTERNAL', `pgoutput message not understood: ${what}`, {
    object: 'change stream',
    fix: 'report this with the source\'s PostgreSQL version; nothing past the last applied position was applied',
  });
}

/** A cursor over one message, in network byte order. */
class Reader {
  constructor(private readonly buf: Buffer, private at: number) {}

  left(): number {
    return this.buf.length - this.at;
  }
  private need(n: number): void {
    if (this.at + n > this.buf.length) throw malformed(`cut short at byte ${this.at} of ${this.buf.length}`);
  }
  byte(): number {
    this.need(1);
    return this.buf[this.at++];
  }
  expect(b: number, what: string): void {
    const got = this.byte();
    if (got !== b) throw malformed(`${what}: expected ${String.fromCharCode(b)}, got ${got}`);
  }
  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.at);
    this.at += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.at);
    this.at += 4;
    return v;
  }
  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }
  int64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.at);
    this.at += 8;
    return v;
  }
  string(): string {
    const end = this.buf.indexOf(0, this.at);
    if (end < 0) throw malformed(`a string at byte ${this.at} has no end`);
    const s = this.buf.toString('utf8', this.at, end);
    this.at = end + 1;
    return s;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
  tuple(): ColumnValue[] {
    const n = this.int16();
    const out: ColumnValue[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const kind = this.byte();
      if (kind === 0x6e /* n */) out[i] = null;
      else if (kind === 0x75 /* u */) out[i] = UNCHANGED;
      else if (kind === 0x74 /* t */) {
        const len = this.int32();
        this.need(len);
        out[i] = this.buf.toString('utf8', this.at, this.at + len);
        this.at += len;
      } else throw malformed(`column ${i + 1}: value kind ${kind} (pgferry asks for text values only)`);
    }
    return out;
  }
}
