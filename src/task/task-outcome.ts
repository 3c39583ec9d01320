/**
 * How a completed task ended, read from the summary its last run stored: cleanly, with objects
 * the target rejected, with objects pgferry skipped, or with rows from more than one snapshot of
 * the source. These are shown states, derived, never stored: the store keeps `completed` and the
 * summary, so its state machine stays created → running → completed | failed | stopped.
 */
import type { MigrationSummary } from '../run/events.js';

/** The words every face (CLI, API, console) shows for a completed task, most serious first. */
export const COMPLETED_STATES = ['completed with errors', 'completed from several snapshots', 'completed with skipped objects', 'completed'] as const;
export type CompletedState = (typeof COMPLETED_STATES)[number];

export interface TaskOutcome {
  /** The shown state (the same as the task's `state`). */
  state: CompletedState;
  /** error: red; warning: amber; ok: green. */
  severity: 'ok' | 'warning' | 'error';
  /** Objects the target rejected. */
  rejected: number;
  /** Objects not tried because they needed a rejected one. */
  notTried: number;
  /** Objects pgferry cannot move (C-language functions and what needs them, ...), each with a reason. */
  skipped: number;
  /** Source snapshots the copied rows came from. */
  dataSnapshots: number;
}

/**
 * The outcome of a stored summary, in the order the CLI picks exit codes (5, then 11, then 7):
 * errors win over several snapshots, which win over skipped objects. Reads only the summary's
 * lists and counts, so summaries stored by older versions still give an answer.
 */
export function outcomeOf(summary: unknown): TaskOutcome {
  const s = (summary ?? {}) as Partial<MigrationSummary>;
  const failures = Array.isArray(s.failures) ? s.failures : [];
  const skipped = Array.isArray(s.skipped) ? s.skipped.length : 0;
  const dataSnapshots = typeof s.dataSnapshots === 'number' ? s.dataSnapshots : 1;
  const notTried = failures.filter((f) => f.blockedBy).length;
  const counts = { rejected: failures.length - notTried, notTried, skipped, dataSnapshots };
  if (failures.length) return { state: 'completed with errors', severity: 'error', ...counts };
  if (dataSnapshots > 1) return { state: 'completed from several snapshots', severity: 'warning', ...counts };
  if (skipped) return { state: 'completed with skipped objects', severity: 'warning', ...counts };
  return { state: 'completed', severity: 'ok', ...counts };
}

/** One line naming what went wrong (empty for a clean completion), for history and CLI hints. */
export function describeOutcome(o: TaskOutcome): string {
  const parts = [
    o.rejected ? `${o.rejected} object(s) rejected by the target` : '',
    o.notTried ? `${o.notTried} not tried because they needed one` : '',
    o.skipped ? `${o.skipped} object(s) skipped` : '',
    o.dataSnapshots > 1 ? `rows from ${o.dataSnapshots} snapshots of the source` : '',
  ];
  return parts.filter(Boolean).join(', ');
}
