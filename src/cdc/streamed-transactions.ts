/**
 * Large transactions streamed before they commit (pgoutput protocol 2, sources 14+). Once a
 * transaction's decoded changes pass the source's logical_decoding_work_mem, the walsender sends
 * them in chunks (Stream Start … Stream Stop) while the transaction still runs, between other
 * transactions, and ends it later with Stream Commit or Stream Abort. With protocol 1 it would
 * spill the transaction to its disk and send it only after its commit, so nothing could be applied
 * until the whole of it had been decoded twice.
 *
 * Each streamed transaction is applied as it arrives, in a target transaction of its own on a
 * session of its own (an applier from `open`), never held in memory: a SAVEPOINT marks the first
 * change of each of its subtransactions, so a subtransaction's abort rolls back to it (whatever
 * came after that change belongs to the subtransaction or to its children). At Stream Commit,
 * everything committed on the source before it is committed on the target first, then it commits
 * with its position, so positions still only grow and a restart skips exactly what is on the
 * target. A restarted stream sends an unfinished streamed transaction again from its start: the
 * open target transaction went with the failed session.
 *
 * Why the order is safe across sessions: a row a streamed transaction changed stays locked on the
 * source until it ends, so no other transaction's change to that row can come before its Stream
 * Commit; and before each chunk, the group the main applier has gathered is committed, so a chunk
 * never waits for rows the main session holds.
 */
import { ChangeApplier, type AppliedPosition } from './apply-changes.js';
import type { PgoutputMessage } from './pgoutput.js';
import { PgferryError } from '../errors.js';

type Message<T extends PgoutputMessage['tag']> = Extract<PgoutputMessage, { tag: T }>;

/** A streamed transaction being applied. */
interface Streamed {
  xid: number;
  applier: ChangeApplier;
  /** Its subtransactions that changed rows, each with the order its savepoint was made in. */
  savepoints: Map<number, number>;
  made: number;
  /** Relation messages sent inside it: the main applier takes them at its commit (as pgoutput then assumes the subscriber does). */
  relations: Map<number, Message<'relation'>>;
}

/** A source position past any real one: a streamed transaction's commit position is known only at its end. */
const FAR = (1n << 64n) - 1n;

/** The savepoint that marks a subtransaction's first change (xids are read as signed 32-bit numbers). */
const savepointName = (xid: number) => `pgferry_sub_${xid >>> 0}`;

/**
 * The applier a stream is fed to: the main applier for transactions sent whole, one applier per
 * streamed transaction in progress. It has the main applier's interface, so a consumer need not
 * know which protocol the stream speaks.
 */
export class StreamingApplier {
  private readonly streamed = new Map<number, Streamed>();
  /** Appliers (with their sessions) free for the next streamed transaction. */
  private readonly spare: ChangeApplier[] = [];
  private readonly made: ChangeApplier[] = [];
  /** The streamed transaction whose chunk is being read. */
  private chunk: Streamed | null = null;

  /** `open`: a new applier on a new target session, prepared (the main applier's slot, router and observer). */
  constructor(readonly main: ChangeApplier, private readonly open: () => Promise<ChangeApplier>) {}

  /** Rows and transactions applied, streamed ones included (a streamed transaction's rows as they arrive). */
  get counts(): { transactions: number; rows: number } {
    let { transactions, rows } = this.main.counts;
    for (const a of this.made) {
      transactions += a.counts.transactions;
      rows += a.counts.rows;
    }
    return { transactions, rows };
  }

  prepare(): Promise<AppliedPosition> {
    return this.main.prepare();
  }

  /** Inside a source transaction, a group not yet committed, or a chunk of a streamed transaction. */
  busy(): boolean {
    return this.main.busy() || this.chunk !== null;
  }

  settle(): Promise<void> {
    return this.main.settle();
  }

  durable(): ReturnType<ChangeApplier['durable']> {
    return this.main.durable();
  }

  position(): AppliedPosition {
    return this.main.position();
  }

  startedAtCommitMicros(): bigint {
    return this.main.startedAtCommitMicros();
  }

  commitGroup(wait = true): Promise<AppliedPosition | undefined> {
    return this.main.commitGroup(wait);
  }

  /** As ChangeApplier.applyNow; inside a chunk, a change that needs no savepoint and no round trip. */
  applyNow(m: PgoutputMessage, more: boolean): boolean {
    const c = this.chunk;
    if (!c) return m.tag.startsWith('stream-') ? false : this.main.applyNow(m, more);
    switch (m.tag) {
      case 'insert':
      case 'update':
      case 'delete':
        return this.hasSavepoint(c, m.xid) && c.applier.applyNow(m, true);
      case 'type':
      case 'message':
        return true;
      default:
        return false;
    }
  }

  /** As ChangeApplier.apply; returns the position committed by a COMMIT or a Stream Commit. */
  async apply(m: PgoutputMessage, more = false): Promise<AppliedPosition | undefined> {
    switch (m.tag) {
      case 'stream-start':
        await this.startChunk(m);
        return undefined;
      case 'stream-stop': {
        const c = this.chunk;
        this.chunk = null;
        // its last write is done before other transactions go on
        await c?.applier.settle();
        return undefined;
      }
      case 'stream-commit':
        return this.commit(m);
      case 'stream-abort':
        await this.abortStreamed(m);
        return undefined;
      default:
    }
    const c = this.chunk;
    if (!c) return this.main.apply(m, more);
    switch (m.tag) {
      case 'relation':
        c.relations.set(m.relid, m);
        return c.applier.apply(m, true);
      case 'insert':
      case 'update':
      case 'delete':
      case 'truncate':
        if (!this.hasSavepoint(c, m.xid)) {
          await c.applier.savepoint(savepointName(m.xid!));
          c.savepoints.set(m.xid!, c.made++);
        }
        return c.applier.apply(m, true);
      case 'type':
      case 'message':
        return undefined;
      default:
        throw new PgferryError('PGFERRY_E_INTERNAL', `a ${m.tag} message arrived inside a chunk of streamed transaction ${c.xid >>> 0}`, { object: 'change stream' });
    }
  }

  /** Rolls back every open transaction, the streamed ones included (after a failure: the stream restarts at the last commit). */
  async abort(): Promise<void> {
    this.chunk = null;
    for (const s of this.streamed.values()) {
      await s.applier.abort();
      this.spare.push(s.applier);
    }
    this.streamed.clear();
    await this.main.abort();
  }

  /** A change of the top transaction, or of a subtransaction whose savepoint is made. */
  private hasSavepoint(c: Streamed, xid: number | undefined): boolean {
    return xid === undefined || xid === c.xid || c.savepoints.has(xid);
  }

  private async startChunk(m: Message<'stream-start'>): Promise<void> {
    // what was committed before this chunk is on the target first: the chunk may change its rows
    await this.main.commitGroup();
    let s = this.streamed.get(m.xid);
    if (m.first === Boolean(s))
      throw new PgferryError('PGFERRY_E_INTERNAL', `streamed transaction ${m.xid >>> 0}: ${m.first ? 'a first chunk came twice' : 'a chunk came without its first one'}`, {
        object: 'change stream',
        fix: 'the stream restarts from the last applied position',
      });
    if (!s) {
      const applier = this.spare.pop() ?? (this.made.push(await this.open()), this.made[this.made.length - 1]);
      applier.applyNow({ tag: 'begin', finalLsn: FAR, commitTime: 0n, xid: m.xid }, true);
      s = { xid: m.xid, applier, savepoints: new Map(), made: 0, relations: new Map() };
      this.streamed.set(m.xid, s);
    }
    this.chunk = s;
  }

  private async commit(m: Message<'stream-commit'>): Promise<AppliedPosition | undefined> {
    const s = this.ended(m.xid, 'commit');
    // everything committed before it goes first: positions only grow on the target
    await this.main.commitGroup();
    let done: AppliedPosition | undefined;
    // committed on the target before a restart: sent again whole, rolled back here
    if (m.commitLsn <= this.main.position().commitLsn) await s.applier.abort();
    else {
      done = await s.applier.apply({ tag: 'commit', flags: m.flags, commitLsn: m.commitLsn, endLsn: m.endLsn, commitTime: m.commitTime }, false);
      if (!done) throw new PgferryError('PGFERRY_E_INTERNAL', `streamed transaction ${m.xid >>> 0} did not commit`, { object: 'change stream' });
      this.main.advance(done);
    }
    for (const r of s.relations.values()) await this.main.apply(r, false);
    this.spare.push(s.applier);
    return done;
  }

  private async abortStreamed(m: Message<'stream-abort'>): Promise<void> {
    const s = this.streamed.get(m.xid);
    // a transaction streamed before a restart and not since: nothing of it was applied
    if (!s) return;
    if (m.subXid === m.xid) {
      this.ended(m.xid, 'abort');
      await s.applier.abort();
      this.spare.push(s.applier);
      return;
    }
    const at = s.savepoints.get(m.subXid);
    // a subtransaction that changed nothing here
    if (at === undefined) return;
    await s.applier.rollbackTo(savepointName(m.subXid));
    for (const [xid, n] of s.savepoints) if (n >= at) s.savepoints.delete(xid);
  }

  /** Takes a streamed transaction that ends now. */
  private ended(xid: number, how: string): Streamed {
    const s = this.streamed.get(xid);
    if (!s || this.chunk)
      throw new PgferryError('PGFERRY_E_INTERNAL', `streamed transaction ${xid >>> 0}: its ${how} came ${s ? 'inside a chunk' : 'without its chunks'}`, {
        object: 'change stream',
        fix: 'the stream restarts from the last applied position',
      });
    this.streamed.delete(xid);
    return s;
  }
}
