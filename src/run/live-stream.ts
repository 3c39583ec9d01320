/**
 * The streaming loop of an incremental run: reads the slot's changes, applies them exactly once,
 * confirms to the source what the target holds, refuses a table whose shape changed on the
 * source, reports lag and rates every few seconds and syncs the sequences every few more. The
 * stream and cutover phases both pump it, each until its own condition holds.
 */
import type pg from 'pg';
import type { ApplyRouter } from '../cdc/apply-changes.js';
import type { StreamingApplier } from '../cdc/streamed-transactions.js';
import { formatLsn, parseLsn, type Lsn } from '../cdc/lsn.js';
import { PG_EPOCH_MICROS, type PgoutputMessage } from '../cdc/pgoutput.js';
import type { ChangeStream, StreamItem } from '../cdc/replication-stream.js';
import { setSequenceValues } from '../copy/sequence-values.js';
import { readSequenceValues } from '../plan/sequence-values.js';
import { NameMapper } from '../plan/name-mapping.js';
import type { StreamTable } from '../plan/stream-tables.js';
import type { Plan } from '../plan/plan-model.js';
import { displayName, qualified } from '../pg/quote.js';
import { PgferryError } from '../errors.js';
import type { StreamStatus } from './events.js';
import type { RunContext } from './run-context.js';
import type { RangeLedger } from '../verify/range-ledger.js';

const STATUS_EVERY_MS = 2_000;
const CONFIRM_EVERY_MS = 500;
const SEQUENCES_EVERY_MS = 10_000;
/** How long the loop waits for a change before it looks at its controls. */
const IDLE_MS = 200;
/** A source position read less than this long ago does not bound the lag yet: the walsender is always a moment behind. */
const MARK_AGE_MS = 1_000;
/** Within this much WAL of a source position, the walsender counts as past it (decoding so little takes milliseconds). */
const MARK_SLACK = 1n << 20n;
/** Source positions kept (a status report's each, every 2 s: half an hour). */
const MARKS_KEPT = 900;
/** How often it looks at them while a backlog is applied. */
const LOOK_EVERY_MS = 100;

export interface LiveStreamParts {
  stream: ChangeStream;
  applier: StreamingApplier;
  /** A plain source session: WAL position, slot, sequences. */
  monitor: pg.Client;
  /** The apply session on the target (sequences are set there too, between transactions). */
  target: pg.Client;
  slot: string;
  tables: StreamTable[];
  /** The run's plan (its sequences); a lane applied for another process has none. */
  plan?: Plan;
  /** Each streamed table's columns on the target (by the target's schema and name). */
  targetColumns: Map<string, Set<string>>;
  /** The source's WAL position when the stream started: changes of shape after it are news. */
  startedAt: Lsn;
  /** Ranges found equal while streaming (the cutover reads only the others). */
  ledger?: RangeLedger;
  /** Where a status report goes (default: the run's events); a lane's goes to its LaneSet. */
  publish?: (status: StreamStatus) => void;
  /** This stream keeps the sequences in step (default true; one lane of several does). */
  sequences?: boolean;
}

/** The columns the target's tables have now (generated ones left out: nothing is written to them). */
export async function targetColumns(target: pg.ClientBase, tables: StreamTable[]): Promise<Map<string, Set<string>>> {
  const names = tables.map((t) => qualified(t.target.schema, t.target.name));
  const r = await target.query<{ s: string; t: string; c: string }>(
    `SELECT n.nspname AS s, c.relname AS t, a.attname AS c
       FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE a.attrelid = ANY (SELECT pg_catalog.to_regclass(x) FROM pg_catalog.unnest($1::text[]) AS u(x)) AND a.attnum > 0 AND NOT a.attisdropped`,
    [names],
  );
  const out = new Map<string, Set<string>>();
  for (const row of r.rows) {
    const k = key(row.s, row.t);
    if (!out.has(k)) out.set(k, new Set());
    out.get(k)!.add(row.c);
  }
  return out;
}

/**
 * The lag while everything received is applied. While the walsender decodes a large transaction
 * it sends only keepalives, whose positions pass over that transaction's records before any of
 * its changes arrive: the stream looks caught up. The source's positions read at known times
 * (`marks`, oldest first) bound it: once the walsender is past the one read at time t, every
 * transaction committed before t has been sent, so applied, and the lag is at most now - t. An
 * upper bound: a long transaction still open on the source, whose WAL the walsender reads behind
 * the source, counts as lag too. 0 when the walsender is past the position of a second ago.
 */
export function decodingLag(marks: readonly { at: number; lsn: Lsn }[], received: Lsn, now: number): number {
  const past = received + MARK_SLACK;
  let newest = marks.length - 1;
  while (newest >= 0 && now - marks[newest].at < MARK_AGE_MS) newest--;
  if (newest < 0 || past >= marks[newest].lsn) return 0;
  let i = newest;
  while (i > 0 && marks[i].lsn > past) i--;
  return (now - marks[i].at) / 1000;
}

export class LiveStream {
  private readonly bySource: Map<string, StreamTable>;
  private readonly mapper: NameMapper;
  /** The newest source commit time seen in a BEGIN (microseconds since 2000-01-01). */
  private lastCommitTime = 0n;
  private idle = false;
  private lastStatus = 0;
  private lastConfirm = 0;
  private lastSequences = 0;
  private lastLook = 0;
  private lastCounts = { at: Date.now(), transactions: 0, rows: 0 };
  private sequencesSyncedAt: string | undefined;
  private readonly warnedDropped = new Set<string>();
  status: StreamStatus | undefined;
  /** The source's WAL position as each status report read it, oldest first (bounded). */
  private readonly marks: { at: number; lsn: Lsn }[] = [];

  constructor(private readonly ctx: RunContext, readonly parts: LiveStreamParts) {
    this.bySource = new Map(parts.tables.map((t) => [key(t.schema, t.name), t]));
    this.mapper = new NameMapper(ctx.opts.mapping);
    this.lastCommitTime = parts.applier.startedAtCommitMicros();
  }

  /** Where the source's changes go: the streamed tables, by their source names. */
  static router(tables: StreamTable[]): ApplyRouter {
    const bySource = new Map(tables.map((t) => [key(t.schema, t.name), t]));
    return (schema, name) => {
      const t = bySource.get(key(schema, name));
      return t && { schema: t.target.schema, name: t.target.name, column: (c: string) => t.columns.get(c) };
    };
  }

  /** Everything received is applied and nothing waits: the stream is caught up. */
  caughtUp(): boolean {
    return this.idle && !this.parts.applier.busy() && this.parts.stream.buffered() === 0;
  }

  /**
   * Seconds the change being applied (or next) is behind its commit on the source; when everything
   * received is applied, the bound decodingLag() gives (0 when the walsender is past the source's
   * position of a second ago).
   */
  lagSeconds(): number {
    if (this.caughtUp()) return this.decodingLag();
    if (this.lastCommitTime === 0n) return 0;
    const commitMs = Number((this.lastCommitTime + PG_EPOCH_MICROS) / 1000n);
    return Math.max(0, (Date.now() - commitMs) / 1000);
  }

  /** The lag while everything received is applied: decodingLag over the positions the status reports read. */
  private decodingLag(): number {
    return decodingLag(this.marks, this.parts.stream.receivedUpTo(), Date.now());
  }

  /** The position the target holds: everything received once the stream is caught up. */
  appliedLsn(): Lsn {
    const applied = this.parts.applier.position().endLsn;
    const received = this.parts.stream.receivedUpTo();
    return this.caughtUp() && received > applied ? received : applied;
  }

  /**
   * Applies changes until `done` says so; `done` is asked only between source transactions.
   * Throws when the stream ends or a change cannot be applied (the open transaction is rolled
   * back: the target keeps the last committed position).
   */
  async pump(done: () => boolean | Promise<boolean>): Promise<void> {
    const { stream, applier } = this.parts;
    try {
      for (;;) {
        const item = stream.poll() ?? (await stream.take(IDLE_MS));
        if (item === undefined)
          throw new PgferryError('PGFERRY_E_CONNECTION_LOST', 'the change stream ended', { object: `slot ${this.parts.slot}`, fix: 'the stream resumes from the last applied position' });
        this.idle = item === null;
        if (item) {
          const pending = this.handle(item);
          if (pending) await pending;
        }
        // nothing waiting: the group of source transactions applied so far commits now
        else await applier.commitGroup();
        if (applier.busy()) {
          // inside a large source transaction: where the stream stands is still reported (the
          // status reads the source only), the rest waits for its end
          if (Date.now() - this.lastStatus >= STATUS_EVERY_MS) {
            this.lastStatus = Date.now();
            await this.report();
          }
          continue;
        }
        // in a backlog the last group is still being written while the next is gathered: look at
        // the controls (which wait for it) only now and then, so the two go on side by side
        const now = Date.now();
        if (stream.buffered() > 0 && now - this.lastLook < LOOK_EVERY_MS) continue;
        this.lastLook = now;
        await applier.settle();
        await this.confirmDurable();
        await this.periodic();
        if (await done()) return;
      }
    } catch (err) {
      await applier.abort();
      throw err;
    }
  }

  /** Reads the source's position and the slot's held WAL and emits the status now. */
  async report(): Promise<StreamStatus> {
    const r = await this.parts.monitor.query<{ now: string; held: string | null }>(
      `SELECT pg_catalog.pg_current_wal_lsn()::text AS now,
              (SELECT pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), restart_lsn)::int8 FROM pg_catalog.pg_replication_slots WHERE slot_name = $1) AS held`,
      [this.parts.slot],
    );
    const sourceLsn = parseLsn(r.rows[0].now);
    const applied = this.appliedLsn();
    const { transactions, rows } = this.parts.applier.counts;
    const seconds = Math.max(0.001, (Date.now() - this.lastCounts.at) / 1000);
    this.status = {
      sourceLsn: formatLsn(sourceLsn),
      appliedLsn: formatLsn(applied),
      lagBytes: sourceLsn > applied ? Number(sourceLsn - applied) : 0,
      lagSeconds: this.lagSeconds(),
      transactions,
      rows,
      transactionsPerSecond: (transactions - this.lastCounts.transactions) / seconds,
      rowsPerSecond: (rows - this.lastCounts.rows) / seconds,
      slotHeldBytes: Number(r.rows[0].held ?? 0),
      sequencesSyncedAt: this.sequencesSyncedAt,
      ...(this.parts.ledger ? { rangesVerified: this.parts.ledger.counts() } : {}),
    };
    this.lastCounts = { at: Date.now(), transactions, rows };
    this.marks.push({ at: Date.now(), lsn: sourceLsn });
    if (this.marks.length > MARKS_KEPT) this.marks.shift();
    if (this.parts.publish) this.parts.publish(this.status);
    else this.ctx.emit({ type: 'stream', ...this.status });
    return this.status;
  }

  /** Sets every sequence of the plan on the target to the source's value now; returns how many. */
  async syncSequences(): Promise<number> {
    const { plan, monitor, target } = this.parts;
    if (!plan?.sequences.length) return 0;
    // the values are set under the names the sequences have on the target after the renames
    const values = (await readSequenceValues(monitor, plan.sequences)).map((v) => ({ ...v, ...this.mapper.table(v.schema, v.name) }));
    const n = await setSequenceValues(target, values);
    this.sequencesSyncedAt = new Date().toISOString();
    return n;
  }

  /**
   * Confirms to the slot what the target holds on disk, twice a second. Once everything received
   * is applied and on disk, the slot may move past the WAL that carried nothing for us.
   */
  async confirmDurable(force = false): Promise<void> {
    const now = Date.now();
    if (!force && now - this.lastConfirm < CONFIRM_EVERY_MS) return;
    this.lastConfirm = now;
    const durable = await this.parts.applier.durable();
    this.parts.stream.confirm(this.caughtUp() && durable === this.parts.applier.position().endLsn ? this.appliedLsn() : durable, force);
  }

  private async periodic(): Promise<void> {
    const now = Date.now();
    if (this.parts.sequences !== false && now - this.lastSequences >= SEQUENCES_EVERY_MS) {
      this.lastSequences = now;
      // the open group first: a TRUNCATE ... RESTART IDENTITY in it holds its sequences' locks,
      // and setval on the other session would wait for a commit that waits for it (a hang)
      await this.parts.applier.commitGroup();
      await this.syncSequences();
    }
    if (now - this.lastStatus >= STATUS_EVERY_MS) {
      this.lastStatus = now;
      await this.report();
    }
  }

  /** Applies one item: a promise only when the applier needs the target (most of a backlog does not). */
  private handle(item: StreamItem): Promise<unknown> | undefined {
    const m = item.message;
    if (m.tag === 'begin' || m.tag === 'stream-commit') this.lastCommitTime = m.commitTime;
    else if (m.tag === 'relation') this.checkShape(m, item.walStart);
    const more = this.parts.stream.buffered() > 0;
    return this.parts.applier.applyNow(m, more) ? undefined : this.parts.applier.apply(m, more);
  }

  /**
   * A Relation message describes a table as the source had it at that point of the WAL. A column
   * the target table lacks (added or renamed on the source, and not left out by the selection)
   * cannot be applied: the run stops naming the table and the columns, rather than drop values.
   * A column the target has and the plan did not know (added on both sides) is applied under its
   * name. A copied column the message lacks needs no stop: it was added after that point (a
   * resumed run re-reads changes from before the ALTER), or dropped on the source, which the log
   * says once; the target keeps it, and rows from then on get its default.
   */
  private checkShape(m: Extract<PgoutputMessage, { tag: 'relation' }>, walStart: Lsn): void {
    const t = this.bySource.get(key(m.schema, m.name));
    if (!t) return;
    const onTarget = this.parts.targetColumns.get(key(t.target.schema, t.target.name)) ?? new Set<string>();
    const excluded = (c: string) => t.known.has(c) && !t.columns.has(c);
    const missing = m.columns.map((c) => c.name).filter((c) => !excluded(c) && !onTarget.has(t.columns.get(c) ?? c));
    const target = displayName(t.target.schema, t.target.name);
    if (missing.length)
      throw new PgferryError('PGFERRY_E_SCHEMA_CHANGED', `table ${displayName(t.schema, t.name)} changed on the source while streaming: column(s) ${missing.join(', ')} exist on the source but not in ${target} on the target`, {
        object: `table ${displayName(t.schema, t.name)}`,
        fix: `make the same change to ${target} on the target (ALTER TABLE ...), then resume (pgferry task resume); nothing after position ${formatLsn(this.parts.applier.position().endLsn)} was applied`,
      });
    for (const c of m.columns) if (!t.columns.has(c.name) && !excluded(c.name)) t.columns.set(c.name, c.name);
    const sent = new Set(m.columns.map((c) => c.name));
    const absent = [...t.columns.keys()].filter((c) => !sent.has(c));
    if (absent.length && walStart >= this.parts.startedAt && !this.warnedDropped.has(t.key)) {
      this.warnedDropped.add(t.key);
      this.ctx.log.log('warn', `table ${displayName(t.schema, t.name)} no longer sends column(s) ${absent.join(', ')} (dropped or renamed on the source): ${target} keeps them, and rows from now on get their default; make the same change on the target`);
    }
  }
}

const key = (schema: string, name: string) => JSON.stringify([schema, name]);
