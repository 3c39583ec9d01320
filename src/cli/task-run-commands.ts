/**
 * `pgferry task start` and `pgferry task resume`: a run in the background (the default) or in
 * this process with progress (--foreground).
 */
import type { Command } from 'commander';
import { ExitCode } from '../errors.js';
import { createLogger, redact } from '../logger.js';
import type { TaskStore } from '../task/task-store.js';
import { jsonLine, migrationSink, summaryExitCode, useJson } from './output.js';
import { action, out, storeOption, svc, type Common } from './task-action.js';

type RunFlags = Common & { foreground?: boolean };

/** Starts the run as a detached process, or queues it for the fleet's workers, and says how to watch it. */
async function runInBackground(store: TaskStore, o: RunFlags, id: string, resume: boolean): Promise<void> {
  const t = await store.get(id);
  const { startTask } = await import('../fleet/dispatch.js');
  const r = await startTask(store, t.id, { resume });
  const watch = `watch it: pgferry task status ${t.id.slice(0, 8)} --watch\n`;
  if (r.queued) {
    if (o.json) jsonLine({ event: 'queued', id: t.id, workers: r.workers });
    else process.stdout.write(`task ${t.id} ${resume ? 'resume' : 'start'} queued for the fleet (${r.workers} live worker(s)); the first free worker runs it\n${watch}`);
    return;
  }
  if (o.json) jsonLine({ event: 'started', id: t.id, pid: r.pid, log: r.log });
  else process.stdout.write(`task ${t.id} ${resume ? 'resumed' : 'started'} in the background (process ${r.pid}); log: ${r.log}\n${watch}`);
}

/** Runs the task here, with progress or JSON events, and exits by the run's summary. */
async function runInForeground(store: TaskStore, o: RunFlags, id: string, resume: boolean): Promise<number> {
  const json = useJson(o.json);
  const logger = createLogger(({ level, message }) => {
    if (level === 'warn' || level === 'error') process.stderr.write(`pgferry: ${level}: ${message}\n`);
  });
  // a background run is stopped cleanly by SIGTERM/SIGINT too: at the next unit boundary
  const t = await store.get(id);
  const onSignal = async () => {
    try {
      await store.update(t.id, { stopRequested: true, state: 'stopping' });
    } catch {
      process.exit(ExitCode.stopped);
    }
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  // a fleet worker's run may spread its copy over the other workers (docs/fleet.md)
  const { openFleetUnits } = await import('../fleet/unit-queue.js');
  const fleet = await openFleetUnits(store);
  const summary = await svc.runTask(store, t.id, { resume, onEvent: migrationSink(json), logger, unitsElsewhere: fleet.unitsElsewhere, lanesElsewhere: fleet.lanesElsewhere }).finally(() => fleet.close());
  for (const f of summary.failures) process.stderr.write(`pgferry: error ${f.code}: ${f.kind} ${f.name}: ${redact(f.error)}\n`);
  // the run's own summary went by above; the task's covers every run
  const done = await store.get(t.id);
  const f = await svc.taskFacts(store, done);
  if (json) jsonLine({ event: 'task-summary', id: done.id, state: f.state, outcome: f.outcome, totals: f.totals });
  else process.stdout.write(out.renderTaskEnd(done, f, out.useColor()));
  return summaryExitCode(summary);
}

/** Registers `task start` and `task resume`, which differ only in resuming from checkpoints. */
export function registerTaskRunCommands(task: Command, program: Command): void {
  for (const verb of ['start', 'resume'] as const) {
    storeOption(task.command(`${verb} <id>`))
      .description(
        verb === 'start'
          ? 'start the migration in the background (needs a passed precheck); --foreground runs it here with progress'
          : 'continue a stopped, failed or killed run from its checkpoints: finished steps and tables are not redone (it writes into the target again)',
      )
      .option('--foreground', 'run in this process, with progress bars (or JSON events)')
      .option('--json', 'JSON events (with --foreground)')
      .action(
        action<RunFlags>(program, async (store, o, id) => {
          const resume = verb === 'resume';
          if (resume) process.stderr.write('pgferry: note: resuming writes into the target again, continuing from the last checkpoint\n');
          if (!o.foreground) return runInBackground(store, o, id, resume);
          return runInForeground(store, o, id, resume);
        }),
      );
  }
}
