/** The demo command: start, load, migrate, verify, show how to connect, wait for Ctrl-C. */
import { resolveConnInfo } from '../config/conninfo.js';
import { startDemo } from '../demo/run-demo.js';
import { runMigration } from '../task/run-migration.js';
import { runVerify } from '../verify/run-verify.js';
import { ExitCode } from '../errors.js';
import { jsonLine, migrationSink } from './output.js';
import { printVerifyReport } from './verify-output.js';

/** Runs the demo and returns the exit code; without --exit it waits for Ctrl-C. */
export async function runDemoCommand(o: { exit: boolean; scale: number; json: boolean }): Promise<number> {
  const say = (text: string) => (o.json ? jsonLine({ event: 'demo', message: text }) : process.stdout.write(`${text}\n`));
  say('starting two embedded PostgreSQL servers and loading the sample database...');
  const demo = await startDemo(o.scale);
  const stop = () => Promise.all([demo.source.stop(), demo.target.stop()]);
  try {
    say(`source: ${demo.sourceUri} (PostgreSQL ${demo.source.major})`);
    say(`target: ${demo.targetUri} (PostgreSQL ${demo.target.major})`);
    const source = resolveConnInfo(demo.sourceUri);
    const target = resolveConnInfo(demo.targetUri);
    await runMigration({ source, target, jobs: 2, schemaOnly: false, dataOnly: false, onEvent: migrationSink(o.json) });
    const report = await runVerify({ source, target, jobs: 2 });
    if (o.json) jsonLine({ event: 'verify', ...report });
    else printVerifyReport(report, process.stdout);
    if (!report.ok) {
      await stop();
      return ExitCode.verifyMismatch;
    }
    say('connect with:');
    say(`  psql "${demo.sourceUri}"    # source`);
    say(`  psql "${demo.targetUri}"    # target`);
    if (o.exit) {
      await stop();
      say('servers stopped.');
      return ExitCode.ok;
    }
    say('servers keep running; press Ctrl-C to stop them.');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await stop();
    say('servers stopped.');
    return ExitCode.ok;
  } catch (err) {
    await stop();
    throw err;
  }
}
