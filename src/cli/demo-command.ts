/**
 * The demo command: start, load, migrate, verify, show how to connect, wait for Ctrl-C. SIGINT
 * or SIGTERM at any moment stops both servers and removes their folders before it exits.
 */
import { resolveConnInfo } from '../config/conninfo.js';
import { startDemo, type Demo, type DemoServers } from '../demo/run-demo.js';
import { runMigration } from '../run/run-migration.js';
import { runVerify } from '../verify/run-verify.js';
import { ExitCode } from '../errors.js';
import { jsonLine, migrationSink } from './output.js';
import { printVerifyReport } from './verify-output.js';

type Say = (text: string) => void;

/**
 * Runs the demo and returns the exit code; without --exit it waits for Ctrl-C (then 0). A signal
 * before the demo is through returns 9 (stopped on request), after cleaning up the same way.
 */
export async function runDemoCommand(o: { exit: boolean; scale: number; json: boolean }): Promise<number> {
  const say: Say = (text) => (o.json ? jsonLine({ event: 'demo', message: text }) : process.stdout.write(`${text}\n`));
  const signals = trapStopSignals();
  let demo: Demo | undefined;
  try {
    say('starting two embedded PostgreSQL servers and loading the sample database...');
    demo = startDemo(o.scale);
    const outcome = await Promise.race([migrateAndVerify(demo, o, say, signals), signals.received]);
    if (typeof outcome === 'string') {
      signals.abandonWork();
      await demo.stop('immediate');
      say(`${outcome}: servers stopped and removed before the demo finished.`);
      return ExitCode.stopped;
    }
    if (outcome !== ExitCode.ok || o.exit) {
      await demo.stop();
      say('servers stopped.');
      return outcome;
    }
    say('servers keep running; press Ctrl-C to stop them.');
    // signal handlers alone do not keep node's event loop alive (it would end with exit code 13)
    const keepAlive = setInterval(() => {}, 1 << 30);
    await signals.received;
    clearInterval(keepAlive);
    await demo.stop();
    say('servers stopped.');
    return ExitCode.ok;
  } catch (err) {
    await demo?.stop('immediate');
    throw err;
  } finally {
    signals.release();
  }
}

/** Waits for the servers, migrates, verifies and prints how to connect; returns the exit code. */
async function migrateAndVerify(demo: Demo, o: { json: boolean }, say: Say, signals: StopSignals): Promise<number> {
  const d: DemoServers = await demo.ready;
  say(`source: ${d.sourceConn} (PostgreSQL ${d.source.major})`);
  say(`target: ${d.targetConn} (PostgreSQL ${d.target.major})`);
  const source = resolveConnInfo(d.sourceConn);
  const target = resolveConnInfo(d.targetConn);
  const sink = migrationSink(o.json);
  // once a signal has come, the migration's last words (broken connections) are noise
  await runMigration({ source, target, jobs: 2, schemaOnly: false, dataOnly: false, onEvent: (e) => {
    if (!signals.abandoned) sink(e);
  } });
  const report = await runVerify({ source, target, jobs: 2 });
  if (signals.abandoned) return ExitCode.stopped;
  if (o.json) jsonLine({ event: 'verify', ...report });
  else printVerifyReport(report, process.stdout);
  if (!report.ok) return ExitCode.verifyMismatch;
  say('connect with:');
  say(`  psql "${d.sourceConn}"    # source`);
  say(`  psql "${d.targetConn}"    # target`);
  return ExitCode.ok;
}

interface StopSignals {
  /** The first SIGINT or SIGTERM. */
  received: Promise<NodeJS.Signals>;
  /** Set once the work in flight was given up for a signal. */
  abandoned: boolean;
  /** Gives up the work in flight: whatever its broken connections throw from now on is ignored. */
  abandonWork(): void;
  release(): void;
}

/**
 * Takes SIGINT and SIGTERM from the start (a later signal during cleanup is swallowed rather than
 * killing the process with the servers still up).
 */
function trapStopSignals(): StopSignals {
  let resolve!: (s: NodeJS.Signals) => void;
  const received = new Promise<NodeJS.Signals>((r) => (resolve = r));
  const onSignal = (s: NodeJS.Signals) => resolve(s);
  const ignore = () => {};
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const out: StopSignals = {
    received,
    abandoned: false,
    abandonWork() {
      out.abandoned = true;
      process.on('uncaughtException', ignore);
      process.on('unhandledRejection', ignore);
    },
    release() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
  return out;
}
