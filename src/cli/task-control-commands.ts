/**
 * The task subcommands that change a task: `task stop`, `task cutover` (an incremental task's
 * switch to the target), `task set` (jobs, rate), `task set-password` and `task release`.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { ExitCode, PgferryError } from '../errors.js';
import { parseJobs, parseRate } from './flags.js';
import { readSecretLines } from './read-passwords.js';
import { jsonLine } from './output.js';
import { action, storeOption, svc, type Common } from './task-action.js';

/** The --max-lag value: seconds behind the source, a non-negative number. */
function parseMaxLag(v: string): number {
  const n = Number(v);
  if (!v.trim() || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number of seconds, 0 or more');
  return n;
}

/** Registers `task stop`, `task cutover`, `task set`, `task set-password` and `task release`, in that order. */
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

  storeOption(task.command('cutover <id>'))
    .description('switch a streaming incremental task to the target: once the stream is close enough, apply the rest, set sequences, and complete')
    .option('--block-writes', 'make the source read-only for new transactions and end the sessions that could still write (the downtime is measured from then)')
    .option('--max-lag <seconds>', 'start the cutover once the target is at most this many seconds behind (default 10)', parseMaxLag)
    .option('--no-verify', 'skip the full verify that runs after the switch (outside the downtime)')
    .option('--wait', 'wait until the task has completed (or failed, or stopped), its verify included')
    .option('--json', 'JSON')
    .action(
      action<Common & { blockWrites?: boolean; maxLag?: number; wait?: boolean; verify: boolean }>(program, async (store, o, id) => {
        const req = { blockWrites: Boolean(o.blockWrites), ...(o.maxLag !== undefined ? { maxLagSeconds: o.maxLag } : {}), ...(o.verify ? {} : { verify: false }) };
        const t = await svc.requestCutover(store, id, req, Boolean(o.wait));
        const state = svc.effectiveState(t);
        const cutover = (t.summary as { cutover?: { downtimeSeconds: number; lsn: string } } | null)?.cutover;
        const verified = o.wait && cutover ? await store.latestVerify(t.id) : null;
        const verifyOk = verified ? verified.report.ok : null;
        if (o.json) jsonLine({ event: 'cutover', id: t.id, state, cutoverRequest: t.cutoverRequest, cutover: cutover ?? null, verifyOk });
        else if (!o.wait) process.stdout.write(`task ${t.id.slice(0, 8)}: cutover requested; it starts once the stream is close enough (pgferry task status ${t.id.slice(0, 8)} --watch)\n`);
        else
          process.stdout.write(
            `task ${t.id.slice(0, 8)}: ${state}${cutover ? `, cut over at ${cutover.lsn} with ${cutover.downtimeSeconds.toFixed(1)} s of downtime` : ''}` +
              `${verifyOk === null ? '' : verifyOk ? '; verify passed' : '; VERIFY FOUND DIFFERENCES (pgferry task verify ' + t.id.slice(0, 8) + ' shows them)'}${t.error ? `: ${t.error}` : ''}\n`,
          );
        if (!o.wait) return ExitCode.ok;
        if (verifyOk === false) return ExitCode.verifyMismatch;
        return state === 'failed' || state === 'interrupted' ? ExitCode.failed : state === 'stopped' ? ExitCode.stopped : ExitCode.ok;
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
        const t = await svc.setThroughput(store, id, { jobs: o.jobs, maxRateMBps: o.maxRate === 'off' ? null : o.maxRate });
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
        await svc.setTaskPassword(store, id, o.side, pw);
        process.stdout.write(`${o.side} password stored (encrypted)\n`);
      }),
    );

  storeOption(task.command('release <id>'))
    .description("remove the task, its checkpoints on the target and an incremental task's replication slot and publication on the source (the migrated objects and rows stay)")
    .option('--skip-source', "incremental: do not connect to the source (it is gone, or its slot was dropped by hand)")
    .option('--json', 'JSON')
    .action(
      action<Common & { skipSource?: boolean }>(program, async (store, o, id) => {
        const t = await store.get(id);
        const r = await svc.releaseTask(store, t.id, undefined, { skipSource: Boolean(o.skipSource) });
        const s = r.stream;
        const dropped = s && (s.slot || s.publication) ? `; on the source: ${[s.slot ? `slot ${s.name}` : '', s.publication ? `publication ${s.name}` : ''].filter(Boolean).join(' and ')} dropped` : '';
        if (o.json) jsonLine({ event: 'released', id: t.id, checkpointsDropped: r.marksDropped, slotDropped: s?.slot ?? false, publicationDropped: s?.publication ?? false });
        else
          process.stdout.write(
            `task ${t.id} released${r.marksDropped ? '; its checkpoints on the target are dropped' : ''}${dropped}. What it migrated stays on the target; it can no longer be resumed.\n`,
          );
      }),
    );
}
