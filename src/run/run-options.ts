/** What a run is told: both sides, what to move and how, and a running task's live controls. */
import type { ConnInfo } from '../config/conninfo.js';
import type { SpecBody } from '../config/task-spec.js';
import { planInputs } from '../plan/plan-inputs.js';
import type { RateLimiter } from '../copy/rate-limit.js';
import type { TargetTables, UnitResult } from '../copy/copy-unit.js';
import type { Selection } from '../plan/selection.js';
import type { NameMapping } from '../plan/name-mapping.js';
import type { CopyUnit, Plan } from '../plan/plan-model.js';
import type { Logger } from '../logger.js';
import type { EventSink, StreamStatus } from './events.js';
import type { WireStreamTable } from '../plan/stream-tables.js';

export interface MigrateOptions {
  source: ConnInfo;
  target: ConnInfo;
  jobs: number;
  schemaOnly: boolean;
  dataOnly: boolean;
  /**
   * Split large tables into block-range units (source 14+). Off by default: on 2 cores it lost
   * COPY FREEZE and measured slower (see docs/benchmarks.md).
   */
  splitTables?: boolean;
  /** Build each table's indexes as soon as its data is in, during other copies. Off by default, as above. */
  earlyIndexes?: boolean;
  /** Stop at the first object the target rejects (default: record it, skip what needs it, go on). */
  strict?: boolean;
  /** Create the source's publications too. */
  publications?: boolean;
  /** Objects belong to the target user; no ALTER ... OWNER. */
  noOwner?: boolean;
  /** No GRANT/REVOKE, no default privileges. */
  noPrivileges?: boolean;
  /** Schemas, tables and columns to migrate (default: all). */
  selection?: Selection;
  /** New names on the target (renamed in one transaction at the end). */
  mapping?: NameMapping;
  /** Most megabytes per second all copy workers move together (--max-rate); unset: no limit. */
  maxRateMBps?: number;
  /** Smallest slice for splitTables (default 64 MB; tests use less). */
  minSliceBytes?: number;
  runId?: string;
  /**
   * Continue the run that did not finish on this target (its marks are in pgferry_state): steps
   * and copy units it finished are not done again. Without one, a new run starts.
   */
  resume?: boolean;
  /**
   * The caller holds the run alone (a task it claimed in its store): a resume first ends every
   * session an earlier process of this run still has on the target, idle ones included (the run
   * lock's, which would otherwise hold the target until keepalives end it, and a "zombie"
   * process's, whose late commit then fails instead of landing under the new run).
   */
  fenceRun?: boolean;
  onEvent?: EventSink;
  logger?: Logger;
  /** A running task's controls (pgferry task stop / set): read at unit and step boundaries. */
  control?: RunControl;
  /** Called with the plan before anything runs (the task store lists every unit from it). */
  onPlan?: (plan: Plan) => void;
  /** After the copy, apply the source's changes from a logical slot until cutover (see docs/incremental.md). */
  incremental?: boolean;
  /** Incremental: set REPLICA IDENTITY FULL on selected source tables that have no identity. */
  setReplicaIdentityFull?: boolean;
  /** Incremental: a publication the owner created, used instead of pgferry's own. */
  publication?: string;
  /** Incremental: how many slots (lanes) the stream reads at once (default 1). */
  streamLanes?: number;
  /** Incremental, without a task's control: cut over as soon as the stream has caught up (migrate --cutover-when-caught-up). */
  cutoverWhenCaughtUp?: CutoverRequest;
  /** Fleet mode: copy units may go to other processes, which join this run's snapshot (src/fleet/unit-queue.ts). */
  unitsElsewhere?: UnitsElsewhere;
  /** Fleet mode: an incremental run's lanes after the first may be applied by other processes (src/fleet/lane-queue.ts). */
  lanesElsewhere?: LanesElsewhere;
  /**
   * Limits per server (pgferry host-limit, src/task/host-limits.ts): holds a copy slot on each
   * limited server for one unit, waiting for a free one; resolves with its release.
   */
  copySlot?: (stopped: () => boolean) => Promise<() => Promise<void>>;
}

/** A copy unit for another process to copy in this run's snapshot: what it needs besides the task itself. */
export interface UnitOrder {
  runId: string;
  /** The exported snapshot the leader holds open; gone with the leader. */
  snapshot: string;
  unit: CopyUnit;
  tables: TargetTables;
  /** Load with the target's checks relaxed (session_replication_role = replica), as the leader's own pairs do. */
  checksOff: boolean;
  /** What this unit may move per second (the task's --max-rate shared by its --jobs); unset: no limit. */
  maxRateMBps?: number;
}

/** A unit copied elsewhere: its result, and who copied it (`skipped`: found committed by an earlier attempt). */
export type UnitDoneElsewhere = UnitResult & { worker: string; skipped?: boolean };

/**
 * Where a run's copy units go when not to its own sessions: the fleet's queue. The leader still
 * reads the catalog, holds the snapshot, builds indexes and does everything that moves no rows
 * through pgferry; only the copy, where every byte passes through a pgferry process, is spread.
 */
export interface UnitsElsewhere {
  /** Whether this copy is worth spreading (enough bytes, and workers to spread it over); the reason either way. */
  wanted(bytes: number, units: number): Promise<{ spread: boolean; why: string }>;
  /**
   * Copies the unit in another process; resolves once its rows and mark are committed there.
   * `stopRequested`: a unit not yet begun is withdrawn when it turns true (PGFERRY_E_STOPPED).
   * `onBytes`: bytes copied since the last call, as the worker reports them (every few seconds).
   */
  copy(order: UnitOrder, stopRequested: () => boolean, onBytes?: (n: number) => void): Promise<UnitDoneElsewhere>;
  /** Withdraws the orders no one has taken yet (the run stops or fails). */
  close(): Promise<void>;
}

/** A lane of an incremental run for another process to apply: what it needs besides the task itself. */
export interface LaneOrder {
  runId: string;
  /** The stream phase that sent it: a lane of an earlier one (the run retried, or stopped) ends. */
  attempt: string;
  slot: string;
  publication: string;
  tables: WireStreamTable[];
}

/** How a lane applied elsewhere stands, as its worker last reported it (every second or two). */
export interface LaneReport extends StreamStatus {
  /** The source position the lane's walsender has sent up to. */
  receivedLsn: string;
  /** Everything received is applied and nothing waits. */
  caughtUp: boolean;
  /** When the worker made the report (ms since the epoch, its clock; its sender ages a report by its own clock, from when it saw it change). */
  at: number;
}

/** How a lane applied elsewhere ended. */
export interface LaneEnd {
  worker: string;
  /** `cut`: applied up to the cutover position, committed and flushed; `stopped`: asked to stop; `handoff`: its worker hands it to another. */
  ended: 'cut' | 'stopped' | 'handoff';
  report?: LaneReport;
}

/**
 * Where an incremental run's lanes after the first go when not to its own sessions: the fleet's
 * queue. The run keeps lane 0 (its sequences, its background check); a lane sent elsewhere is
 * read and applied there, from the position its slot's row on the target records.
 */
export interface LanesElsewhere {
  /** Whether lanes are worth spreading now (workers to spread them over); the reason either way. */
  wanted(lanes: number): Promise<{ spread: boolean; why: string }>;
  /** Sends one lane of `attempt`; the handle follows it. */
  send(order: LaneOrder): Promise<RemoteLane>;
  /** Asks every lane of the attempt still applying elsewhere to apply up to `at` (a cutover), or to stop. */
  command(runId: string, c: { attempt: string; cutAt?: string; stop?: boolean }): Promise<void>;
}

/** A lane applied by another process, as its sender follows it. */
export interface RemoteLane {
  readonly slot: string;
  /** When it was sent (ms since the epoch): until its first report, it is as far behind as that. */
  readonly sentAt: number;
  /** Its worker's last report, if any yet. */
  report(): LaneReport | undefined;
  /** Which worker applies it now, if one does. */
  worker(): string | undefined;
  /**
   * Follows the lane until it ends, reading its reports; a lane its worker handed off is sent
   * again. Throws the lane's error (the run fails or resumes by the usual rules).
   */
  follow(): Promise<LaneEnd>;
  /** Withdraws the lane if no worker has taken it. */
  withdraw(): Promise<void>;
  /** Stops following it (and sending it again): `follow` ends with PGFERRY_E_STOPPED at its next look. */
  cancel(): void;
}

/** How a cutover is to be made (pgferry task cutover, or the console's button). */
export interface CutoverRequest {
  /** Make the source read-only for new transactions and end the sessions that could still write. */
  blockWrites: boolean;
  /** Cutover starts once the applied position is at most this many seconds behind (default 10). */
  maxLagSeconds?: number;
  /** A task verifies source and target after the switch (outside the downtime) unless this is false (--no-verify). */
  verify?: boolean;
}

export interface RunControl {
  /** True: stop at the next unit or step boundary (PGFERRY_E_STOPPED); finished work keeps its marks. */
  stopRequested(): boolean;
  /** Parallel workers wanted now: the data phase idles workers above it; later phases open this many. */
  jobs(): number;
  /** The copy's rate limit, shared with whoever changes it (setRate). */
  limiter: RateLimiter;
  /** Incremental: a cutover asked for (read about once a second while streaming); null while none is. */
  cutoverRequested?(): CutoverRequest | null;
  /**
   * Whether this process still holds the run (a task another process may take over, fleet mode):
   * asked before each automatic retry, which would otherwise end the new holder's sessions.
   */
  stillOwner?(): Promise<boolean>;
}

/** What only a run adds to a spec: how it is started and watched. */
export type RunExtras = Pick<MigrateOptions, 'runId' | 'resume' | 'fenceRun' | 'onEvent' | 'logger' | 'control' | 'onPlan' | 'minSliceBytes' | 'unitsElsewhere' | 'lanesElsewhere' | 'copySlot'> & {
  /** --data-only (the CLI's migrate): load into tables that exist; not a task type. */
  dataOnly?: boolean;
  /** The jobs to start with when not the spec's (a task's live count). */
  jobs?: number;
};

/** The one way from a spec to a run's options: every entry point that runs a migration comes here. */
export function runOptionsFromSpec(spec: SpecBody, conn: { source: ConnInfo; target: ConnInfo }, extras: RunExtras = {}): MigrateOptions {
  const { jobs, dataOnly, ...rest } = extras;
  const inputs = planInputs(spec);
  return {
    ...inputs,
    source: conn.source,
    target: conn.target,
    jobs: jobs ?? inputs.jobs,
    dataOnly: Boolean(dataOnly),
    splitTables: spec.options.splitTables,
    earlyIndexes: spec.options.earlyIndexes,
    strict: spec.options.strict,
    maxRateMBps: spec.options.maxRateMBps,
    ...rest,
  };
}
