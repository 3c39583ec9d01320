/** Prints a Test Connectivity report for a person. */
import type { ConnectivityReport } from '../pg/test-connectivity.js';
import { redact } from '../logger.js';

/** One line per side: Passed with version and TLS, or Failed at a step with the cause and a fix. */
export function printConnectivity(r: ConnectivityReport, out: NodeJS.WritableStream): void {
  for (const s of r.sides) {
    const head = `${s.side.padEnd(6)} ${s.endpoint}:`;
    if (s.passed) out.write(`${head} Passed (PostgreSQL ${s.serverVersion}, TLS ${s.tls ? 'on' : 'off'}, ${s.milliseconds} ms)\n`);
    else out.write(`${head} Failed at ${s.failedStep}: ${redact(s.message ?? '')}\n${' '.repeat(7)}fix: ${s.fix ?? 'check the connection settings'}\n`);
  }
}
