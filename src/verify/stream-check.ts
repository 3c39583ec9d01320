/**
 * Verifies the streamed tables range by range in the background while an incremental run
 * streams, so that its cutover reads only the ranges changed since (the range ledger). One lane
 * (a source and a target session), at most half of its time busy, and idle while the stream lags:
 * the apply comes first.
 *
 * One check of a few ranges (of one table, or of many small ones): the source's sums in one REPEATABLE READ snapshot (whose
 * xmin is noted), then the source's WAL position L; once the target has applied past L, the
 * target's sums; then the ledger places every touch so far and marks each range whose sums agree
 * and whose changes all precede that xmin (RangeLedger.markChecked says why that is sound).
 */
import type pg from 'pg';
import type { ConnInfo } from '../config/conninfo.js';
import type { Lsn } from '../cdc/lsn.js';
import { parseLsn } from '../cdc/lsn.js';
import { xidOfTxid } from '../cdc/xid.js';
import { connect, serverVersionNum } from '../pg/connect.js';
import type { NameMapping } from '../plan/name-mapping.js';
import type { Selection } from '../plan/selection.js';
import { messageOf } from '../errors.js';
import { floatDigits, pinSettings, planVerify } from './run-verify.js';
import { RangeLedger } from './range-ledger.js';
import { keyBounds, rangeFilter, rowSum, type KeyRange, type RangeSum } from './table-checksum.js';
import { PART_SIZE, type TableUnit } from './table-units.js';

type CompareUnit = Extract<TableUnit, { kind: 'compare' }>;
/** One range of one table to check. */
type Work = { u: CompareUnit; i: number; range: KeyRange };

/** Ranges of about this many rows; a table of at most this many is one range. */
const RANGE_ROWS = PART_SIZE.rows;
/** One check reads about this many rows a side at most (its ranges, of one or many tables, share one source snapshot). */
const CHECK_ROWS = 2 * RANGE_ROWS;
/** No check starts while the stream lags more than this. */
const MAX_LAG_SECONDS = 2;
/** How long a check waits for the target to apply past the source's position before it gives up. */
const APPLY_WAIT_MS = 30_000;

export interface StreamCheckDeps {
  source: ConnInfo;
  target: ConnInfo;
  selection?: Selection;
  mapping?: NameMapping;
  /** The streamed tables, by source id (`schema.name` as displayName prints it). */
  streamed: Set<string>;
  ledger: RangeLedger;
  /** The source position everything on the target has reached (committed). */
  appliedLsn(): Lsn;
  lagSeconds(): number;
  /** Asks the source's walsender for a keepalive, which moves the received position on an idle stream. */
  nudge(): void;
  warn(message: string): void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class StreamChecker {
  private stopping = false;
  private running: Promise<void> | undefined;
  private session: { s: pg.Client; d: pg.Client; units: CompareUnit[] } | undefined;
  /** Where the next check starts: a compare unit, and a range of it. */
  private next = 0;
  private nextRange = 0;
  private warned = false;
  private wake: (() => void) | undefined;

  constructor(private readonly deps: StreamCheckDeps) {}

  start(): void {
    this.running ??= this.loop();
  }

  /** Ends the lane once its check in progress is done. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
    await this.close();
  }

  private async pause(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        this.session ??= await this.open();
        const t0 = Date.now();
        const worked = await this.checkNext(this.session);
        // half of the lane's time at most: a check's length, then as long idle
        await this.pause(worked ? Math.max(100, Date.now() - t0) : 1000);
      } catch (err) {
        // a failed check marks nothing: the cutover reads what is not clean
        if (!this.warned && !this.stopping) this.deps.warn(`the background check of streamed ranges paused: ${messageOf(err)}; it tries again, and the cutover reads whatever it did not check`);
        this.warned = true;
        await this.close();
        await this.pause(5000);
      }
    }
  }

  private async open(): Promise<{ s: pg.Client; d: pg.Client; units: CompareUnit[] }> {
    const s = await connect(this.deps.source, 'source');
    s.on('error', () => {});
    const d = await connect(this.deps.target, 'target').catch(async (err) => {
      await s.end().catch(() => {});
      throw err;
    });
    d.on('error', () => {});
    try {
      const efd = floatDigits(await serverVersionNum(s), await serverVersionNum(d));
      await Promise.all([pinSettings(s, efd), pinSettings(d, efd)]);
      const { plan } = await planVerify(s, d, { selection: this.deps.selection, mapping: this.deps.mapping });
      const units = plan.units.filter((u): u is CompareUnit => u.kind === 'compare' && this.deps.streamed.has(u.source.id));
      return { s, d, units };
    } catch (err) {
      await Promise.all([s.end().catch(() => {}), d.end().catch(() => {})]);
      throw err;
    }
  }

  private async close(): Promise<void> {
    const c = this.session;
    this.session = undefined;
    if (c) await Promise.all([c.s.end().catch(() => {}), c.d.end().catch(() => {})]);
  }

  /**
   * Gathers ranges not clean, range after range and table after table (round robin, so a table
   * whose ranges are always touched does not hold the lane), up to CHECK_ROWS rows, and checks
   * them in one go: many small tables share one snapshot and one wait. False when all were clean.
   */
  private async checkNext(c: { s: pg.Client; d: pg.Client; units: CompareUnit[] }): Promise<boolean> {
    const { ledger } = this.deps;
    if (this.deps.lagSeconds() > MAX_LAG_SECONDS) return false;
    const batch: Work[] = [];
    let rows = 0;
    // one round over every range of every table at most, from where the last check stopped
    for (let tried = 0; tried <= c.units.length && rows < CHECK_ROWS && !this.stopping; tried++) {
      const u = c.units[this.next % c.units.length];
      const id = u.source.id;
      if (!ledger.planned(id)) ledger.setTable(u.source, await this.cut(c.s, u));
      await ledger.place(c.s, id);
      const ranges = ledger.ranges(id);
      let i = this.nextRange;
      for (; i < ranges.length && rows < CHECK_ROWS; i++) {
        if (RangeLedger.isClean(ranges[i])) continue;
        batch.push({ u, i, range: ranges[i].range });
        // a table of one range may be any size (no key to cut it by); at least one row for an empty one
        rows += ranges.length === 1 ? Math.max(1, u.source.estimatedRows) : RANGE_ROWS;
      }
      // the next check goes on after these ranges, or with the next table
      if (i < ranges.length) this.nextRange = i;
      else {
        this.next++;
        this.nextRange = 0;
      }
    }
    if (!batch.length) return false;
    await this.check(c, batch);
    return true;
  }

  /** A table's ranges: cut every RANGE_ROWS rows of its key on the source, or one range. */
  private async cut(s: pg.Client, u: CompareUnit): Promise<KeyRange[]> {
    const t = u.source;
    if (!t.key.length || t.estimatedRows <= RANGE_ROWS) return [{ from: null, to: null }];
    const bounds = await keyBounds(s, t, RANGE_ROWS, PART_SIZE.exactBoundsRows);
    const edges: (string[] | null)[] = [null, ...bounds, null];
    return edges.slice(0, -1).map((from, i) => ({ from, to: edges[i + 1] }));
  }

  private async check(c: { s: pg.Client; d: pg.Client }, batch: Work[]): Promise<void> {
    const source: RangeSum[] = [];
    await c.s.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    let xmin: number;
    try {
      // the first query takes the snapshot every sum below reads
      xmin = xidOfTxid((await c.s.query<{ x: string }>('SELECT pg_catalog.txid_snapshot_xmin(pg_catalog.txid_current_snapshot())::text AS x')).rows[0].x);
      for (const w of batch) source.push(await rowSum(c.s, w.u.source, rangeFilter(w.range)));
      await c.s.query('COMMIT');
    } catch (err) {
      await c.s.query('ROLLBACK').catch(() => {});
      throw err;
    }
    const lsn = parseLsn((await c.s.query<{ l: string }>('SELECT pg_catalog.pg_current_wal_lsn()::text AS l')).rows[0].l);
    if (!(await this.appliedPast(lsn))) return;
    const target: RangeSum[] = [];
    for (const w of batch) target.push(await rowSum(c.d, w.u.target, rangeFilter(w.range)));
    const { ledger } = this.deps;
    const seq = ledger.now();
    for (const id of new Set(batch.map((w) => w.u.source.id))) await ledger.place(c.s, id);
    batch.forEach((w, k) => ledger.markChecked(w.u.source.id, w.i, source[k], target[k], seq, xmin));
  }

  /** Waits until the target has applied past `lsn`; false if it did not in time or the lane stops. */
  private async appliedPast(lsn: Lsn): Promise<boolean> {
    const until = Date.now() + APPLY_WAIT_MS;
    let nudged = 0;
    while (this.deps.appliedLsn() < lsn) {
      if (this.stopping || Date.now() > until) return false;
      if (Date.now() - nudged > 1000) {
        nudged = Date.now();
        this.deps.nudge();
      }
      await sleep(50);
    }
    return true;
  }
}
