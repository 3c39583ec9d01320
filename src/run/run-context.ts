/**
 * What every phase of a run shares: the options, the run's id and marks, the sessions it opened
 * (all tagged with the run and closed at its end), the object failures, events and timing.
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import type { ConnInfo } from '../config/conninfo.js';
import { connect } from '../pg/connect.js';
import { prepareSourceSession, prepareTargetSession, runTag } from '../pg/session.js';
import { PgferryError, stoppedError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { ObjectFailures } from './object-failures.js';
import type { StepMarks } from './run-ddl.js';
import type { EventSink, Phase } from './events.js';
import type { MigrateOptions } from './run-options.js';

export class RunContext {
  readonly emit: EventSink;
  readonly log: Logger;
  readonly failures: ObjectFailures;
  readonly phaseSeconds: Partial<Record<Phase, number>> = {};
  readonly startedAt = Date.now();
  /** The run's id: a resumed run learns it from the target in the connect phase. */
  runId: string;
  /** Steps and units done before (a resumed run); filled in the connect phase. */
  marks: StepMarks;
  private readonly clients: pg.Client[] = [];
  private closed = false;
  /**
   * This run attempt's name to the lanes of its stream applied elsewhere (fleet mode): a lane job
   * of an earlier attempt reads another in the run's word and ends (src/run/ordered-lane.ts).
   */
  readonly streamAttempt = crypto.randomUUID();

  constructor(readonly opts: MigrateOptions, runId: string) {
    this.emit = opts.onEvent ?? (() => {});
    this.log = opts.logger ?? silentLogger;
    this.runId = runId;
    this.marks = { runId, done: new Set() };
    this.failures = new ObjectFailures(Boolean(opts.strict), (failure) => this.emit({ type: 'object-failed', failure }));
  }

  /** Parallel workers wanted now: a running task's `set --jobs` wins over the starting count. */
  jobs(): number {
    return this.opts.control?.jobs() ?? this.opts.jobs;
  }

  /** Throws PGFERRY_E_STOPPED when the task was asked to stop. */
  checkStop(): void {
    if (this.opts.control?.stopRequested())
      throw stoppedError();
  }

  /** Opens a session tagged with the run (in the startup packet too, so it is never seen without it). */
  async open(side: 'source' | 'target'): Promise<pg.Client> {
    const info: ConnInfo = side === 'source' ? this.opts.source : this.opts.target;
    const tag = runTag(info.applicationName, this.runId);
    const c = await connect({ ...info, applicationName: tag }, side);
    // the failing query reports the error; this only keeps an idle client's error from crashing us
    c.on('error', (err) => this.log.log('debug', `${side} connection error: ${err.message}`));
    // a connection that opens after the run has failed would otherwise keep the process alive
    if (this.closed) {
      await c.end().catch(() => {});
      throw new PgferryError('PGFERRY_E_INTERNAL', 'the migration already stopped', { object: side });
    }
    this.clients.push(c);
    await (side === 'source' ? prepareSourceSession(c, tag) : prepareTargetSession(c, tag));
    return c;
  }

  /** A session opened elsewhere (a replication connection) that the run ends with its own. */
  adopt(c: pg.Client): pg.Client {
    c.on('error', (err) => this.log.log('debug', `connection error: ${err.message}`));
    this.clients.push(c);
    return c;
  }

  /** `n` more sessions on one side, opened side by side. */
  openMany(side: 'source' | 'target', n: number): Promise<pg.Client[]> {
    return Promise.all(Array.from({ length: Math.max(0, n) }, () => this.open(side)));
  }

  /** Runs one phase between its start and end events, and adds up its time. */
  async phase<T>(name: Phase, steps: number | undefined, fn: () => Promise<T>): Promise<T> {
    const start = Date.now();
    this.emit({ type: 'phase-start', phase: name, steps });
    const out = await fn();
    const seconds = (Date.now() - start) / 1000;
    this.phaseSeconds[name] = (this.phaseSeconds[name] ?? 0) + seconds;
    const m = process.memoryUsage();
    this.log.log('debug', `${name} done in ${seconds.toFixed(2)}s; memory rss=${mb(m.rss)} heap=${mb(m.heapUsed)}/${mb(m.heapTotal)} external=${mb(m.external)} arrayBuffers=${mb(m.arrayBuffers)}`);
    this.emit({ type: 'phase-end', phase: name, seconds });
    return out;
  }

  /** Ends every session the run opened; any opened later is refused. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.clients.map((c) => c.end().catch(() => {})));
  }
}

const mb = (n: number) => `${(n / 1048576).toFixed(0)}MB`;
