/** Where CLI output goes: progress and results on stdout, errors on stderr, JSON when asked. */
import type { MigrationEvent, MigrationSummary } from '../run/events.js';
import { createProgressView } from './progress-view.js';
import { ExitCode, PgferryError, messageOf } from '../errors.js';
import { redact } from '../logger.js';

/** JSON lines when asked for or when stdout is not a terminal; progress bars otherwise. */
export function useJson(flag: boolean | undefined): boolean {
  return Boolean(flag) || !process.stdout.isTTY;
}

/** Writes one JSON event line (with a timestamp) to stdout. */
export function jsonLine(obj: object): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...obj })}\n`);
}

/** The event sink for `migrate` and `demo`. */
export function migrationSink(json: boolean): (e: MigrationEvent) => void {
  if (json) return (e) => jsonLine({ event: e.type, ...e, type: undefined });
  return createProgressView(process.stdout);
}

/** Prints an error as one line on stderr (and the details with --debug); returns the exit code. */
export function reportError(err: unknown, debug: boolean, json: boolean): number {
  const e =
    err instanceof PgferryError ? err : new PgferryError('PGFERRY_E_INTERNAL', messageOf(err), { cause: err, fix: 'run with --debug and report it' });
  process.stderr.write(`pgferry: error ${redact(e.toLine())}\n`);
  if (json) jsonLine({ event: 'error', code: e.code, object: e.object, message: redact(e.message), fix: e.fix });
  if (debug) {
    if (e.sql) process.stderr.write(`  SQL: ${redact(e.sql)}\n`);
    const cause = (e as { cause?: unknown }).cause;
    process.stderr.write(`${redact(String((cause instanceof Error ? cause : e).stack ?? ''))}\n`);
  }
  return e.exitCode;
}

/**
 * The exit code of a finished run (docs/errors.md): 5 when objects were rejected, 4 when the
 * cutover's check found a difference, 11 when the
 * copied rows come from more than one snapshot of the source, 7 when objects were skipped, else 0.
 */
export function summaryExitCode(s: MigrationSummary): number {
  if (s.failures.length) return ExitCode.objectRejected;
  if (s.cutover?.check && !s.cutover.check.ok && !s.cutover.check.error) return ExitCode.verifyMismatch;
  if (s.dataSnapshots > 1) return ExitCode.completedFromSeveralSnapshots;
  return s.skipped.length ? ExitCode.completedWithSkipped : ExitCode.ok;
}
