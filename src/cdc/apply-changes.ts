/**
 * Applies decoded changes to the target exactly once. A group of source transactions (one, or up
 * to GROUP_TRANSACTIONS while a backlog waits) becomes one target transaction that also records
 * the source position it reaches (`pgferry_state.stream_position`), so after any failure the
 * stream restarts at the slot's confirmed position and every transaction already committed on the
 * target is skipped: nothing applied twice, nothing lost. Within a group, changes are gathered as
 * each row's net change (net-changes.ts) and written as a few set statements per table at the
 * group's commit, or whenever the buffer reaches its bound (rows or bytes), so a source
 * transaction of millions of rows is never held whole in memory. What cannot be coalesced (an UPDATE or DELETE under
 * REPLICA IDENTITY FULL, a key change, a table with other unique indexes) runs row by row, after
 * what is buffered for its table. While a backlog waits, a group is written and committed while
 * the next one is gathered (one write in flight; every other use of the session waits for it).
 *
 * The session runs with session_replication_role = replica (no user triggers, no foreign key
 * checks on replayed rows). INSERTs override identity columns with the source's values; stored
 * generated columns are not sent by pgoutput and are computed by the target. An UPDATE leaves a
 * TOASTed column pgoutput sends as unchanged alone; with REPLICA IDENTITY FULL an UPDATE or
 * DELETE touches exactly one row that matches the old one, so duplicate rows stay as many as on
 * the source.
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import { ident, literal, qualified } from '../pg/quote.js';
import { STATE_SCHEMA } from '../pg/state-schema.js';
import { PgferryError } from '../errors.js';
import { formatLsn, parseLsn, type Lsn } from './lsn.js';
import { NetChanges, type NetBatch } from './net-changes.js';
import { PG_EPOCH_MICROS, UNCHANGED, type ColumnValue, type PgoutputMessage, type RelationColumn, type ReplicaIdentity } from './pgoutput.js';

/** Where a source table's changes go: the target table, and each column's name there (undefined: not migrated). */
export interface ApplyTable {
  schema: string;
  name: string;
  column(name: string): string | undefined;
}

/** Selection and name mapping for streamed changes: undefined for a table that is not migrated. */
export type ApplyRouter = (schema: string, name: string) => ApplyTable | undefined;

interface KnownRelation {
  schema: string;
  name: string;
  target: ApplyTable | undefined;
  /** The target table, quoted. */
  table: string;
  /** Positions of the key columns its changes are coalesced by, [] when they are not; found at its first change. */
  coalesceAt?: number[];
  columns: RelationColumn[];
  /** Each column's name on the target, by its position in the message (undefined: not migrated). */
  names: (string | undefined)[];
  identity: ReplicaIdentity;
}

/**
 * Told of every row a change touches, before it is applied (the range ledger: verify/range-ledger.ts):
 * the source table, the source transaction, and the values of `columns` that name the row (its new
 * row, its old key or its old row), or null for a change of the whole table (TRUNCATE).
 */
export interface ChangeObserver {
  touch(schema: string, name: string, xid: number, columns: RelationColumn[], row: ColumnValue[] | null): void;
}

/** The position the target has applied up to, for one slot. */
export interface AppliedPosition {
  /** The last applied source transaction's commit position. */
  commitLsn: Lsn;
  /** Where the slot may be confirmed to (the end of that commit record). */
  endLsn: Lsn;
}

/** The table of applied positions, one row per slot. */
export async function ensureStreamPosition(target: pg.ClientBase): Promise<void> {
  await target.query(
    `CREATE SCHEMA IF NOT EXISTS ${STATE_SCHEMA};
     CREATE TABLE IF NOT EXISTS ${STATE_SCHEMA}.stream_position (slot text PRIMARY KEY, commit_lsn text NOT NULL, end_lsn text NOT NULL, commit_time timestamptz, applied_at timestamptz NOT NULL DEFAULT now())`,
  );
}

/**
 * Records where a slot's stream starts (its consistent point: the copy holds everything before
 * it); call in the transaction that marks the copy done, so that the two are never apart.
 */
export async function recordStreamStart(target: pg.ClientBase, slot: string, consistentPoint: Lsn, slotCreatedAt: Date): Promise<void> {
  await ensureStreamPosition(target);
  // the slot's creation stands for the last commit the target holds: the lag until the first one is applied
  await target.query(
    `INSERT INTO ${STATE_SCHEMA}.stream_position (slot, commit_lsn, end_lsn, commit_time) VALUES ($1, '0/0', $2, $3)
     ON CONFLICT (slot) DO UPDATE SET commit_lsn = excluded.commit_lsn, end_lsn = excluded.end_lsn, commit_time = excluded.commit_time, applied_at = now()`,
    [slot, formatLsn(consistentPoint), slotCreatedAt.toISOString()],
  );
}

/** Source transactions one target transaction takes at most while a backlog waits. */
const GROUP_TRANSACTIONS = 2000;

export class ChangeApplier {
  private readonly relations = new Map<number, KnownRelation>();
  private applied: AppliedPosition = { commitLsn: 0n, endLsn: 0n };
  /** A group of source transactions is being applied (its target transaction begun or not yet). */
  private open = false;
  /** A transaction is open on the target (BEGIN sent, no COMMIT or ROLLBACK done yet). */
  private begun = false;
  /**
   * The previous group's write and COMMIT while the next group is gathered (one at most): every
   * other use of the target session waits for it first (settle), so statements never interleave.
   */
  private pending: Promise<void> | null = null;
  private skipping = false;
  private appliedCommitMicros = 0n;
  /** The applied position known to be on the target's disk, and the one waiting for its flush. */
  private flushed: Lsn = 0n;
  private pendingFlush: { local: Lsn; remote: Lsn } | null = null;
  /** Inside a source transaction that is applied (its COMMIT not yet seen). */
  private inSource = false;
  /** Source transactions applied in the open target transaction, and the last one's commit. */
  private group: { commitLsn: Lsn; endLsn: Lsn; commitTime: bigint; count: number } | null = null;
  /** The group's net changes, written as set statements per table (net-changes.ts). */
  private readonly net: NetChanges;
  /** Rows and transactions applied, for rates and tests. */
  readonly counts = { transactions: 0, rows: 0 };
  /** The source transaction being read (its BEGIN's xid). */
  private xid = 0;

  constructor(private readonly target: pg.Client, private readonly slot: string, private readonly route: ApplyRouter, private readonly observer?: ChangeObserver) {
    this.net = new NetChanges(target);
  }

  /** Creates the position table if needed, sets the session up, and returns what was applied before. */
  async prepare(): Promise<AppliedPosition> {
    await ensureStreamPosition(this.target);
    // commits need not wait for their flush: the slot is confirmed only up to what durable() says is on disk
    await this.target.query("SELECT pg_catalog.set_config('session_replication_role', 'replica', false), pg_catalog.set_config('synchronous_commit', 'off', false)");
    const r = await this.target.query<{ commit_lsn: string; end_lsn: string; commit_time: Date | null }>(
      `SELECT commit_lsn, end_lsn, commit_time FROM ${STATE_SCHEMA}.stream_position WHERE slot = $1`,
      [this.slot],
    );
    if (r.rowCount) this.applied = { commitLsn: parseLsn(r.rows[0].commit_lsn), endLsn: parseLsn(r.rows[0].end_lsn) };
    const at = r.rows[0]?.commit_time;
    this.appliedCommitMicros = at ? BigInt(at.getTime()) * 1000n - PG_EPOCH_MICROS : 0n;
    this.flushed = this.applied.endLsn;
    return this.applied;
  }

  /** Inside a source transaction (applying it or skipping it), or with a group not yet committed: not a moment to stop or cut over. */
  busy(): boolean {
    return this.open || this.skipping;
  }

  /**
   * The source position the target holds on disk: what may be confirmed to the slot. Commits run
   * with synchronous_commit off (one fsync per source transaction would cap apply at the disk's
   * flush rate), so a commit is durable once the target's WAL is flushed past it. Call between
   * transactions: it notes the target's WAL position after the last commit, and reports the
   * source position noted at an earlier call once the flush has passed that call's WAL position.
   */
  async durable(): Promise<Lsn> {
    await this.settle();
    const r = await this.target.query<{ f: string; i: string }>('SELECT pg_catalog.pg_current_wal_flush_lsn()::text AS f, pg_catalog.pg_current_wal_insert_lsn()::text AS i');
    const flushed = parseLsn(r.rows[0].f);
    if (this.pendingFlush && flushed >= this.pendingFlush.local) {
      this.flushed = this.pendingFlush.remote;
      this.pendingFlush = null;
    }
    if (!this.pendingFlush && this.applied.endLsn > this.flushed) this.pendingFlush = { local: parseLsn(r.rows[0].i), remote: this.applied.endLsn };
    return this.flushed;
  }

  /**
   * The source commit time of what the target held when the applier started (µs since
   * 2000-01-01; for a stream that has applied nothing yet, when its slot was made); 0 if unknown.
   */
  startedAtCommitMicros(): bigint {
    return this.appliedCommitMicros;
  }

  /** What the target has committed (not necessarily flushed: see durable()). */
  position(): AppliedPosition {
    return this.applied;
  }

  /**
   * Applies `m` at once when that needs no round trip to the target (a change gathered as a net
   * change, a source COMMIT inside a group, a transaction being skipped) and returns true; else
   * changes nothing and returns false: call apply(). A backlog is mostly such messages, and a
   * promise per message was a good part of the cost of applying it.
   */
  applyNow(m: PgoutputMessage, more: boolean): boolean {
    switch (m.tag) {
      case 'begin':
        this.begin(m);
        return true;
      case 'insert':
      case 'update':
      case 'delete': {
        if (this.skipping) {
          this.observe(m);
          return true;
        }
        const rel = this.relations.get(m.relid);
        if (!this.open || !rel || (rel.target && (rel.coalesceAt === undefined || this.net.full()))) return false;
        if (rel.target) {
          if (!this.gather(m, rel)) return false;
          this.counts.rows++;
        }
        this.observe(m);
        return true;
      }
      case 'commit':
        if (this.skipping) {
          this.skipping = false;
          return true;
        }
        if (!this.open || !more || (this.group?.count ?? 0) + 1 >= GROUP_TRANSACTIONS) return false;
        this.inSource = false;
        this.counts.transactions++;
        this.group = { commitLsn: m.commitLsn, endLsn: m.endLsn, commitTime: m.commitTime, count: (this.group?.count ?? 0) + 1 };
        return true;
      case 'type':
      case 'origin':
      case 'message':
        return true;
      default:
        return false;
    }
  }

  /**
   * Applies one message; returns the position committed on the target by it, else undefined.
   * `more`: further messages are waiting already. Then a source COMMIT does not end the target
   * transaction yet: up to GROUP_TRANSACTIONS source transactions share one (one BEGIN, one
   * position row and one COMMIT for the group), which is still exactly once, as the position
   * commits with them. Without `more` every source transaction commits at once.
   */
  async apply(m: PgoutputMessage, more = false): Promise<AppliedPosition | undefined> {
    switch (m.tag) {
      case 'begin':
        this.begin(m);
        return undefined;
      case 'relation': {
        const target = this.route(m.schema, m.name);
        // what is buffered for the table was read under its earlier description
        if (target && this.net.holds(qualified(target.schema, target.name))) {
          await this.ready();
          await this.net.flush(qualified(target.schema, target.name));
        }
        this.relations.set(m.relid, {
          schema: m.schema, name: m.name, target, table: target ? qualified(target.schema, target.name) : '',
          columns: m.columns, names: m.columns.map((c) => target?.column(c.name)), identity: m.replicaIdentity,
        });
        return undefined;
      }
      case 'insert':
      case 'update':
      case 'delete':
      case 'truncate':
        // skipped ones too: the ledger is the new run's, and what it is told is only ever more
        this.observe(m);
        if (this.skipping) return undefined;
        this.requireOpen(m.tag);
        await this.change(m);
        return undefined;
      case 'commit': {
        if (this.skipping) {
          this.skipping = false;
          return undefined;
        }
        this.requireOpen('commit');
        this.inSource = false;
        this.counts.transactions++;
        this.group = { commitLsn: m.commitLsn, endLsn: m.endLsn, commitTime: m.commitTime, count: (this.group?.count ?? 0) + 1 };
        if (more && this.group.count < GROUP_TRANSACTIONS) return undefined;
        // with more waiting, the group is written while the next one is gathered
        return this.commitGroup(!more);
      }
      case 'stream-start':
      case 'stream-stop':
      case 'stream-commit':
      case 'stream-abort':
        throw new PgferryError('PGFERRY_E_INTERNAL', 'a streamed transaction reached the applier, which reads protocol 1 only', { object: `slot ${this.slot}` });
      default:
        // type, origin and logical messages change no row
        return undefined;
    }
  }

  /**
   * Commits the source transactions applied and not yet committed on the target, and returns the
   * position then held. With `wait` false it returns at once (undefined) and the group is written
   * and committed while the caller goes on: the next use of the target waits for it (settle).
   */
  async commitGroup(wait = true): Promise<AppliedPosition | undefined> {
    const g = this.group;
    if (!g || this.inSource) {
      if (wait) await this.settle();
      return undefined;
    }
    await this.writeBehind((batch) => this.write(batch, g));
    this.open = false;
    this.group = null;
    if (!wait) return undefined;
    await this.settle();
    return this.applied;
  }

  /**
   * A full buffer inside a group (a large source transaction): written while the group goes on
   * being gathered, in the group's transaction; one write in flight at most, as for commitGroup.
   */
  private async flushBehind(): Promise<void> {
    await this.writeBehind(async (batch) => {
      await this.beginOnce();
      await this.net.writeBatch(batch);
    });
  }

  /** Starts `write` on what is buffered, once the write in flight is done: one in flight at most (memory stays bounded; an error surfaces one write late at worst). */
  private async writeBehind(write: (batch: NetBatch) => Promise<void>): Promise<void> {
    await this.settle();
    const work = write(this.net.detach());
    this.pending = work;
    // its failure is thrown by settle(); until then it is not an unhandled rejection
    work.catch(() => {});
  }

  /** Waits for the write in flight, if any; throws its failure. */
  async settle(): Promise<void> {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    await p;
  }

  /** A group's net changes, its position and its COMMIT, in the transaction begun for it (or begun here). */
  private async write(batch: NetBatch, g: { commitLsn: Lsn; endLsn: Lsn; commitTime: bigint }): Promise<void> {
    await this.beginOnce();
    await this.net.writeBatch(batch);
    // the position and the COMMIT in one round trip; the values are pgferry's own slot name,
    // positions it formatted and a timestamp it printed, so they go as literals here
    const values = [this.slot, formatLsn(g.commitLsn), formatLsn(g.endLsn), commitTimestamp(g.commitTime)].map(literal).join(', ');
    await this.target.query(
      `INSERT INTO ${STATE_SCHEMA}.stream_position (slot, commit_lsn, end_lsn, commit_time) VALUES (${values})
       ON CONFLICT (slot) DO UPDATE SET commit_lsn = excluded.commit_lsn, end_lsn = excluded.end_lsn, commit_time = excluded.commit_time, applied_at = now();
       COMMIT`,
    );
    this.begun = false;
    this.applied = { commitLsn: g.commitLsn, endLsn: g.endLsn };
  }

  /**
   * Before a statement of the group being gathered: the group in flight is done, and this
   * group's transaction is begun (BEGIN waits until the group first needs the target: a group
   * that only gathers net changes sends it with its write).
   */
  private async ready(): Promise<void> {
    await this.settle();
    await this.beginOnce();
  }

  /** Begins the target transaction of the group being applied, unless it is begun. */
  private async beginOnce(): Promise<void> {
    if (this.begun) return;
    await this.target.query('BEGIN');
    this.begun = true;
  }

  /** A source BEGIN: skipped whole when the target committed it before a restart, else part of the open group. */
  private begin(m: Extract<PgoutputMessage, { tag: 'begin' }>): void {
    this.xid = m.xid;
    // committed on the target before a restart: the stream sends it again, it is skipped whole
    this.skipping = m.finalLsn <= this.applied.commitLsn;
    if (!this.skipping) this.open = true;
    this.inSource = !this.skipping;
  }

  /**
   * Marks a savepoint after everything gathered so far (a streamed transaction's subtransaction
   * makes its first change): rollbackTo() undoes what comes after it.
   */
  async savepoint(name: string): Promise<void> {
    await this.ready();
    await this.net.flush();
    await this.target.query(`SAVEPOINT ${ident(name)}`);
  }

  /** Undoes everything since the savepoint (a subtransaction aborted on the source), what is gathered included. */
  async rollbackTo(name: string): Promise<void> {
    await this.settle();
    // gathered after the newest savepoint, which is this one or later
    this.net.clear();
    await this.target.query(`ROLLBACK TO SAVEPOINT ${ident(name)}`);
  }

  /** A streamed transaction committed on another session of the target: it holds `p` now. */
  advance(p: AppliedPosition): void {
    if (this.open || this.pending) throw new PgferryError('PGFERRY_E_INTERNAL', 'a streamed transaction committed while a group was open', { object: `slot ${this.slot}` });
    this.applied = p;
  }

  /** Rolls back an open transaction (after a failure; the stream restarts at the last commit). */
  async abort(): Promise<void> {
    await this.settle().catch(() => {});
    this.net.clear();
    this.group = null;
    this.inSource = false;
    if (this.begun) await this.target.query('ROLLBACK').catch(() => {});
    this.begun = false;
    this.open = false;
    this.skipping = false;
  }

  /** Tells the observer which rows of which table a change touches (for a migrated table). */
  private observe(m: Extract<PgoutputMessage, { tag: 'insert' | 'update' | 'delete' | 'truncate' }>): void {
    const o = this.observer;
    if (!o) return;
    if (m.tag === 'truncate') {
      for (const id of m.relids) {
        const rel = this.relations.get(id);
        if (rel?.target) o.touch(rel.schema, rel.name, this.xid, rel.columns, null);
      }
      return;
    }
    const rel = this.relations.get(m.relid);
    if (!rel?.target) return;
    // an UPDATE that kept its key sends no old one: its new row names the row
    const old = m.tag === 'insert' ? undefined : m.old ?? m.key;
    if (m.tag === 'delete') o.touch(rel.schema, rel.name, this.xid, rel.columns, old ?? null);
    else {
      if (old) o.touch(rel.schema, rel.name, this.xid, rel.columns, old);
      o.touch(rel.schema, rel.name, this.xid, rel.columns, m.row);
    }
  }

  private requireOpen(what: string): void {
    if (!this.open) throw new PgferryError('PGFERRY_E_INTERNAL', `a ${what} arrived outside a transaction`, { object: `slot ${this.slot}` });
  }

  private known(relid: number): KnownRelation {
    const r = this.relations.get(relid);
    if (!r) throw new PgferryError('PGFERRY_E_INTERNAL', `a change names relation ${relid}, which the stream never described`, { object: `slot ${this.slot}` });
    return r;
  }

  private async change(m: Extract<PgoutputMessage, { tag: 'insert' | 'update' | 'delete' | 'truncate' }>): Promise<void> {
    if (m.tag === 'truncate') return this.truncate(m.relids, m.cascade, m.restartIdentity);
    const rel = this.known(m.relid);
    if (!rel.target) return;
    const table = rel.table;
    this.counts.rows++;
    if (await this.buffered(m, rel)) {
      if (this.net.full()) await this.flushBehind();
      return;
    }
    // row by row, after what is buffered for the table
    await this.ready();
    await this.net.flush(table);
    if (m.tag === 'insert') {
      const cols = this.present(rel, m.row);
      await this.target.query(`INSERT INTO ${table} (${cols.map((c) => ident(c.name)).join(', ')}) OVERRIDING SYSTEM VALUE VALUES (${cols.map((_c, i) => `$${i + 1}`).join(', ')})`, cols.map((c) => c.value));
      return;
    }
    // the row to change: named by its old key, its whole old image (FULL), or its key in the new row
    const whole = m.old !== undefined;
    const match = whole ? this.present(rel, m.old!) : this.present(rel, m.key ?? (m.tag === 'update' ? m.row : []), true);
    if (!match.length) throw new PgferryError('PGFERRY_E_INTERNAL', `${m.tag} on ${table} names no key columns`, { object: table, fix: 'the source table needs a primary key or REPLICA IDENTITY FULL' });
    const params: (string | null)[] = [];
    const set: string[] = [];
    if (m.tag === 'update') {
      for (const c of this.present(rel, m.row)) {
        params.push(c.value);
        set.push(`${ident(c.name)} = $${params.length}`);
      }
    }
    const where = match.map((c) => {
      if (c.value === null) return `${ident(c.name)} IS NULL`;
      params.push(c.value);
      return `${ident(c.name)} = $${params.length}`;
    });
    // with a whole old row the table may hold duplicates: exactly one of them is changed
    const target = whole
      ? `ctid = (SELECT ctid FROM ${table} WHERE ${where.join(' AND ')} LIMIT 1)`
      : where.join(' AND ');
    const sql = m.tag === 'update' ? `UPDATE ${table} SET ${set.join(', ')} WHERE ${target}` : `DELETE FROM ${table} WHERE ${target}`;
    if (m.tag === 'update' && !set.length) return;
    // a named statement is parsed and planned once per session: a table's changes repeat its text
    const r = await this.target.query({ name: `pgferry_${crypto.createHash('md5').update(sql).digest('hex').slice(0, 16)}`, text: sql, values: params });
    if (r.rowCount !== 1)
      throw new PgferryError('PGFERRY_E_APPLY', `${m.tag} on ${table} found ${r.rowCount} rows for the source's row, not 1`, {
        object: table,
        fix: 'the target no longer holds what the source held before this change (was it written to?); verify, then migrate the table again',
      });
  }

  /**
   * Buffers a change as a net change of its table (net-changes.ts); false when it must be applied
   * row by row: an UPDATE or DELETE of a table without a key identity (FULL names rows by their
   * whole image, and duplicates must stay as many), a key that changes, a table with other unique
   * indexes, or a change that cannot follow what the buffer holds (the row by row path reports it).
   */
  private async buffered(m: Extract<PgoutputMessage, { tag: 'insert' | 'update' | 'delete' }>, rel: KnownRelation): Promise<boolean> {
    if (rel.coalesceAt === undefined) {
      const at = rel.identity === 'd' || rel.identity === 'i' ? rel.columns.flatMap((c, i) => (c.key ? [i] : [])) : [];
      const cols = at.map((i) => rel.names[i]);
      if (at.length) await this.settle();
      const usable = at.length > 0 && cols.every((c) => c !== undefined) && (await this.net.coalescable(rel.table, cols as string[]));
      rel.coalesceAt = usable ? at : [];
    }
    return this.gather(m, rel);
  }

  /** buffered() once the relation's key is known: no round trip, and nothing changed when it returns false. */
  private gather(m: Extract<PgoutputMessage, { tag: 'insert' | 'update' | 'delete' }>, rel: KnownRelation): boolean {
    const keyAt = rel.coalesceAt!;
    if (!keyAt.length) {
      if (m.tag !== 'insert') return false;
      this.net.append(rel.table, rel.names, m.row);
      return true;
    }
    if (m.tag === 'update' && m.key) return false;
    // a DELETE names its row by the key (the other columns are null); an INSERT or UPDATE by its new row
    const named = m.tag === 'delete' ? m.key : m.row;
    if (!named) return false;
    const key: string[] = [];
    for (const i of keyAt) {
      const v = named[i];
      if (typeof v !== 'string') return false;
      key.push(v);
    }
    return this.net.add(rel.table, rel.names, keyAt, key, m.tag === 'delete' ? { kind: 'delete' } : { kind: m.tag, row: m.row });
  }

  /** The columns of `row` that go to the target, with their text values (unchanged TOAST left out). */
  private present(rel: KnownRelation, row: ColumnValue[], keysOnly = false): { name: string; value: string | null }[] {
    const out: { name: string; value: string | null }[] = [];
    rel.columns.forEach((c, i) => {
      if (keysOnly && !c.key) return;
      const to = rel.names[i];
      const v = row[i];
      if (to === undefined || v === undefined || v === UNCHANGED) return;
      out.push({ name: to, value: v });
    });
    return out;
  }

  private async truncate(relids: number[], cascade: boolean, restart: boolean): Promise<void> {
    const tables = relids.map((id) => this.known(id).target).filter((t): t is ApplyTable => t !== undefined);
    if (!tables.length) return;
    // CASCADE reaches tables the message may not name: everything buffered goes first
    await this.ready();
    await this.net.flush();
    await this.target.query(`TRUNCATE ONLY ${tables.map((t) => qualified(t.schema, t.name)).join(', ')}${restart ? ' RESTART IDENTITY' : ''}${cascade ? ' CASCADE' : ''}`);
  }
}

/** A pgoutput commit time (µs since 2000-01-01) as an ISO timestamp. */
function commitTimestamp(micros: bigint): string {
  return new Date(Number(micros / 1000n) + Date.UTC(2000, 0, 1)).toISOString();
}
