/**
 * The task subcommands that change a task: `task stop`, `task set` (jobs, rate), `task
 * set-password` and `task release`.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { PgferryError } from '../errors.js';
import { parseJobs, parseRate } from './flags.js';
import { readSecretLines } from './read-passwords.js';
import { jsonLine } from './output.js';
import { action, storeOption, svc, type Common } from './task-action.js';

/** Registers `task stop`, `task set`, `task set-password` and `task release`, in that order. */
export function registerTaskControlCommands(task: Command, program: Command): void {
  storeOption(task.command('stop <id>'))
    .description('stop a running task at the next unit boundary (what is finished stays; task resume continues)')
    .option('--wait', 'wait until it has stopped')
    .option('--json', 'JSON')
    .action(
      action<Common & { wait?: boolean }>(program, async (store, o, id) => {
        const t = await svc.stopTask(store, id, Boolean(o.wait));
        if (o.json) jsonLine({ event: 'stop', id: t.id, state: svc.effectiveState(t) });
        else process.stdout.write(`task ${t.id.slice(0, 8)}: ${t.state === 'stopping' ? 'stopping at the next unit boundary' : svc.effectiveState(t)}\n`);
      }),
    );

  storeOption(task.command('set <id>'))
    .description('change jobs and the rate limit; a running task takes them within a second')
    .option('--jobs <n>', 'parallel workers (a running copy lowers at once; more workers than it started with come with the next phase)', parseJobs)
    // 'off', not null: commander turns a null from a parser into ''
    .option('--max-rate <MBps|off>', 'most MB/s the copy moves, or off', (v): number | 'off' => (v === 'off' ? 'off' : parseRate(v)))
    .option('--json', 'JSON')
    .action(
      action<Common & { jobs?: number; maxRate?: number | 'off' }>(program, async (store, o, id) => {
        if (o.jobs === undefined && o.maxRate === undefined) throw new PgferryError('PGFERRY_E_USAGE', 'give --jobs and/or --max-rate', {});
        const t = svc.setThroughput(store, id, { jobs: o.jobs, maxRateMBps: o.maxRate === 'off' ? null : o.maxRate });
        if (o.json) jsonLine({ event: 'set', id: t.id, jobs: t.jobs, maxRateMBps: t.maxRateMBps });
        else process.stdout.write(`task ${t.id.slice(0, 8)}: jobs ${t.jobs}, max rate ${t.maxRateMBps ? `${t.maxRateMBps} MB/s` : 'unlimited'}\n`);
      }),
    );

  storeOption(task.command('set-password <id>'))
    .description('store a password (encrypted with the key file) for one side; read from the terminal or standard input')
    .requiredOption('--side <side>', 'source or target', (v) => {
      if (v !== 'source' && v !== 'target') throw new InvalidArgumentError('must be source or target');
      return v;
    })
    .action(
      action<Common & { side: 'source' | 'target' }>(program, async (store, o, id) => {
        const [pw] = await readSecretLines([`${o.side} password: `]);
        if (!pw) throw new PgferryError('PGFERRY_E_USAGE', 'no password given', {});
        svc.setTaskPassword(store, id, o.side, pw);
        process.stdout.write(`${o.side} password stored (encrypted)\n`);
      }),
    );

  storeOption(task.command('release <id>'))
    .description("remove the task and its checkpoints on the target (the migrated objects and rows stay)")
    .option('--json', 'JSON')
    .action(
      action<Common>(program, async (store, o, id) => {
        const t = store.get(id);
        const r = await svc.releaseTask(store, t.id);
        if (o.json) jsonLine({ event: 'released', id: t.id, checkpointsDropped: r.marksDropped });
        else
          process.stdout.write(
            `task ${t.id} released${r.marksDropped ? '; its checkpoints on the target are dropped' : ''}. What it migrated stays on the target; it can no longer be resumed.\n`,
          );
      }),
    );
}
