/**
 * The pgferry command line. The only module that reads flags and calls process.exit; every
 * command is a thin face over the library.
 */
import { Command, InvalidArgumentError } from 'commander';
import { registerTaskCommands } from './task-command.js';
import { registerServeCommand } from './serve-command.js';
import {
  connHelp, parseJobs, parseJobsLike, parseRate, parseRetries, passwordStdinOption, specWithFlags, withIncrementalOptions, withSelectionOptions, type PasswordStdinFlags, type SpecFlags,
} from './flags.js';
import { stopOnSignal } from './stop-on-signal.js';
import { registerSlotsCommand } from './slots-command.js';
import { registerWorkerCommands } from './worker-command.js';
import { defaultJobs } from '../config/jobs.js';
import { parseSpecBody, type SpecBody } from '../config/task-spec.js';
import { planInputs } from '../plan/plan-inputs.js';
import { runOptionsFromSpec } from '../run/run-options.js';
import { connInfoWithStdin } from './read-passwords.js';
import { runWithRetries } from '../run/run-with-retries.js';
import { ExitCode, PgferryError } from '../errors.js';
import { createLogger } from '../logger.js';
import { jsonLine, migrationSink, reportError, summaryExitCode, useJson } from './output.js';
import { redact } from '../logger.js';
import { printVerifyReport } from './verify-output.js';
import { runVerify, type VerifyReport } from '../verify/run-verify.js';
import { runDemoCommand } from './demo-command.js';
import { planFromSource } from '../plan/review-plan.js';
import { testConnectivity } from '../pg/test-connectivity.js';
import { printConnectivity } from './connectivity-output.js';
import { runPrecheck } from '../precheck/run-precheck.js';
import { printPrecheck } from './precheck-output.js';
import { renderPlanScript, type Section } from './schema-output.js';

const program = new Command();
program
  .name('pgferry')
  .description('Move a PostgreSQL database to another PostgreSQL server: schema, data, indexes and sequences, verified.')
  .option('--debug', 'print stack traces and failing SQL on errors')
  .showHelpAfterError()
  // before the commands are added, so that they inherit it: a usage error exits 2
  .exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : ExitCode.usage);
  });


withIncrementalOptions(withSelectionOptions(program.command('migrate')))
  .description('migrate one database: pre-data schema, data, post-data (keys, indexes, foreign keys, triggers), sequences, ANALYZE')
  .requiredOption('--source <conninfo>', `source database: ${connHelp}`)
  .requiredOption('--target <conninfo>', `target database (must exist): ${connHelp}`)
  .option(...passwordStdinOption('source'))
  .option(...passwordStdinOption('target'))
  .option('--jobs <n>', 'parallel workers for data and indexes', parseJobs, defaultJobs())
  .option('--max-rate <MBps>', 'most megabytes per second the copy moves, all workers together', parseRate)
  .option('--schema-only', 'create the schema only, copy no data')
  .option('--data-only', 'copy data into an existing schema (no DDL)')
  .option('--json', 'one JSON event per line on stdout (the default without a terminal)')
  .option('--retries <n>', 'after a lost connection, a restarting server, a deadlock: start again this many times, resuming (backoff 1 s doubling to 30 s)', parseRetries, 5)
  .option('--resume', 'continue the run that did not finish on this target: what it finished is not done again')
  .option('--strict', 'stop at the first object the target rejects (default: list it, skip what needs it, go on)')
  .option('--publications', "create the source's publications too (off by default)")
  .option('--no-owner', 'do not set owners: every object belongs to the target user')
  .option('--no-privileges', 'do not copy privileges (GRANT/REVOKE, column and default privileges)')
  .option('--split-tables', 'copy large tables in several block-range units at once (source 14+; pays with more cores than 2)')
  .option('--early-indexes', "build a table's indexes as soon as its data is in, while other tables copy (pays with more cores than 2)")
  .option('--cutover-when-caught-up', 'incremental: cut over as soon as the stream has caught up, then exit (without it: stream until SIGINT/SIGTERM, which stops with the slot kept)')
  .option('--block-writes', 'with --cutover-when-caught-up: make the source read-only for new transactions and end the sessions that could still write')
  .option('--no-verify', 'with --cutover-when-caught-up: skip the full verify that runs after the switch (outside the downtime)')
  .action(async (o: MigrateFlags) => {
    const json = useJson(o.json);
    const debug = Boolean(program.opts().debug);
    let signals: ReturnType<typeof stopOnSignal> | undefined;
    try {
      if (o.schemaOnly && o.dataOnly) throw usageError('--schema-only and --data-only exclude each other');
      if (o.blockWrites && !o.cutoverWhenCaughtUp) throw usageError('--block-writes goes with --cutover-when-caught-up');
      if (o.cutoverWhenCaughtUp && !o.incremental) throw usageError('--cutover-when-caught-up goes with --incremental');
      if (o.verify === false && !o.cutoverWhenCaughtUp) throw usageError('--no-verify goes with --cutover-when-caught-up');
      const spec = specOf(o, o.schemaOnly ? 'schema' : 'full');
      const conn = await connInfoWithStdin({ source: o.source, target: o.target }, o, 'migrate');
      const logger = createLogger(({ level, message }) => {
        if (level === 'warn' || level === 'error' || debug) process.stderr.write(`pgferry: ${level}: ${message}\n`);
      }, debug ? 'debug' : 'info');
      const run = runOptionsFromSpec(spec, { source: conn.source!, target: conn.target! }, { dataOnly: o.dataOnly, resume: Boolean(o.resume), onEvent: migrationSink(json), logger });
      // an incremental run streams until told: a signal stops it gracefully (other runs keep Node's default)
      if (run.incremental) {
        signals = stopOnSignal({ jobs: run.jobs, maxRateMBps: run.maxRateMBps, note: (t) => process.stderr.write(`pgferry: ${t}\n`) });
        run.control = signals.control;
      }
      if (o.cutoverWhenCaughtUp) run.cutoverWhenCaughtUp = { blockWrites: Boolean(o.blockWrites) };
      const summary = await runWithRetries(run, { retries: spec.options.retries });
      // each rejected object as an error line on stderr, like a failure that stops the run
      for (const f of summary.failures) process.stderr.write(`pgferry: error ${f.code}: ${f.kind} ${f.name}: ${redact(f.error)}\n`);
      process.exitCode = summaryExitCode(summary);
      // as a task does: the full verify after the switch, outside the downtime; a difference exits 4
      if (summary.cutover && o.verify !== false) {
        const report = await runVerify({ source: conn.source!, target: conn.target!, jobs: run.jobs, selection: spec.objects, mapping: spec.mapping });
        if (showVerify(report, json) !== ExitCode.ok) process.exitCode = ExitCode.verifyMismatch;
      }
    } catch (err) {
      process.exitCode = reportError(err, debug, json);
    } finally {
      signals?.dispose();
    }
  });

/** Prints a verify report (a `verify` event with --json) and returns its exit code. */
function showVerify(report: VerifyReport, json: boolean): number {
  if (json) jsonLine({ event: 'verify', ...report });
  else printVerifyReport(report, process.stdout);
  return report.ok ? ExitCode.ok : ExitCode.verifyMismatch;
}

type MigrateFlags = {
  source: string; target: string; schemaOnly?: boolean; dataOnly?: boolean; json?: boolean; resume?: boolean; cutoverWhenCaughtUp?: boolean; blockWrites?: boolean; verify?: boolean;
} & SpecFlags & PasswordStdinFlags;

program
  .command('test-connection')
  .description('Test Connectivity: connect to the source and/or the target and say Passed, or Failed with the step and a fix')
  .option('--source <conninfo>', `source database: ${connHelp}`)
  .option('--target <conninfo>', `target database: ${connHelp}`)
  .option(...passwordStdinOption('source'))
  .option(...passwordStdinOption('target'))
  .option('--json', 'print the report as JSON')
  .action(async (o: { source?: string; target?: string; json?: boolean } & PasswordStdinFlags) => {
    const debug = Boolean(program.opts().debug);
    try {
      if (!o.source && !o.target) throw new PgferryError('PGFERRY_E_USAGE', 'give --source, --target or both', { fix: 'see pgferry test-connection --help' });
      const report = await testConnectivity(await connInfoWithStdin({ source: o.source || undefined, target: o.target || undefined }, o, 'test-connection'));
      if (o.json) jsonLine({ event: 'connectivity', ...report });
      else printConnectivity(report, process.stdout);
      process.exitCode = report.passed ? ExitCode.ok : ExitCode.connection;
    } catch (err) {
      process.exitCode = reportError(err, debug, Boolean(o.json));
    }
  });

withIncrementalOptions(withSelectionOptions(program.command('precheck')))
  .description('check source and target before a migration: each item pass, warn or fail, with detail and fix; exit 0 unless one fails')
  .requiredOption('--source <conninfo>', `source database: ${connHelp}`)
  .requiredOption('--target <conninfo>', `target database: ${connHelp}`)
  .option(...passwordStdinOption('source'))
  .option(...passwordStdinOption('target'))
  .option('--publications', 'the migration will include publications')
  .option('--no-owner', 'the migration will run with --no-owner')
  .option('--no-privileges', 'the migration will run with --no-privileges')
  .option('--jobs <n>', 'the --jobs the migration will use (the connections item counts its sessions)', parseJobs, defaultJobs())
  .option('--json', 'print the report as JSON')
  .action(async (o: { source: string; target: string; json?: boolean } & SpecFlags & PasswordStdinFlags) => {
    const debug = Boolean(program.opts().debug);
    try {
      const spec = specOf(o, 'full');
      const conn = await connInfoWithStdin({ source: o.source, target: o.target }, o, 'precheck');
      // the plan the migration with these flags would execute, judged item by item
      const report = await runPrecheck(conn.source!, conn.target!, planInputs(spec));
      if (o.json) jsonLine({ event: 'precheck', ...report });
      else printPrecheck(report, process.stdout);
      process.exitCode = report.passed ? ExitCode.ok : ExitCode.precheckFailed;
    } catch (err) {
      process.exitCode = reportError(err, debug, Boolean(o.json));
    }
  });

withSelectionOptions(program.command('schema'))
  .description('print, in order, the DDL a migration of this source would run (for review; nothing is changed)')
  .requiredOption('--source <conninfo>', `source database: ${connHelp}`)
  .option(...passwordStdinOption('source'))
  .option('--section <name>', 'only this section: pre-data, data or post-data (repeatable)', collectSection, [])
  .option('--publications', 'include publications')
  .option('--no-owner', 'as migrate --no-owner: no ALTER ... OWNER')
  .option('--no-privileges', 'as migrate --no-privileges: no GRANT/REVOKE')
  .action(async (o: { source: string; section: Section[] } & SpecFlags & PasswordStdinFlags) => {
    const debug = Boolean(program.opts().debug);
    try {
      const spec = specOf(o, 'full');
      const conn = await connInfoWithStdin({ source: o.source }, o, 'schema');
      const { plan, sequenceValues } = await planFromSource(conn.source!, planInputs(spec));
      const sections: Section[] = o.section.length ? o.section : ['pre-data', 'data', 'post-data'];
      process.stdout.write(renderPlanScript(plan, sequenceValues, sections));
      process.exitCode = plan.skipped.length ? ExitCode.completedWithSkipped : ExitCode.ok;
    } catch (err) {
      process.exitCode = reportError(err, debug, false);
    }
  });

withSelectionOptions(program.command('verify'))
  .description('compare source and target: tables, row counts, checksums per key range, sequence values; exit 0 only when equal')
  .requiredOption('--source <conninfo>', `source database: ${connHelp}`)
  .requiredOption('--target <conninfo>', `target database: ${connHelp}`)
  .option(...passwordStdinOption('source'))
  .option(...passwordStdinOption('target'))
  .option('--jobs <n>', 'parts of tables (key ranges or page runs) checked in parallel, each on both sides at once', parseJobs, defaultJobs())
  .option('--rows-per-range <n>', 'split keyed tables into ranges of about this many rows', parseJobsLike, 1_000_000)
  .option('--json', 'print the report as JSON')
  .action(async (o: { source: string; target: string; jobs: number; rowsPerRange: number; json?: boolean } & SpecFlags & PasswordStdinFlags) => {
    const debug = Boolean(program.opts().debug);
    try {
      const spec = specOf(o, 'full');
      const conn = await connInfoWithStdin({ source: o.source, target: o.target }, o, 'verify');
      const report = await runVerify({ source: conn.source!, target: conn.target!, jobs: o.jobs, rowsPerRange: o.rowsPerRange, selection: spec.objects, mapping: spec.mapping });
      process.exitCode = showVerify(report, Boolean(o.json));
    } catch (err) {
      process.exitCode = reportError(err, debug, Boolean(o.json));
    }
  });

program
  .command('demo')
  .description('start two embedded PostgreSQL servers, load a sample database, migrate it with progress, verify, and keep both up until Ctrl-C')
  .option('--exit', 'stop the servers and exit after a verified migration')
  .option('--scale <n>', 'sample size multiplier (1 = about 400,000 rows)', parseFloat, 1)
  .option('--json', 'JSON events instead of progress bars')
  .action(async (o: { exit?: boolean; scale: number; json?: boolean }) => {
    const debug = Boolean(program.opts().debug);
    const json = useJson(o.json);
    try {
      process.exitCode = await runDemoCommand({ exit: Boolean(o.exit), scale: o.scale, json });
    } catch (err) {
      process.exitCode = reportError(err, debug, json);
    }
  });

function collectSection(v: string, prev: Section[]): Section[] {
  if (v !== 'pre-data' && v !== 'data' && v !== 'post-data') throw new InvalidArgumentError('must be pre-data, data or post-data');
  return [...prev, v];
}

/** The TaskSpec (without connections) these flags make: what every command then runs from. */
function specOf(o: SpecFlags, migration: SpecBody['migration']): SpecBody {
  return parseSpecBody(specWithFlags({ migration }, o));
}

function usageError(message: string): PgferryError {
  return new PgferryError('PGFERRY_E_USAGE', message, { fix: 'see pgferry migrate --help' });
}


registerTaskCommands(program);
registerServeCommand(program);
registerSlotsCommand(program);
registerWorkerCommands(program);
await program.parseAsync(process.argv);
// every command has finished (the demo waits for Ctrl-C itself): leave even if a handle lingers
process.exit(process.exitCode ?? 0);
