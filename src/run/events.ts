/** Events a migration emits; the CLI renders them as progress bars or JSON lines. */
import type { ObjectFailure } from './object-failures.js';

export type Phase = 'connect' | 'catalog' | 'pre-data' | 'data' | 'post-data' | 'sequences' | 'analyze' | 'rename' | 'stream' | 'cutover' | 'verify';

/** Where an incremental run's streaming stands (emitted every few seconds while streaming). */
export interface StreamStatus {
  /** The source's current WAL position and the position applied on the target (pg_lsn text). */
  sourceLsn: string;
  appliedLsn: string;
  /** Source WAL not yet applied, in bytes (0 when everything decoded so far is applied). */
  lagBytes: number;
  /** Age of the newest applied source commit while changes wait; 0 when caught up. */
  lagSeconds: number;
  /** Applied since the stream started, and per second over the last interval. */
  transactions: number;
  rows: number;
  transactionsPerSecond: number;
  rowsPerSecond: number;
  /** WAL the slot keeps on the source (from its restart position). */
  slotHeldBytes: number;
  /** Sequences last synced (ISO time), if any. */
  sequencesSyncedAt?: string;
  /** Key ranges of the streamed tables found equal on both sides and untouched since, of those cut so far. */
  rangesVerified?: { clean: number; total: number };
  /** The slots read at once (--stream-lanes), when more than one. */
  lanes?: number;
  /** Fleet mode: the lanes other workers apply, slot → worker. */
  lanesElsewhere?: Record<string, string>;
}

/** What an incremental run's cutover did and measured. */
export interface CutoverSummary {
  /** The source position applied up to (pg_lsn text). */
  lsn: string;
  /** From the moment writes stopped (blocked, or the cutover asked for) until the target could take writes. */
  downtimeSeconds: number;
  /** Sessions ended on the source by --block-writes. */
  sessionsEnded: number;
  writesBlocked: boolean;
  sequencesSet: number;
  matviewsRefreshed: number;
  /** Large objects written again at cutover (logical decoding does not carry them). */
  largeObjectsCopied: number;
  transactionsApplied: number;
  rowsApplied: number;
  /**
   * The check right after the downtime (writes still stopped on the source): a verify that reads only the key
   * ranges not found equal while streaming (or changed since), and the tables the background
   * check did not cover. `differences` lists what differs; `error` says why it could not run.
   */
  check?: { ok: boolean; seconds: number; tables: number; rangesRead: number; rangesReused: number; differences: string[]; error?: string };
}

export type MigrationEvent =
  | { type: 'phase-start'; phase: Phase; steps?: number }
  | { type: 'phase-end'; phase: Phase; seconds: number }
  | { type: 'plan'; schemas: number; tables: number; objects: number; units: number; bytes: number; skipped: { kind: string; name: string; reason: string }[]; notes: string[] }
  | { type: 'unit-start'; unit: string; bytes: number; estimatedRows: number; format: 'binary' | 'text' }
  | { type: 'unit-progress'; unit: string; bytes: number }
  /** `worker`: the fleet worker that copied it, when the copy was spread (fleet mode). */
  | { type: 'unit-done'; unit: string; rows: number; bytes: number; seconds: number; skipped?: boolean; worker?: string }
  /**
   * Fleet mode: whether the copy goes to the fleet's workers, and why; at the end of the data
   * phase, how many units each worker copied (`byWorker`).
   */
  | { type: 'spread'; spread: boolean; why: string; byWorker?: Record<string, number>; of?: 'copy' | 'stream'; lanes?: Record<string, string> }
  | { type: 'step-done'; phase: Phase; kind: string; name: string }
  | { type: 'object-failed'; failure: ObjectFailure }
  /** `reason`: the row of retry-class.ts's table that called the failure transient. */
  | { type: 'retry'; attempt: number; delaySeconds: number; error: string; reason: string }
  /** The run's id (a resumed run keeps the id of the run it continues). */
  | { type: 'run'; runId: string; resumed: boolean }
  | { type: 'summary'; summary: MigrationSummary }
  /** Incremental: the slot and publication the run streams from. */
  | { type: 'stream-start'; slot: string; publication: string; fromLsn: string }
  | ({ type: 'stream' } & StreamStatus)
  /** Incremental: one step of the cutover, as it starts (the console lists them). */
  | { type: 'cutover-step'; step: string; detail?: string };

export interface MigrationSummary {
  runId: string;
  objectsCreated: number;
  tablesCopied: number;
  rowsCopied: number;
  bytesCopied: number;
  sequencesSet: number;
  skipped: { kind: string; name: string; reason: string }[];
  /** Objects the target rejected, and those not tried because they needed one of them. */
  failures: ObjectFailure[];
  phaseSeconds: Partial<Record<Phase, number>>;
  totalSeconds: number;
  /**
   * Source snapshots the copied rows came from: 1, or more when the run was resumed after some
   * tables were in. Then the tables are consistent with each other only if the source took no
   * writes in between (exit code 11).
   */
  dataSnapshots: number;
  /** Incremental runs: what the cutover did. */
  cutover?: CutoverSummary;
}

export type EventSink = (event: MigrationEvent) => void;
