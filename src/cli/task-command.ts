/**
 * `pgferry task ...`: migration tasks kept in the local store — create, list, show, test,
 * precheck, start, status, stop, resume, set, set-password, release, spec-schema.
 */
import fs from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { ExitCode, PgferryError } from '../errors.js';
import { createLogger, redact } from '../logger.js';
import type { TaskStore } from '../task/task-store.js';
import type { TaskSpecInput } from '../config/task-spec.js';
import { connHelp, parseJobs, parseRate, parseRetries, passwordStdinOption, specWithFlags, withSelectionOptions, type PasswordStdinFlags, type SpecFlags } from './flags.js';
import { passwordsFromStdin, readSecretLines } from './read-passwords.js';
import { jsonLine, migrationSink, reportError, summaryExitCode, useJson } from './output.js';
import { printConnectivity } from './connectivity-output.js';
import { printPrecheck } from './precheck-output.js';

// The store (SQLite), the task service, YAML and zod load when a task command runs, not with every
// pgferry command (~90 ms of startup).
let stores: typeof import('../task/task-store.js');
let svc: typeof import('../task/task-service.js');
let specs: typeof import('../config/task-spec.js');
let out: typeof import('./task-output.js');
let YAML: typeof import('yaml');
async function loadTaskModules(): Promise<void> {
  [stores, svc, specs, out, YAML] = await Promise.all([
    import('../task/task-store.js'), import('../task/task-service.js'), import('../config/task-spec.js'), import('./task-output.js'), import('yaml'),
  ]);
}

type Common = { store?: string; json?: boolean };

/** Runs a task command once its modules are loaded, and turns errors into exit codes. */
function command<O extends Common>(program: Command, fn: (o: O, ...args: string[]) => Promise<number | void>) {
  return async (...args: unknown[]) => {
    const positional = args.filter((a) => typeof a === 'string') as string[];
    const o = args.find((a) => a && typeof a === 'object' && !(a as { commands?: unknown }).commands) as O;
    const debug = Boolean(program.opts().debug);
    try {
      await loadTaskModules();
      process.exitCode = (await fn(o, ...positional)) ?? ExitCode.ok;
    } catch (err) {
      process.exitCode = reportError(err, debug, Boolean(o.json));
    }
  };
}

/** Runs `fn` with the store open, creating it (and its folder) on first use. */
async function withStore<T>(o: Common, fn: (store: TaskStore) => Promise<T>): Promise<T> {
  const store = stores.TaskStore.open(o.store);
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

/** A task command that works on the store from its first line. */
function action<O extends Common>(program: Command, fn: (store: TaskStore, o: O, ...args: string[]) => Promise<number | void>) {
  return command<O>(program, (o, ...args) => withStore(o, (store) => fn(store, o, ...args)));
}

const storeOption = (cmd: Command) => cmd.option('--store <file>', 'task store (default: $PGFERRY_STORE or ~/.pgferry/tasks.db)');

/** Reads a task file: YAML, or JSON by its .json extension. */
function readSpecFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new PgferryError('PGFERRY_E_USAGE', `cannot read the task file: ${(err as Error).message}`, { object: file });
  }
  try {
    const v = file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('the file does not hold an object');
    return v as Record<string, unknown>;
  } catch (err) {
    throw new PgferryError('PGFERRY_E_USAGE', `the task file is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`, { object: file, fix: 'see docs/task-spec.schema.json' });
  }
}

type CreateFlags = SpecFlags & Common & PasswordStdinFlags & {
  config?: string; name?: string; source?: string; target?: string; type?: 'schema' | 'full'; askPassword?: boolean; keyFile?: string;
};

/** Fails on what `createTask` would refuse, so that a bad spec leaves no store or key file behind. */
function checkSpec(input: TaskSpecInput): void {
  const spec = specs.parseTaskSpec(input);
  specs.normalizeConn(spec.source);
  specs.normalizeConn(spec.target);
}

/** The passwords `task create` seals: prompted for (--ask-password, empty for none) or from stdin. */
async function createPasswords(o: CreateFlags): Promise<{ source?: string; target?: string }> {
  if (!o.askPassword) return passwordsFromStdin(o, 'task create');
  if (o.sourcePasswordStdin || o.targetPasswordStdin) throw new PgferryError('PGFERRY_E_USAGE', '--ask-password and --*-password-stdin exclude each other', { fix: 'see pgferry task create --help' });
  const [source, target] = await readSecretLines(['source password (empty: none): ', 'target password (empty: none): ']);
  return { source: source || undefined, target: target || undefined };
}

/** The spec from the task file, with every flag given on the command line on top. */
function specFromFlags(o: CreateFlags): TaskSpecInput {
  const spec: Record<string, unknown> = o.config ? readSpecFile(o.config) : {};
  if (o.name) spec.name = o.name;
  if (o.source) spec.source = o.source;
  if (o.target) spec.target = o.target;
  if (o.type) spec.migration = o.type;
  if (!spec.source || !spec.target) throw new PgferryError('PGFERRY_E_USAGE', 'a task needs a source and a target', { fix: 'give --source and --target, or a --config file with both' });
  return specWithFlags(spec, o) as TaskSpecInput;
}

export function registerTaskCommands(program: Command): void {
  const task = program.command('task').description('migration tasks kept in a local store: create, precheck, start, watch, stop, resume, release');

  withSelectionOptions(storeOption(task.command('create')))
    .description('create a task from flags and/or a task file (YAML or JSON, see docs/task-spec.schema.json); prints its ID')
    .option('--config <file>', 'task file; flags given here override it')
    .option('--name <name>', 'a name (generated when not given; need not be unique)')
    .option('--source <conninfo>', `source database: ${connHelp}`)
    .option('--target <conninfo>', `target database: ${connHelp}`)
    .option(...passwordStdinOption('source'))
    .option(...passwordStdinOption('target'))
    .option('--type <type>', 'schema (schema migration) or full (schema and all data; the default)', (v) => {
      if (v !== 'schema' && v !== 'full') throw new InvalidArgumentError('must be schema or full');
      return v;
    })
    .option('--jobs <n>', 'parallel workers (changeable while it runs: pgferry task set)', parseJobs)
    .option('--max-rate <MBps>', 'most megabytes per second the copy moves (changeable while it runs)', parseRate)
    .option('--retries <n>', 'automatic resumes after transient failures (default 5)', parseRetries)
    .option('--publications', "create the source's publications too")
    .option('--no-owner', 'do not set owners')
    .option('--no-privileges', 'do not copy privileges')
    .option('--strict', 'stop at the first object the target rejects')
    .option('--ask-password', 'prompt for both passwords (stored encrypted with the key file)')
    .option('--json', 'print the task as JSON')
    .action(
      // not `action`: the spec and the passwords are checked before the store is opened (created)
      command<CreateFlags>(program, async (o) => {
        const input = specFromFlags(o);
        checkSpec(input);
        const passwords = await createPasswords(o);
        const t = await withStore(o, async (store) => svc.createTask(store, input, undefined, { passwords }));
        if (o.json) jsonLine({ event: 'task', id: t.id, name: t.name, state: t.state, specHash: t.specHash });
        else process.stdout.write(`task ${t.id} created: ${t.name}\nnext: pgferry task precheck ${t.id.slice(0, 8)}\n`);
      }),
    );

  storeOption(task.command('list'))
    .description('every task: ID, name, state, phase, progress, age')
    .option('--json', 'JSON')
    .action(
      action<Common>(program, async (store, o) => {
        const tasks = store.list().map((t) => ({ task: t, facts: svc.taskFacts(store, t) }));
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
        const t = store.get(id);
        const passwords = { source: Boolean(store.secret(t.id, 'source')), target: Boolean(store.secret(t.id, 'target')) };
        const history = store.history(t.id);
        const f = svc.taskFacts(store, t);
        const verify = store.latestVerify(t.id);
        if (o.json) jsonLine({ event: 'task', ...t, ...f, passwordsStored: passwords, verify: verify && { at: verify.at, ok: verify.report.ok, ...svc.verifyCounts(verify.report) }, history });
        else process.stdout.write(out.renderTaskShow(t, f, passwords, history, verify, out.useColor()));
      }),
    );

  storeOption(task.command('test <id>'))
    .description("Test Connectivity for a task's source and target")
    .option('--json', 'JSON')
    .action(
      action<Common>(program, async (store, o, id) => {
        const report = await svc.testTask(store, id);
        if (o.json) jsonLine({ event: 'connectivity', ...report });
        else printConnectivity(report, process.stdout);
        return report.passed ? ExitCode.ok : ExitCode.connection;
      }),
    );

  storeOption(task.command('precheck <id>'))
    .description('run the precheck for the task as it is now; task start needs it passed')
    .option('--json', 'JSON')
    .action(
      action<Common>(program, async (store, o, id) => {
        const report = await svc.precheckTask(store, id);
        if (o.json) jsonLine({ event: 'precheck', ...report });
        else printPrecheck(report, process.stdout);
        return report.passed ? ExitCode.ok : ExitCode.precheckFailed;
      }),
    );

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
        action<Common & { foreground?: boolean }>(program, async (store, o, id) => {
          const resume = verb === 'resume';
          if (resume) process.stderr.write('pgferry: note: resuming writes into the target again, continuing from the last checkpoint\n');
          if (!o.foreground) {
            const t = store.get(id);
            const { pid, log } = await svc.startInBackground(store, t.id, { resume });
            if (o.json) jsonLine({ event: 'started', id: t.id, pid, log });
            else process.stdout.write(`task ${t.id} ${resume ? 'resumed' : 'started'} in the background (process ${pid}); log: ${log}\nwatch it: pgferry task status ${t.id.slice(0, 8)} --watch\n`);
            return;
          }
          const json = useJson(o.json);
          const logger = createLogger(({ level, message }) => {
            if (level === 'warn' || level === 'error') process.stderr.write(`pgferry: ${level}: ${message}\n`);
          });
          // a background run is stopped cleanly by SIGTERM/SIGINT too: at the next unit boundary
          const t = store.get(id);
          const onSignal = () => {
            try {
              store.update(t.id, { stopRequested: true, state: 'stopping' });
            } catch {
              process.exit(ExitCode.stopped);
            }
          };
          process.once('SIGTERM', onSignal);
          process.once('SIGINT', onSignal);
          const summary = await svc.runTask(store, t.id, { resume, onEvent: migrationSink(json), logger });
          for (const f of summary.failures) process.stderr.write(`pgferry: error ${f.code}: ${f.kind} ${f.name}: ${redact(f.error)}\n`);
          // the run's own summary went by above; the task's covers every run
          const done = store.get(t.id);
          const f = svc.taskFacts(store, done);
          if (json) jsonLine({ event: 'task-summary', id: done.id, state: f.state, outcome: f.outcome, totals: f.totals });
          else process.stdout.write(out.renderTaskEnd(done, f, out.useColor()));
          return summaryExitCode(summary);
        }),
      );
  }

  storeOption(task.command('status <id>'))
    .description('phase, progress, per-table state, rate, ETA and errors; --watch redraws every second until the task ends')
    .option('--json', 'JSON')
    .option('--watch', 'keep showing until the task is no longer running')
    .action(
      action<Common & { watch?: boolean }>(program, async (store, o, id) => {
        const first = store.get(id);
        for (;;) {
          const t = store.get(first.id);
          const units = store.units(t.id);
          const history = store.history(t.id);
          const f = svc.taskFacts(store, t);
          const state = f.state;
          if (o.json)
            jsonLine({
              event: 'status', id: t.id, name: t.name, state, outcome: f.outcome, totals: f.totals, runs: f.runs, phase: t.phase, progress: t.progress,
              bytesDone: t.bytesDone, bytesTotal: t.bytesTotal, rate: t.rate, jobs: t.jobs, maxRateMBps: t.maxRateMBps, error: t.error, units,
            });
          else {
            if (o.watch && process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
            process.stdout.write(out.renderTaskStatus(t, f, units, history, out.useColor()));
          }
          if (!o.watch || (state !== 'running' && state !== 'stopping')) {
            return state === 'failed' || state === 'interrupted' ? ExitCode.failed : state === 'stopped' ? ExitCode.stopped : ExitCode.ok;
          }
          await new Promise((r) => setTimeout(r, 1000));
        }
      }),
    );

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

  task
    .command('spec-schema')
    .description('print the JSON Schema of task files')
    .action(async () => {
      const { taskSpecJsonSchema } = await import('../config/task-spec.js');
      process.stdout.write(`${JSON.stringify(taskSpecJsonSchema(), null, 2)}\n`);
    });
}
