/**
 * The task subcommands that only look: `task list`, `task show` and `task status` (with --watch).
 */
import type { Command } from 'commander';
import { ExitCode } from '../errors.js';
import type { TaskStore } from '../task/task-store.js';
import { jsonLine } from './output.js';
import { streamObjectName } from '../cdc/slot-lifecycle.js';
import { action, out, storeOption, svc, type Common } from './task-action.js';

/** Registers `task list` and `task show`: every task in a table, or one task in full. */
export function registerTaskListCommands(task: Command, program: Command): void {
  storeOption(task.command('list'))
    .description('every task: ID, name, state, phase, progress, age')
    .option('--json', 'JSON')
    .action(
      action<Common>(program, async (store, o) => {
        const tasks = await Promise.all((await store.list()).map(async (t) => ({ task: t, facts: await svc.taskFacts(store, t) })));
        if (o.json)
          jsonLine({
            event: 'tasks',
            tasks: tasks.map(({ task: t, facts: f }) => ({ id: t.id, name: t.name, state: f.state, outcome: f.outcome, totals: f.totals, phase: t.phase, progress: t.progress, createdAt: t.createdAt })),
          });
        else process.stdout.write(out.renderTaskList(tasks, out.useColor()));
      }),
    );

  storeOption(task.command('show <id>'))
    .description("a task's spec (passwords never shown), precheck and history")
    .option('--json', 'JSON')
    .action(
      action<Common>(program, async (store, o, id) => {
        const t = await store.get(id);
        const passwords = { source: Boolean(await store.secret(t.id, 'source')), target: Boolean(await store.secret(t.id, 'target')) };
        const history = await store.history(t.id);
        const f = await svc.taskFacts(store, t);
        const verify = await store.latestVerify(t.id);
        if (o.json) jsonLine({ event: 'task', ...t, ...f, passwordsStored: passwords, verify: verify && { at: verify.at, ok: verify.report.ok, ...svc.verifyCounts(verify.report) }, history });
        else process.stdout.write(out.renderTaskShow(t, f, passwords, history, verify, out.useColor()));
      }),
    );
}

/** Shows a task's status once, or every second while it runs (--watch); exits by its final state. */
async function showStatus(store: TaskStore, o: Common & { watch?: boolean }, id: string): Promise<number> {
  const first = await store.get(id);
  for (;;) {
    const t = await store.get(first.id);
    const units = await store.units(t.id);
    const history = await store.history(t.id);
    const f = await svc.taskFacts(store, t);
    const state = f.state;
    if (o.json)
      jsonLine({
        event: 'status', id: t.id, name: t.name, state, outcome: f.outcome, totals: f.totals, runs: f.runs, phase: t.phase, progress: t.progress,
        bytesDone: t.bytesDone, bytesTotal: t.bytesTotal, rate: t.rate, jobs: t.jobs, maxRateMBps: t.maxRateMBps, error: t.error, units,
        incremental: Boolean(t.spec.incremental), streamStatus: t.streamStatus, cutoverRequest: t.cutoverRequest,
        ...(t.spec.incremental && t.runId ? { slot: streamObjectName(t.runId) } : {}),
      });
    else {
      if (o.watch && process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
      process.stdout.write(out.renderTaskStatus(t, f, units, history, out.useColor()));
    }
    if (!o.watch || !svc.isUnderway(state)) {
      return state === 'failed' || state === 'interrupted' ? ExitCode.failed : state === 'stopped' ? ExitCode.stopped : ExitCode.ok;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Registers `task status`: where a task is, for a person (optionally watching) or a script. */
export function registerTaskStatusCommand(task: Command, program: Command): void {
  storeOption(task.command('status <id>'))
    .description('phase, progress, per-table state, rate, ETA and errors (an incremental task: lag, positions, rates and the WAL its slot holds); --watch redraws every second until the task ends')
    .option('--json', 'JSON')
    .option('--watch', 'keep showing until the task is no longer running')
    .action(action<Common & { watch?: boolean }>(program, showStatus));
}
