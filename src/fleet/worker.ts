/**
 * `pgferry worker`: one machine's share of a fleet. It takes run jobs from the queue while it has
 * room (`concurrency` runs at once), starts each as its own process (`pgferry task start|resume
 * ID --foreground`, as a background run is, with PGFERRY_WORKER naming it), and finishes the job
 * once that process has claimed the task; from then on the run's own heartbeat in the store is
 * its lease. Every worker also looks after the others' runs: a fleet run that has gone silent
 * (its process killed, its machine gone) is queued to resume, and a worker takes it over from
 * its checkpoints. It reports itself to the store every 2 s (`pgferry workers`, the API).
 * SIGTERM: it stops its runs at their next unit boundary and queues them to resume elsewhere.
 * It also copies units of other workers' runs (a spread copy, src/fleet/unit-queue.ts), in this
 * process, up to `copySlots` at once, and sums parts of spread verifies (src/fleet/part-queue.ts)
 * in those same slots; applies lanes of other workers' incremental runs (a spread stream,
 * src/fleet/lane-queue.ts), up to `concurrency` at once; and gives a silent worker's unit, part
 * and lane jobs back to their queues.
 */
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import type PgBoss from 'pg-boss';
import { messageOf } from '../errors.js';
import { redact } from '../logger.js';
import { effectiveState, runAlive, spawnRun, waitForClaim } from '../task/task-service.js';
import type { TaskStore } from '../task/task-store.js';
import { RUN_QUEUE, openRunQueue, queueRun, sharedStore, taskPriority, type RunJob } from './run-queue.js';
import { newWorkerStats, type WorkerStats } from './worker-metrics.js';
import { UnitCopier } from './unit-copier.js';
import { ensureUnitQueue } from './unit-queue.js';
import { ensurePartQueue } from './part-queue.js';
import { PartSummer } from './part-summer.js';
import { ensureLaneQueue } from './lane-queue.js';
import { LaneApplier } from './lane-applier.js';

export interface WorkerOptions {
  name: string;
  concurrency: number;
  /** Copy units of spread runs this worker copies at once (default: `concurrency`). */
  copySlots?: number;
  keyFile?: string;
  /** Where the worker says what it does (one line each). */
  say: (line: string) => void;
}

const BEAT_MS = 2000;
/**
 * How often a worker looks for runs and copy units: a run queued waits half of this on average
 * before a worker takes it (at 1 s that was most of the fleet's cost against a run on one machine
 * at SCALE=1; a look is one indexed query per queue).
 */
const FETCH_MS = 250;
/** Lanes are looked for once a second, one per look: a run's lanes, sent at once, then go to several workers. */
const LANE_FETCH_MS = 1000;
const REAP_MS = 5000;
const PART_FETCH_MS = 200;
/** How long a started process may take to claim its task before the start counts as failed. */
const CLAIM_MS = 60_000;

/** The default name: host and pid, unique on the fleet while the process lives. */
export function defaultWorkerName(): string {
  return `${os.hostname()}-${process.pid}`;
}

export class FleetWorker {
  private readonly runs = new Map<string, ChildProcess>();
  private readonly copier: UnitCopier;
  private starting = 0;
  private stopping = false;
  private readonly startedAt = new Date().toISOString();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly summer: PartSummer;
  private readonly lanes: LaneApplier;
  private busy = { fetch: false, reap: false, parts: false, lanes: false };
  /** What this worker has done, for its own /metrics (worker-metrics.ts). */
  readonly stats: WorkerStats = newWorkerStats(() => this.runs.size, () => this.copier.units.size, () => this.lanes.lanes.size);

  private constructor(private readonly store: TaskStore, private readonly boss: PgBoss, private readonly opts: WorkerOptions) {
    const slots = opts.copySlots ?? opts.concurrency;
    // copy units and verify parts share the copy slots: both read from the same servers
    const room = () => this.copier.units.size + this.summer.parts.size < slots;
    this.copier = new UnitCopier(store, boss, { name: opts.name, room, keyFile: opts.keyFile, say: opts.say, beat: () => this.beat() }, this.stats);
    this.summer = new PartSummer(store, boss, { name: opts.name, room, keyFile: opts.keyFile, say: opts.say, beat: () => this.beat() }, this.stats);
    // a lane holds its sessions for as long as its stream lasts, like a run: up to `concurrency` of them
    this.lanes = new LaneApplier(store, boss, { name: opts.name, max: opts.concurrency, keyFile: opts.keyFile, say: opts.say, beat: () => this.beat() }, this.stats);
  }

  static async start(store: TaskStore, opts: WorkerOptions): Promise<FleetWorker> {
    const boss = await openRunQueue(sharedStore(store, 'pgferry worker'), { supervise: true, queues: [ensureUnitQueue, ensurePartQueue, ensureLaneQueue] });
    const w = new FleetWorker(store, boss, opts);
    await w.copier.leftovers();
    await w.beat();
    w.every(BEAT_MS, () => w.beat());
    w.every(FETCH_MS, () => w.fetch(), 'fetch');
    w.every(REAP_MS, () => w.reap(), 'reap');
    // a verify's parts take a fraction of a second each: they are looked for more often than runs
    w.every(PART_FETCH_MS, () => w.summer.fetch(() => w.stopping), 'parts');
    w.every(LANE_FETCH_MS, () => w.lanes.fetch(() => w.stopping), 'lanes');
    opts.say(`worker ${opts.name} on ${os.hostname()} (pid ${process.pid}) takes up to ${opts.concurrency} run(s) at once from the store ${store.location}`);
    return w;
  }

  private every(ms: number, fn: () => Promise<void>, guard?: 'fetch' | 'reap' | 'parts' | 'lanes'): void {
    this.timers.push(setInterval(() => {
      if (guard && (this.stopping || this.busy[guard])) return;
      if (guard) this.busy[guard] = true;
      fn().catch((err) => this.opts.say(`worker ${this.opts.name}: ${redact(messageOf(err))}`)).finally(() => {
        if (guard) this.busy[guard] = false;
      });
    }, ms));
  }

  private beat(): Promise<void> {
    return this.store.beatWorker({ name: this.opts.name, host: os.hostname(), pid: process.pid, startedAt: this.startedAt, concurrency: this.opts.concurrency, tasks: [...this.runs.keys()], units: [...this.copier.units.keys(), ...this.summer.listed(), ...this.lanes.listed()], progress: { ...Object.fromEntries(this.copier.progress), ...this.lanes.progress() } });
  }

  /** Takes jobs while there is room: runs, and units of spread runs. */
  private async fetch(): Promise<void> {
    await this.copier.fetch(() => this.stopping);
    while (!this.stopping && this.runs.size + this.starting < this.opts.concurrency) {
      const [job] = await this.boss.fetch<RunJob>(RUN_QUEUE, { batchSize: 1 });
      if (!job) return;
      this.starting++;
      void this.take(job).finally(() => this.starting--);
    }
  }

  /** Starts the job's run in its own process and finishes the job once the run has its task. */
  private async take(job: PgBoss.Job<RunJob>): Promise<void> {
    const { taskId, resume } = job.data;
    try {
      const task = await this.store.get(taskId, { prefix: false }).catch(() => null);
      if (!task || task.state !== 'queued') {
        // released or stopped meanwhile, or run by another worker already: nothing to do
        await this.boss.complete(RUN_QUEUE, job.id, { skipped: task ? `task is ${effectiveState(task)}` : 'no such task' });
        return;
      }
      const run = spawnRun(this.store, task.id, { resume, keyFile: this.opts.keyFile, detached: false, env: { PGFERRY_WORKER: this.opts.name } });
      const { child } = run;
      const outcome = await waitForClaim(this.store, task.id, run, CLAIM_MS);
      if (outcome.claimed) {
        this.runs.set(task.id, child);
        child.once('exit', () => {
          this.runs.delete(task.id);
          void this.beat().catch(() => {});
        });
        await this.store.addHistory(task.id, 'worker', `run taken by worker ${this.opts.name} on ${os.hostname()} (pid ${child.pid})`, { worker: this.opts.name, host: os.hostname(), pid: child.pid });
        await this.boss.complete(RUN_QUEUE, job.id, { worker: this.opts.name, pid: child.pid });
        this.stats.runsStarted++;
        this.opts.say(`worker ${this.opts.name}: ${resume ? 'resumed' : 'started'} task ${task.name} (${task.id}) as pid ${child.pid}`);
        return;
      }
      // the process refused the task (its precheck, its state) or could not start: the log says why
      child.kill('SIGTERM');
      const what = outcome.timedOut ? `it did not take the task within ${CLAIM_MS / 1000} s` : `it exited with code ${outcome.exitCode}`;
      const why = `worker ${this.opts.name} could not start the run (${what}); its log on ${os.hostname()}: ${run.log}`;
      await this.store.updateIf(task.id, ['queued'], { state: 'failed', error: why });
      await this.store.addHistory(task.id, 'worker', why);
      await this.boss.complete(RUN_QUEUE, job.id, { worker: this.opts.name, failed: what });
    } catch (err) {
      await this.boss.fail(RUN_QUEUE, job.id, { error: redact(messageOf(err)) }).catch(() => {});
    }
  }

  /**
   * Queues a resume for each fleet run that has gone silent. Several workers may see one at once:
   * the queue keeps one job per task, and the task's claim lets one run through.
   */
  private async reap(): Promise<void> {
    // a silent worker's unit jobs go back to the queue for another (each retry is counted)
    await this.copier.reclaim();
    for (const t of await this.store.list()) {
      if (!t.worker || (t.state !== 'running' && t.state !== 'stopping') || runAlive(t)) continue;
      if (t.state === 'stopping') {
        // it was asked to stop and is gone: stopped, as task stop would mark it
        if (await this.store.updateIf(t.id, ['stopping'], { state: 'stopped', pid: null, pidStart: null })) {
          await this.store.closeOpenRuns(t.id);
          await this.store.addHistory(t.id, 'stopped', `marked stopped by worker ${this.opts.name}: the run on worker ${t.worker} was gone`);
        }
        continue;
      }
      // compare-and-set: of the workers that see it at once, one queues the takeover
      const taken = await this.store.claim(t.id, (now) => {
        if (now.state !== 'running' || runAlive(now)) throw new Error('not gone');
      }, { state: 'queued', pid: null, pidStart: null }).then(() => true, () => false);
      if (!taken) continue;
      await this.store.addHistory(t.id, 'takeover', `the run on worker ${t.worker} is gone (silent for ${t.heartbeatAge.toFixed(0)} s): resume queued for the fleet by worker ${this.opts.name}`, { from: t.worker, silentSeconds: t.heartbeatAge });
      await queueRun(this.boss, { taskId: t.id, resume: true, by: `worker ${this.opts.name}` }, taskPriority(t));
      this.stats.takeoversQueued++;
    }
  }

  /**
   * Stops taking jobs, stops its runs at their next unit boundary, queues each to resume on the
   * fleet, and signs off.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    // fetch and reap stop now (they check `stopping`); the heartbeat goes on until the units here are done
    const beating = this.timers[0];
    for (const t of this.timers.slice(1)) clearInterval(t);
    const handed = [...this.runs.keys()];
    const exits = [...this.runs.values()].map((c) => new Promise<void>((r) => (c.exitCode !== null ? r() : c.once('exit', () => r()))));
    for (const c of this.runs.values()) c.kill('SIGTERM');
    await Promise.all(exits);
    // units copying here finish: each is one transaction, and its leader waits for it; lanes
    // applied here end at their next look and go back to their leaders, to be sent again
    this.lanes.handOffAll();
    while (this.copier.units.size || this.summer.parts.size || this.lanes.lanes.size) await new Promise((r) => setTimeout(r, 200));
    this.summer.closeIdle(0);
    clearInterval(beating);
    for (const id of handed) {
      if (!(await this.store.updateIf(id, ['stopped'], { state: 'queued' }).catch(() => false))) continue;
      const t = await this.store.get(id, { prefix: false });
      await queueRun(this.boss, { taskId: id, resume: true, by: `worker ${this.opts.name} (shutting down)` }, taskPriority(t));
      await this.store.addHistory(id, 'queued', `worker ${this.opts.name} shut down: its run stopped at a unit boundary and is queued to resume on the fleet`);
    }
    await this.store.removeWorker(this.opts.name);
    await this.boss.stop({ graceful: false, close: false });
    this.opts.say(`worker ${this.opts.name} stopped${handed.length ? `; handed ${handed.length} run(s) back to the queue` : ''}`);
  }
}
