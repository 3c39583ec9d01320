/**
 * Migration tasks: create, test, precheck, run (foreground or as a background process), stop,
 * resume, change throughput, release. The CLI and the HTTP API are faces on these functions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PgferryError, messageOf } from '../errors.js';
import { redact, silentLogger, type Logger } from '../logger.js';
import { connect } from '../pg/connect.js';
import { testConnectivity, type ConnectivityReport } from '../pg/test-connectivity.js';
import { runPrecheck, type PrecheckReport } from '../precheck/run-precheck.js';
import { RateLimiter } from '../copy/rate-limit.js';
import { runWithRetries } from '../run/run-with-retries.js';
import { runOptionsFromSpec } from '../run/run-options.js';
import { planInputs } from '../plan/plan-inputs.js';
import { defaultJobs } from '../config/jobs.js';
import type { EventSink, MigrationEvent, MigrationSummary } from '../run/events.js';
import type { CutoverRequest, LanesElsewhere, UnitsElsewhere } from '../run/run-options.js';
import { dropStreamObjects, streamObjectName } from '../cdc/slot-lifecycle.js';
import { dropUnitMarks, STATE_SCHEMA } from '../run/unit-marks.js';
import { lockTarget } from '../run/target-lock.js';
import { processStart } from './process-identity.js';
import { copySlots } from './host-limits.js';
import { openSecret, sealSecret } from './secrets.js';
import { TaskProgress, type RunNumbers } from './task-progress.js';
import { describeOutcome, outcomeOf } from './task-outcome.js';
import { effectiveState, isLive, runAlive, taskTotals, verifyCounts } from './task-facts.js';
import { connInfoFor, generatedName, normalizeConn, parseTaskSpec, specHash, type StoredConn, type StoredSpec } from '../config/task-spec.js';
import type { RunOwner, StoredVerify, TaskRecord, TaskStore } from './task-store.js';
import type { ConnInfo } from '../config/conninfo.js';
import { runVerify, type VerifyOptions, type VerifyReport } from '../verify/run-verify.js';

// the faces read these through this module, with the functions that change a task
export { effectiveState, isLive, isUnderway, runAlive, taskFacts, taskRuns, taskTotals, verifyCounts, type ShownState, type TaskFacts, type TaskTotals } from './task-facts.js';

/**
 * Validates the spec, resolves both sides, seals the passwords it carries and stores the task.
 * The ID is picked here, before sealing, because each password is sealed for its task and side.
 * `passwords` (read from stdin at the CLI) win over ones in the spec. `origin: 'api'`: resolved
 * and later run without this process's environment or password files.
 */
export async function createTask(
  store: TaskStore,
  input: unknown,
  keyFile?: string,
  opts: { origin?: 'api'; passwords?: { source?: string; target?: string }; carry?: (side: 'source' | 'target', conn: StoredConn) => string | undefined } = {},
): Promise<TaskRecord> {
  const spec = parseTaskSpec(input);
  const local = opts.origin !== 'api';
  const src = normalizeConn(spec.source, process.env, local);
  const dst = normalizeConn(spec.target, process.env, local);
  const { name, ...rest } = spec;
  const stored: StoredSpec = { ...rest, source: src.conn, target: dst.conn, ...(local ? {} : { origin: 'api' as const }) };
  const id = crypto.randomUUID();
  const sealedInStore = await store.secretCount();
  const sealFor = (side: 'source' | 'target', pw?: string) => (pw ? sealSecret(pw, { taskId: id, side }, { keyFile, sealedInStore }) : undefined);
  return await store.create({
    id,
    name: name ?? generatedName(stored),
    spec: stored,
    specHash: specHash(stored),
    jobs: spec.options.jobs ?? defaultJobs(),
    maxRateMBps: spec.options.maxRateMBps ?? null,
    secrets: {
      source: sealFor('source', opts.passwords?.source || src.password || opts.carry?.('source', src.conn)),
      target: sealFor('target', opts.passwords?.target || dst.password || opts.carry?.('target', dst.conn)),
    },
  });
}

/**
 * A new task made from another (`task duplicate`, the console's Duplicate): its spec, or `spec`, a
 * whole new one (the wizard after an edit); its jobs and rate; and its stored passwords, sealed
 * again for the new task. A stored password goes only to the server and account it was given for:
 * a side whose host, port or account the new spec changes needs its own password, so a copy can
 * never send a kept password somewhere else. Nothing of the original's runs, marks or history
 * comes along.
 */
export async function duplicateTask(store: TaskStore, id: string, keyFile?: string, opts: { name?: string; spec?: unknown; origin?: 'api' } = {}): Promise<TaskRecord> {
  const from = await store.get(id);
  // only what the store holds: never a password this process found in its own environment
  const kept = { source: await storedPassword(store, from, 'source', keyFile), target: await storedPassword(store, from, 'target', keyFile) };
  const same = (a: StoredConn, b: StoredConn) => a.host === b.host && a.port === b.port && a.user === b.user;
  const carry = (side: 'source' | 'target', conn: StoredConn) => (same(conn, from.spec[side]) ? kept[side] : undefined);
  let t: TaskRecord;
  if (opts.spec !== undefined) {
    t = await createTask(store, opts.spec, keyFile, { origin: opts.origin, carry });
  } else {
    const newId = crypto.randomUUID();
    const sealedInStore = await store.secretCount();
    const seal = (side: 'source' | 'target') => {
      const pw = kept[side];
      return pw ? sealSecret(pw, { taskId: newId, side }, { keyFile, sealedInStore }) : undefined;
    };
    t = await store.create({
      id: newId, name: opts.name ?? `${from.name} (copy)`, spec: from.spec, specHash: from.specHash, jobs: from.jobs, maxRateMBps: from.maxRateMBps,
      secrets: { source: seal('source'), target: seal('target') },
    });
  }
  await store.addHistory(t.id, 'duplicate', `duplicated from ${from.name} (${from.id})${opts.spec !== undefined ? ', with changes' : ''}`);
  await store.addHistory(from.id, 'duplicate', `duplicated as ${t.name} (${t.id})`);
  return t;
}

/** Both sides' connection settings, with the stored passwords opened (old `v1:` ones re-sealed as `v2:`). */
export async function taskConnInfo(store: TaskStore, task: TaskRecord, keyFile?: string): Promise<{ source: ConnInfo; target: ConnInfo }> {
  const pw = (side: 'source' | 'target') => storedPassword(store, task, side, keyFile);
  const local = task.spec.origin !== 'api';
  return { source: connInfoFor(task.spec.source, await pw('source'), process.env, local), target: connInfoFor(task.spec.target, await pw('target'), process.env, local) };
}

/** A side's password as the store keeps it, opened (an old `v1:` one re-sealed as `v2:`), or undefined. */
async function storedPassword(store: TaskStore, task: TaskRecord, side: 'source' | 'target', keyFile?: string): Promise<string | undefined> {
  const sealed = await store.secret(task.id, side);
  if (!sealed) return undefined;
  const opened = openSecret(sealed, { taskId: task.id, side }, keyFile);
  if (opened.upgraded) await store.replaceSecret(task.id, side, sealed, opened.upgraded);
  return opened.plain;
}

/** Replaces a side's stored password. */
export async function setTaskPassword(store: TaskStore, id: string, side: 'source' | 'target', password: string, keyFile?: string): Promise<void> {
  const task = await store.get(id);
  await store.setSecret(task.id, side, sealSecret(password, { taskId: task.id, side }, { keyFile, sealedInStore: await store.secretCount() }));
  await store.addHistory(task.id, 'password', `${side} password replaced`);
}

export async function testTask(store: TaskStore, id: string, keyFile?: string): Promise<ConnectivityReport> {
  const task = await store.get(id);
  const conn = await taskConnInfo(store, task, keyFile);
  const report = await testConnectivity(conn);
  await store.addHistory(task.id, 'test', `Test Connectivity: ${report.passed ? 'Passed' : 'Failed'}`);
  return report;
}

/** Runs the precheck of the task's current spec and keeps the report (what `start` checks). */
export async function precheckTask(store: TaskStore, id: string, keyFile?: string): Promise<PrecheckReport> {
  const task = await store.get(id);
  const conn = await taskConnInfo(store, task, keyFile);
  // the task's current job count, which is what a start would begin with
  const report = await runPrecheck(conn.source, conn.target, { ...planInputs(task.spec), jobs: task.jobs });
  await store.setPrecheck(task.id, task.specHash, report);
  const counts = (s: string) => report.items.filter((i) => i.status === s).length;
  await store.addHistory(task.id, 'precheck', `precheck ${report.passed ? 'passed' : 'failed'}: ${counts('fail')} failed, ${counts('warn')} warnings`);
  return report;
}

/**
 * Compares source and target through the task's selection and mapping. The report is stored with
 * the task as it came (the API and console show the latest after a restart), and the history says
 * when it ran and what it found.
 */
export async function verifyTask(store: TaskStore, id: string, keyFile?: string, tuning: Pick<VerifyOptions, 'partSize' | 'rowsPerRange'> = {}): Promise<StoredVerify> {
  const task = await store.get(id);
  const conn = await taskConnInfo(store, task, keyFile);
  // with a fleet, a large verify's parts are read by its workers (src/fleet/part-queue.ts)
  const fleet = store.kind === 'postgresql' ? await (await import('../fleet/part-queue.js')).openFleetParts(store, task.id, task.spec.options.priority ?? 0) : { close: async () => {} };
  let report: VerifyReport;
  try {
    report = await runVerify({ ...conn, jobs: task.jobs, selection: task.spec.objects, mapping: task.spec.mapping, partsElsewhere: fleet.partsElsewhere, ...tuning });
  } finally {
    await fleet.close().catch(() => {});
  }
  if (report.spread?.spread)
    await store.addHistory(task.id, 'spread', `verify parts read by the fleet's workers (${report.spread.why}): ${Object.entries(report.spread.byWorker ?? {}).map(([w, n]) => `${w} ${n}`).join(', ') || 'none'}`, { byWorker: report.spread.byWorker });
  const at = await store.addVerify(task.id, report);
  const c = verifyCounts(report);
  await store.addHistory(
    task.id,
    'verify',
    report.ok
      ? `verify passed: ${c.tables} tables, ${c.sequences} sequences, ${c.largeObjects} large objects equal`
      : `verify found ${c.differences} difference(s): ${c.tablesDiffering} of ${c.tables} tables, ${c.sequencesDiffering} sequences, ${c.largeObjectProblems} large object problems`,
    { at, ok: report.ok, ...c },
  );
  return { at, report };
}

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;

/** A run's own numbers in words, for its line in the history. */
function runLine(n: RunNumbers): string {
  return `this run copied ${n.rows} rows (${mb(n.bytes)}) in ${n.seconds.toFixed(1)} s`;
}

/** The completed line's words on a cutover: when the applied position was reached, and the downtime. */
function cutoverLine(summary: MigrationSummary): string {
  const c = summary.cutover;
  if (!c) return '';
  const check = !c.check ? '' : c.check.error ? `; the cutover check could not run: ${redact(c.check.error)}` :
    `; the cutover check found ${c.check.ok ? 'source and target equal' : `${c.check.differences.length} difference(s)`} (${c.check.rangesRead} key range(s) read, ${c.check.rangesReused} verified while streaming)`;
  return `; cut over at ${c.lsn} with ${c.downtimeSeconds.toFixed(1)} s of downtime${c.writesBlocked ? ` (writes blocked on the source, ${c.sessionsEnded} session(s) ended)` : ''}${check}`;
}

/** What a stopped run's history line says (an incremental one keeps its slot). */
function stoppedLine(incremental: boolean | undefined): string {
  return incremental
    ? 'stopped on request; its replication slot is kept and holds WAL on the source until task resume (which continues from the recorded position) or task release'
    : 'stopped at a unit boundary on request';
}

/**
 * Refuses a start/resume the task's state or precheck does not allow. `fromQueue`: the run a fleet
 * worker starts for a queued task, which is the one start a queued task takes.
 */
export function checkStartable(task: TaskRecord, resume: boolean, fromQueue = false): void {
  const state = effectiveState(task);
  if (isLive(state))
    throw new PgferryError('PGFERRY_E_TASK_STATE', `task ${task.name} is ${state} (process ${task.pid})`, { object: `task ${task.id}`, fix: 'pgferry task status shows its progress; pgferry task stop stops it' });
  if (state === 'queued' && !fromQueue)
    throw new PgferryError('PGFERRY_E_TASK_STATE', `task ${task.name} is queued for the fleet's workers`, { object: `task ${task.id}`, fix: 'the first free worker runs it (pgferry workers lists them); pgferry task stop takes it out of the queue' });
  if (!resume && task.runId)
    throw new PgferryError('PGFERRY_E_TASK_STATE', `task ${task.name} has run before (${state})`, {
      object: `task ${task.id}`,
      fix: 'pgferry task resume continues that run (it writes into the target again); create a new task for a fresh migration',
    });
  // a run whose target rejected objects keeps its marks: fix the causes, and resume does the rest
  if (resume && task.state === 'completed' && state !== 'completed with errors')
    throw new PgferryError('PGFERRY_E_TASK_STATE', `task ${task.name} is ${state}: nothing to resume`, { object: `task ${task.id}`, fix: 'create a new task to migrate again' });
  if (!task.precheck || task.precheck.hash !== task.specHash || !task.precheck.passed)
    throw new PgferryError(
      'PGFERRY_E_PRECHECK_REQUIRED',
      !task.precheck ? `task ${task.name} has not been prechecked` : !task.precheck.passed ? `the latest precheck of task ${task.name} failed` : `task ${task.name} changed since its precheck`,
      { object: `task ${task.id}`, fix: `pgferry task precheck ${task.id}, fix what fails, then start again` },
    );
}

export interface RunTaskOptions {
  resume: boolean;
  keyFile?: string;
  onEvent?: EventSink;
  logger?: Logger;
  /** Fleet mode: where this run may send its copy units (the queue), given the run's claim. */
  unitsElsewhere?: (leader: RunOwner, taskId: string) => UnitsElsewhere;
  /** Fleet mode: where this incremental run may send its lanes after the first (the queue). */
  lanesElsewhere?: (leader: RunOwner, taskId: string) => LanesElsewhere;
}

/**
 * Runs the task in this process until it completes, fails or is stopped. Returns the task's
 * summary: the last run's lists and snapshot count, with every run's rows, bytes and time.
 */
export async function runTask(store: TaskStore, id: string, opts: RunTaskOptions): Promise<TaskSummary> {
  const found = await store.get(id);
  // a fleet worker names itself: its run is the one start a queued task takes
  const fromQueue = Boolean(process.env.PGFERRY_WORKER);
  checkStartable(found, opts.resume, fromQueue);
  const conn = await taskConnInfo(store, found, opts.keyFile);
  // compare-and-set: of two processes starting this task at once, the second sees the first running
  const task = await store.claim(found.id, (t) => checkStartable(t, opts.resume, fromQueue), {
    state: 'running', pid: process.pid, pidStart: processStart(process.pid), startedAt: new Date().toISOString(), finishedAt: null, stopRequested: false, error: null,
    // a cutover is asked of a running run: one a stopped run never made is not made by the next
    cutoverRequest: null,
    // a fleet worker names itself to the run it starts (src/fleet/worker.ts); a run started by hand has none
    worker: process.env.PGFERRY_WORKER || null,
  });
  const run = await store.startRun(task.id, opts.resume ? 'resume' : 'start');
  await store.addHistory(task.id, opts.resume ? 'resume' : 'start', opts.resume ? `run ${run} resumed: writes into the target again, continuing from the last checkpoint` : `run ${run} started`, { pid: process.pid, run });

  // the task's controls, read from the store once a second
  const limiter = new RateLimiter((task.maxRateMBps ?? 0) * 1024 * 1024);
  let control: { stop: boolean; jobs: number; cutover: CutoverRequest | null } = { stop: false, jobs: task.jobs, cutover: null };
  const owns = (t: TaskRecord) => t.pid === process.pid && t.pidStart === task.pidStart;
  let polling = false;
  const poll = setInterval(async () => {
    if (polling) return;
    polling = true;
    try {
      const t = await store.get(task.id);
      // null: no limit (0 to the limiter), so `task set --max-rate off` lifts it at once
      limiter.setRate((t.maxRateMBps ?? 0) * 1024 * 1024);
      // a process that lost its task (taken over while it was frozen or cut off) stops at once
      control = { stop: t.stopRequested || !owns(t), jobs: t.jobs, cutover: t.cutoverRequest };
    } catch {
      // a busy store is read again in a second
    } finally {
      polling = false;
    }
  }, 1000);
  poll.unref();
  const owner = { pid: process.pid, pidStart: task.pidStart };
  const progress = await TaskProgress.open(store, task.id, run, owner, (err) =>
    (opts.logger ?? silentLogger).log('warn', `the task store missed a progress write: ${redact(messageOf(err))}`));
  progress.start();
  const spec = task.spec;
  const migrate = runOptionsFromSpec(spec, conn, {
    jobs: task.jobs,
    runId: opts.resume && task.runId ? task.runId : undefined,
    resume: opts.resume,
    // the claim above made this process the task's only run: an earlier one's sessions go
    fenceRun: true,
    unitsElsewhere: opts.unitsElsewhere?.(owner, task.id),
    lanesElsewhere: opts.lanesElsewhere?.(owner, task.id),
    copySlot: await copySlots(store, conn.source, conn.target),
    logger: opts.logger ?? silentLogger,
    control: { stopRequested: () => control.stop, jobs: () => control.jobs, limiter, cutoverRequested: () => control.cutover, stillOwner: async () => owns(await store.get(task.id)) },
    onPlan: (plan) => progress.onPlan(spec.migration === 'schema' ? [] : plan.units.map((u) => ({ id: u.id, bytes: u.bytes, estimatedRows: u.estimatedRows }))),
    onEvent: (e) => {
      progress.onEvent(e);
      if (e.type === 'spread') spreadHistory(store, task.id, e);
      opts.onEvent?.(e);
    },
  });
  try {
    const summary = await runWithRetries(migrate, { retries: spec.options.retries });
    // after a cutover the application may write to the target already: the full verify runs
    // outside the downtime, and the task completes once it has its report
    if (summary.cutover && control.cutover?.verify !== false) await verifyAfterCutover(store, task.id, owner, opts);
    const own = await progress.finish(summary);
    await store.updateRun(task.id, run, { ...own, state: 'completed' });
    // the task's summary covers every run: the last run's lists and snapshots, all runs' totals
    const totals = taskTotals(task, await store.runs(task.id));
    const whole: TaskSummary = { ...summary, rowsCopied: totals.rows, bytesCopied: totals.bytes, totalSeconds: totals.seconds, runs: totals.runs, lastRun: { run, rowsCopied: own.rows, bytesCopied: own.bytes, totalSeconds: own.seconds } };
    const outcome = outcomeOf(whole);
    // the history first: whoever sees the task completed finds the lines that say how
    await store.addHistory(
      task.id,
      'completed',
      `run ${run} ${outcome.state}${outcome.severity === 'ok' ? ': all objects migrated' : `: ${describeOutcome(outcome)}`}; ${runLine(own)}; the task: ${totals.rows} rows (${mb(totals.bytes)}) in ${totals.seconds.toFixed(1)} s over ${totals.runs} run(s)${cutoverLine(summary)}`,
      { run, own, totals, outcome },
    );
    if (summary.dataSnapshots > 1)
      await store.addHistory(task.id, 'snapshots', `completed from ${summary.dataSnapshots} snapshots of the source: the run was resumed after some tables were in, so the tables are consistent with each other only if the source took no writes in between`, { dataSnapshots: summary.dataSnapshots });
    await store.updateOwned(task.id, owner, { state: 'completed', phase: null, progress: 1, finishedAt: new Date().toISOString(), pid: null, pidStart: null, summary: whole, cutoverRequest: null });
    return whole;
  } catch (err) {
    const own = await progress.finish();
    const stopped = err instanceof PgferryError && err.code === 'PGFERRY_E_STOPPED';
    const line = redact(err instanceof PgferryError ? err.toLine() : messageOf(err));
    await store.updateRun(task.id, run, { ...own, state: stopped ? 'stopped' : 'failed' });
    await store.addHistory(task.id, stopped ? 'stopped' : 'failed', `run ${run} ${stopped ? stoppedLine(spec.incremental) : `failed: ${line}`}; ${runLine(own)}`, { run, own });
    await store.updateOwned(task.id, owner, { state: stopped ? 'stopped' : 'failed', finishedAt: new Date().toISOString(), pid: null, pidStart: null, error: stopped ? null : line, cutoverRequest: null });
    throw err;
  } finally {
    clearInterval(poll);
  }
}

/** A spread copy's decision, and at its end which worker copied how many units, in the task's history. */
function spreadHistory(store: TaskStore, id: string, e: Extract<MigrationEvent, { type: 'spread' }>): void {
  if (e.of === 'stream') {
    const line = e.lanes
      ? `stream lanes by worker: ${Object.entries(e.lanes).map(([slot, w]) => `${slot} ${w}`).join(', ')}`
      : `stream lanes ${e.spread ? "spread over the fleet's workers" : "kept in the run's own process"}: ${e.why}`;
    void store.addHistory(id, 'spread', line, e.lanes ? { lanes: e.lanes } : { spread: e.spread, of: 'stream' }).catch(() => {});
    return;
  }
  const line = e.byWorker
    ? `copy units by worker: ${Object.entries(e.byWorker).map(([w, n]) => `${w} ${n}`).join(', ') || 'none'}`
    : `copy ${e.spread ? "spread over the fleet's workers" : 'kept in the run\'s own process'}: ${e.why}`;
  void store.addHistory(id, 'spread', line, e.byWorker ? { byWorker: e.byWorker } : { spread: e.spread }).catch(() => {});
}

/** Verifies a task that has just cut over; a failure to verify is noted, never fatal to the task. */
async function verifyAfterCutover(store: TaskStore, id: string, owner: RunOwner, opts: RunTaskOptions): Promise<void> {
  await store.updateOwned(id, owner, { phase: 'verify' });
  opts.onEvent?.({ type: 'phase-start', phase: 'verify' });
  const t0 = Date.now();
  try {
    await verifyTask(store, id, opts.keyFile);
  } catch (err) {
    await store.addHistory(id, 'verify', `verify after the cutover could not run: ${redact(err instanceof PgferryError ? err.toLine() : messageOf(err))}; pgferry task verify runs it again`);
  }
  opts.onEvent?.({ type: 'phase-end', phase: 'verify', seconds: (Date.now() - t0) / 1000 });
}

/** A task's stored summary: the last run's, with rows, bytes and seconds of every run of the task. */
export interface TaskSummary extends MigrationSummary {
  runs: number;
  lastRun: { run: number; rowsCopied: number; bytesCopied: number; totalSeconds: number };
}

/** The `pgferry` entry point, for starting runs in the background. */
function cliPath(): string {
  return fileURLToPath(new URL('../../bin/pgferry.js', import.meta.url));
}

/** Where a background run writes its log (JSON events, one per line; no passwords). */
export function taskLogPath(store: TaskStore, id: string): string {
  return path.join(store.logDir, `${id}.log`);
}

/**
 * The task process's heap: a small young generation (the ninth session measured 330 MB of peak
 * RSS through workload B with V8's 16 MB, 198 MB with 2). Letting the old generation grow to only
 * 1.5 times what survives a collection (`--heap-growing-percent=50`) brings a smaller workload B
 * from 196–199 MB to 120 MB, but its apply took 0.68 of the subscription's time instead of 0.85
 * (docs/benchmarks.md, twelfth session): not the default; PGFERRY_TASK_NODE_FLAGS can set it.
 */
const TASK_NODE_FLAGS = ['--max-semi-space-size=2'];

/** The Node flags a task process starts with: PGFERRY_TASK_NODE_FLAGS (space-separated) replaces the defaults, e.g. to give a very large catalog more heap. */
function taskNodeFlags(): string[] {
  const own = process.env.PGFERRY_TASK_NODE_FLAGS;
  return own === undefined ? TASK_NODE_FLAGS : own.split(/\s+/).filter(Boolean);
}

/**
 * Starts the task in a detached process that outlives this one and returns once that process
 * has taken the task (or has failed to).
 */
export async function startInBackground(store: TaskStore, id: string, opts: { resume: boolean; keyFile?: string }): Promise<{ pid: number; log: string }> {
  const task = await store.get(id);
  checkStartable(task, opts.resume);
  const run = spawnRun(store, task.id, { ...opts, detached: true });
  run.child.unref();
  const outcome = await waitForClaim(store, task.id, run, 10_000);
  if (outcome.exitCode !== undefined) {
    const t = await store.get(task.id);
    throw new PgferryError('PGFERRY_E_TASK_STATE', `the background run exited at once (code ${outcome.exitCode})${t.error ? `: ${t.error}` : ''}`, { object: `task ${task.id}`, fix: `see ${run.log}` });
  }
  return { pid: run.child.pid!, log: run.log };
}

/** A run of the task in its own process, and the code it exited with once it has (null before). */
export interface SpawnedRun {
  child: ChildProcess;
  log: string;
  exitCode(): number | null;
}

/**
 * Starts `pgferry task start|resume ID --foreground --json` as its own process, its output
 * appended to the task's log. The store goes by the environment, never argv: a PostgreSQL store's
 * URI may hold its password, and argv is every local user's to read (ps). `env` adds variables
 * (a fleet worker's name).
 */
export function spawnRun(store: TaskStore, taskId: string, opts: { resume: boolean; keyFile?: string; detached: boolean; env?: Record<string, string> }): SpawnedRun {
  const log = taskLogPath(store, taskId);
  fs.mkdirSync(path.dirname(log), { recursive: true, mode: 0o700 });
  const fd = fs.openSync(log, 'a', 0o600);
  const args = [...taskNodeFlags(), cliPath(), 'task', opts.resume ? 'resume' : 'start', taskId, '--foreground', '--json'];
  const env = { ...process.env, PGFERRY_STORE: store.reopenWith, ...(opts.keyFile ? { PGFERRY_KEY_FILE: opts.keyFile } : {}), ...opts.env };
  const child = spawn(process.execPath, args, { detached: opts.detached, stdio: ['ignore', fd, fd], env });
  fs.closeSync(fd);
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? 1));
  return { child, log, exitCode: () => exited };
}

/**
 * Waits up to `ms` until the spawned run has taken its task (claimed: its pid, running), or has
 * exited first (`exitCode`); neither within `ms`: `{ timedOut: true }`.
 */
export async function waitForClaim(store: TaskStore, taskId: string, run: SpawnedRun, ms: number): Promise<{ claimed?: true; exitCode?: number; timedOut?: true }> {
  for (const until = Date.now() + ms; Date.now() < until; ) {
    const t = await store.get(taskId, { prefix: false });
    if (t.pid === run.child.pid && t.state === 'running') return { claimed: true };
    const code = run.exitCode();
    if (code !== null) return { exitCode: code };
    await new Promise((r) => setTimeout(r, 100));
  }
  return { timedOut: true };
}

/** Asks a running task to stop at the next unit boundary; `wait` waits until it has. */
export async function stopTask(store: TaskStore, id: string, wait: boolean, timeoutMs = 600_000): Promise<TaskRecord> {
  const task = await store.get(id);
  const state = effectiveState(task);
  if (state === 'interrupted') {
    await store.update(task.id, { state: 'stopped', pid: null, pidStart: null });
    await store.closeOpenRuns(task.id);
    await store.addHistory(task.id, 'stopped', 'marked stopped: its process was gone');
    return await store.get(task.id);
  }
  // a run still waiting for a worker: out of the queue (the worker that takes its job finds it stopped)
  if (state === 'queued' && (await store.updateIf(task.id, ['queued'], { state: 'stopped' }))) {
    await store.addHistory(task.id, 'stopped', 'taken out of the queue before a worker ran it');
    return await store.get(task.id);
  }
  if (!isLive(state)) throw new PgferryError('PGFERRY_E_TASK_STATE', `task ${task.name} is ${state}, not running`, { object: `task ${task.id}` });
  await store.updateIf(task.id, ['running', 'stopping'], { state: 'stopping', stopRequested: true });
  await store.addHistory(task.id, 'stop', 'stop requested');
  const t0 = Date.now();
  while (wait && Date.now() - t0 < timeoutMs) {
    const t = await store.get(task.id);
    if (t.state !== 'stopping' && t.state !== 'running') return t;
    if (!runAlive(t)) return stopTask(store, id, false);
    await new Promise((r) => setTimeout(r, 250));
  }
  return await store.get(task.id);
}

/**
 * Asks a running incremental task to cut over: it does once its stream is within
 * `maxLagSeconds` (the engine's default when not given), then completes. `wait` waits until the
 * task is no longer running (completed, failed or stopped).
 */
export async function requestCutover(store: TaskStore, id: string, req: CutoverRequest, wait: boolean, timeoutMs = 3_600_000): Promise<TaskRecord> {
  const task = await store.get(id);
  if (!task.spec.incremental)
    throw new PgferryError('PGFERRY_E_TASK_STATE', `task ${task.name} is not incremental: it has no stream to cut over`, {
      object: `task ${task.id}`,
      fix: 'a cutover is for tasks created with --incremental (incremental: true in the task file); this one ends by itself when its copy is done',
    });
  const state = effectiveState(task);
  if (state !== 'running' && state !== 'streaming')
    throw new PgferryError('PGFERRY_E_TASK_STATE', `task ${task.name} is ${state}, not running: there is nothing to cut over`, {
      object: `task ${task.id}`,
      fix: state === 'stopped' || state === 'failed' || state === 'interrupted' ? `pgferry task resume ${task.id.slice(0, 8)}, then ask for the cutover again` : 'pgferry task status shows where it is',
    });
  const request: CutoverRequest = { blockWrites: req.blockWrites, ...(req.maxLagSeconds !== undefined ? { maxLagSeconds: req.maxLagSeconds } : {}), ...(req.verify === false ? { verify: false } : {}) };
  if (!await store.updateIf(task.id, ['running'], { cutoverRequest: request }))
    throw new PgferryError('PGFERRY_E_TASK_STATE', `task ${task.name} stopped running meanwhile`, { object: `task ${task.id}`, fix: 'pgferry task status shows where it is' });
  await store.addHistory(
    task.id,
    'cutover',
    `cutover requested${request.blockWrites ? ', blocking writes on the source' : ''}${request.maxLagSeconds !== undefined ? `, once at most ${request.maxLagSeconds} s behind` : ''}`,
    request,
  );
  const t0 = Date.now();
  while (wait && Date.now() - t0 < timeoutMs) {
    const t = await store.get(task.id);
    if (!isLive(effectiveState(t))) return t;
    await new Promise((r) => setTimeout(r, 250));
  }
  return await store.get(task.id);
}

/** Changes jobs and/or the rate limit; a running task picks them up within a second. */
export async function setThroughput(store: TaskStore, id: string, change: { jobs?: number; maxRateMBps?: number | null }): Promise<TaskRecord> {
  const task = await store.get(id);
  await store.update(task.id, {
    ...(change.jobs !== undefined ? { jobs: change.jobs } : {}),
    ...(change.maxRateMBps !== undefined ? { maxRateMBps: change.maxRateMBps } : {}),
  });
  const parts = [change.jobs !== undefined ? `jobs ${change.jobs}` : '', change.maxRateMBps !== undefined ? `max rate ${change.maxRateMBps === null ? 'unlimited' : `${change.maxRateMBps} MB/s`}` : ''].filter(Boolean);
  await store.addHistory(task.id, 'throughput', `set ${parts.join(', ')}`);
  return await store.get(task.id);
}

/** What release removed: the checkpoints on the target, and an incremental run's objects on the source. */
export interface Released {
  marksDropped: boolean;
  /** Incremental: the slot (and pgferry's own publication) dropped on the source; null for other tasks. */
  stream: { name: string; slot: boolean; publication: boolean } | null;
}

/**
 * Removes the task: an incremental run's slot and publication on the source (the slot holds WAL
 * there until it is dropped), its checkpoints on the target (pgferry_state) and its record in the
 * store. Objects and rows it migrated stay. A running task must be stopped first. The source is
 * done first: when it cannot be reached the task is kept, so that release can be tried again.
 */
export async function releaseTask(store: TaskStore, id: string, keyFile?: string, opts: { skipSource?: boolean } = {}): Promise<Released> {
  const task = await store.get(id);
  const state = effectiveState(task);
  if (isLive(state))
    throw new PgferryError('PGFERRY_E_TASK_STATE', `task ${task.name} is ${state}`, { object: `task ${task.id}`, fix: `pgferry task stop ${task.id} --wait, then release` });
  let marksDropped = false;
  let stream: Released['stream'] = null;
  if (task.runId) {
    const conn = await taskConnInfo(store, task, keyFile);
    // skipSource: the source is gone for good, or its slot was dropped by hand
    if (task.spec.incremental && !opts.skipSource) stream = await dropSourceStream(conn.source, task);
    const info = conn.target;
    const target = await connect(info, 'target');
    try {
      // the marks are the run's: never dropped under a run that is working there now
      await lockTarget(target, info.database);
      const exists = await target.query('SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1', [STATE_SCHEMA]);
      if (exists.rowCount) {
        // the run's marks and its stream's applied position
        await dropUnitMarks(target, task.runId);
        marksDropped = true;
      }
    } finally {
      await target.end().catch(() => {});
    }
  }
  await store.delete(task.id);
  return { marksDropped, stream };
}

/**
 * Drops an incremental run's slot on the source, and its publication unless the spec names the
 * owner's own (never dropped: pgferry did not make it). Any failure, an unreachable source first
 * of all, keeps its code and says that the slot still holds WAL and how to drop it by hand.
 */
async function dropSourceStream(info: ConnInfo, task: TaskRecord): Promise<NonNullable<Released['stream']>> {
  const name = streamObjectName(task.runId!);
  const ownPublication = task.spec.options.publication;
  try {
    const source = await connect(info, 'source');
    try {
      // the owner's publication can carry pgferry's name only if named so on purpose: then the slot alone goes
      if (ownPublication === name) {
        const r = await source.query('SELECT pg_catalog.pg_drop_replication_slot(slot_name) FROM pg_catalog.pg_replication_slots WHERE slot_name = $1', [name]);
        return { name, slot: Boolean(r.rowCount), publication: false };
      }
      return { name, ...(await dropStreamObjects(source, name)) };
    } finally {
      await source.end().catch(() => {});
    }
  } catch (err) {
    const by = `SELECT pg_drop_replication_slot('${name}');${ownPublication ? '' : ` DROP PUBLICATION IF EXISTS ${name};`}${(task.spec.options.streamLanes ?? 1) > 1 ? ` and the same for each lane, ${name}_2 to ${name}_${task.spec.options.streamLanes}` : ''}`;
    throw new PgferryError(
      err instanceof PgferryError ? err.code : 'PGFERRY_E_CONNECTION_LOST',
      `cannot drop the replication slot ${name} on the source (${messageOf(err)}): the slot keeps holding WAL there until it is dropped; the task is kept`,
      { object: `task ${task.id}`, fix: `make the source reachable and release again; or drop them on the source by hand (${by}) and release with --skip-source`, cause: err },
    );
  }
}

