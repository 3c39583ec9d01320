/**
 * `pgferry task create` (a task from flags and/or a task file) and `pgferry task spec-schema`
 * (the JSON Schema such a file follows).
 */
import fs from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { PgferryError } from '../errors.js';
import type { TaskSpecInput } from '../config/task-spec.js';
import { connHelp, parseJobs, parsePriority, parseRate, parseRetries, passwordStdinOption, specWithFlags, withIncrementalOptions, withSelectionOptions, type PasswordStdinFlags, type SpecFlags } from './flags.js';
import { passwordsFromStdin, readSecretLines } from './read-passwords.js';
import { jsonLine } from './output.js';
import { YAML, action, command, specs, storeOption, svc, withStore, type Common } from './task-action.js';

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

/** Registers `task create`: the one way a task comes into the store from the command line. */
export function registerTaskCreateCommand(task: Command, program: Command): void {
  withIncrementalOptions(withSelectionOptions(storeOption(task.command('create'))))
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
    .option('--priority <n>', "fleet mode: workers take higher-priority tasks' runs and copy units first (-100 to 100, default 0)", parsePriority)
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
        const t = await withStore(o, async (store) => await svc.createTask(store, input, undefined, { passwords }));
        if (o.json) jsonLine({ event: 'task', id: t.id, name: t.name, state: t.state, specHash: t.specHash });
        else process.stdout.write(`task ${t.id} created: ${t.name}\nnext: pgferry task precheck ${t.id.slice(0, 8)}\n`);
      }),
    );
}

/** Registers `task duplicate`: a new task with another's spec, jobs, rate and stored passwords. */
export function registerTaskDuplicateCommand(task: Command, program: Command): void {
  storeOption(task.command('duplicate <id>'))
    .description("a new task with this one's spec, jobs, rate and stored passwords (none of its runs); prints its ID")
    .option('--name <name>', 'its name (default: "<name> (copy)")')
    .option('--json', 'print the task as JSON')
    .action(
      action<Common & { name?: string }>(program, async (store, o, id) => {
        const t = await svc.duplicateTask(store, id, undefined, { name: o.name });
        if (o.json) jsonLine({ event: 'task', id: t.id, name: t.name, state: t.state, specHash: t.specHash });
        else process.stdout.write(`task ${t.id} created: ${t.name}\nnext: pgferry task precheck ${t.id.slice(0, 8)}\n`);
      }),
    );
}

/** Registers `task spec-schema`, so that editors and CI can check task files before create. */
export function registerTaskSpecSchemaCommand(task: Command): void {
  task
    .command('spec-schema')
    .description('print the JSON Schema of task files')
    .action(async () => {
      const { taskSpecJsonSchema } = await import('../config/task-spec.js');
      process.stdout.write(`${JSON.stringify(taskSpecJsonSchema(), null, 2)}\n`);
    });
}
