/**
 * How tasks look on a terminal: the list, one task's spec and history, its live status. A task
 * that completed with rejected objects is red, one with skipped objects or rows from several
 * snapshots amber (on a terminal, unless NO_COLOR is set), and each says where the list is.
 */
import type { HistoryEntry, StoredVerify, TaskRecord, UnitProgress } from '../task/task-store.js';
import { verifyCounts, type TaskFacts } from '../task/task-facts.js';
import { describeOutcome, type TaskOutcome } from '../task/task-outcome.js';
import type { MigrationSummary } from '../run/events.js';
import { redact } from '../logger.js';
import { describeStream, fmtBytes } from './progress-view.js';
import { streamObjectName } from '../cdc/slot-lifecycle.js';

/** Whether to colour states: stdout is a terminal and NO_COLOR is not set (no-color.org). */
export function useColor(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(process.stdout.isTTY) && !env.NO_COLOR;
}

const RED = '\x1b[31m';
const AMBER = '\x1b[33m';
const GREEN = '\x1b[32m';
const RESET = '\x1b[0m';

/** The colour of a shown state: red for errors, failures and interruptions, amber for warnings and stops. */
function stateColor(state: string): string {
  if (state === 'completed') return GREEN;
  if (state === 'completed with errors' || state === 'failed' || state === 'interrupted') return RED;
  if (state.startsWith('completed') || state === 'stopped' || state === 'stopping' || state === 'slot held') return AMBER;
  return '';
}

/** `text` (already padded) in the colour of `state`. */
function paint(text: string, state: string, color: boolean): string {
  const c = color ? stateColor(state) : '';
  return c ? `${c}${text}${RESET}` : text;
}

/** The hint after a completed task's problems: where to see the objects. */
function outcomeHint(t: TaskRecord, o: TaskOutcome): string {
  const lists = o.rejected || o.notTried ? 'lists them' : o.skipped ? 'lists them with the reasons' : 'has the history';
  return `pgferry task show ${t.id.slice(0, 8)} ${lists}`;
}

const formatBytes = (n: number | null | undefined) => (n === null || n === undefined ? '-' : fmtBytes(n));

function formatAge(iso: string | null, now = Date.now()): string {
  return iso ? formatDuration((now - Date.parse(iso)) / 1000) : '-';
}

function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d`;
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

/** One line per task, newest first, then a line for each task that completed with problems. */
export function renderTaskList(tasks: { task: TaskRecord; facts: TaskFacts }[], color = false): string {
  if (!tasks.length) return 'no tasks (pgferry task create makes one)\n';
  const rows = tasks.map(({ task: t, facts: f }) => [t.id.slice(0, 8), t.name, f.state, t.phase ?? '-', `${Math.round(t.progress * 100)}%`, f.totals.runs ? String(f.totals.rows) : '-', formatAge(t.createdAt)]);
  const head = ['ID', 'NAME', 'STATE', 'PHASE', 'PROGRESS', 'ROWS', 'AGE'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[], state?: string) => r.map((c, i) => (i === 2 && state ? paint(pad(c, widths[i]), state, color) : pad(c, widths[i]))).join('  ').trimEnd();
  const lines = [line(head), ...rows.map((r) => line(r, r[2]))];
  for (const { task: t, facts: f } of tasks) {
    if (f.outcome && f.outcome.severity !== 'ok') lines.push(`${t.id.slice(0, 8)}: ${paint(f.state, f.state, color)}: ${describeOutcome(f.outcome)}; ${outcomeHint(t, f.outcome)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The line `task start/resume --foreground` ends with: how the task ended, its totals, where the list is. */
export function renderTaskEnd(t: TaskRecord, f: TaskFacts, color = false): string {
  const o = f.outcome;
  const problems = o && o.severity !== 'ok' ? `: ${describeOutcome(o)}; ${outcomeHint(t, o)}` : '';
  const totals = `the task copied ${f.totals.rows} rows, ${formatBytes(f.totals.bytes)} in ${formatDuration(f.totals.seconds)} over ${f.totals.runs} run(s)`;
  return `task ${t.id.slice(0, 8)} ${paint(f.state, f.state, color)}${problems}\n${totals}\n`;
}

/** The whole task's totals and each run's own numbers. */
function runLines(f: TaskFacts): string[] {
  if (!f.totals.runs) return [];
  const t = f.totals;
  return [
    `copied: ${t.rows} rows, ${formatBytes(t.bytes)} in ${formatDuration(t.seconds)} over ${t.runs} run(s)`,
    ...f.runs.map((r) => `  run ${r.run} (${r.kind}) ${r.startedAt}: ${pad(r.state, 11)} ${r.rows} rows, ${formatBytes(r.bytes)} in ${formatDuration(r.seconds)}`),
  ];
}

/** The objects a completed run rejected, did not try, or skipped, each with the reason. */
function objectLines(summary: unknown): string[] {
  const s = summary as Partial<MigrationSummary> | null;
  const failures = s?.failures ?? [];
  const rejected = failures.filter((f) => !f.blockedBy);
  const notTried = failures.filter((f) => f.blockedBy);
  const skipped = s?.skipped ?? [];
  return [
    ...(rejected.length ? ['rejected by the target:', ...rejected.map((f) => `  ${f.kind} ${f.name}: ${redact(f.error)}`)] : []),
    ...(notTried.length ? ['not tried (they need a rejected object):', ...notTried.map((f) => `  ${f.kind} ${f.name}: needs ${f.blockedBy}`)] : []),
    ...(skipped.length ? ['skipped (pgferry cannot move them):', ...skipped.map((x) => `  ${x.kind} ${x.name}: ${x.reason}`)] : []),
  ];
}

/** The latest verify in one line. */
function verifyLine(v: StoredVerify | null): string {
  if (!v) return 'verify: not run (POST /api/tasks/ID/verify, or pgferry verify)';
  const c = verifyCounts(v.report);
  return v.report.ok
    ? `verify: passed at ${v.at} (${c.tables} tables, ${c.sequences} sequences, ${c.largeObjects} large objects)`
    : `verify: ${c.differences} difference(s) at ${v.at} (${c.tablesDiffering} of ${c.tables} tables, ${c.sequencesDiffering} sequences, ${c.largeObjectProblems} large object problems)`;
}

/** What `task show` prints: the spec (no passwords: the store has none in plain text), precheck and history. */
export function renderTaskShow(
  t: TaskRecord,
  f: TaskFacts,
  passwords: Record<'source' | 'target', boolean>,
  history: HistoryEntry[],
  verify: StoredVerify | null,
  color = false,
): string {
  const side = (name: 'source' | 'target') => {
    const c = t.spec[name];
    const pw = passwords[name] ? 'stored encrypted' : c.passwordEnv ? `from $${c.passwordEnv}` : 'from PGPASSWORD or ~/.pgpass when it runs';
    return `${name}: ${c.user}@${c.host}:${c.port}/${c.database} sslmode=${c.sslmode} (password ${pw})`;
  };
  const o = t.spec.objects;
  const lists = Object.entries(o).filter(([, v]) => Array.isArray(v) && v.length).map(([k, v]) => `  ${k}: ${(v as string[]).join(', ')}`);
  const m = t.spec.mapping;
  const maps = [
    ...(m.schemas ?? []).map((x) => `  schema ${x.from} → ${x.to}`),
    ...(m.tables ?? []).map((x) => `  table ${x.schema}.${x.from} → ${x.to}`),
    ...(m.columns ?? []).map((x) => `  column ${x.schema}.${x.table}.${x.from} → ${x.to}`),
  ];
  const pc = t.precheck;
  const lines = [
    `task ${t.id}`,
    `name: ${t.name}`,
    `state: ${paint(f.state, f.state, color)}${t.phase ? `, phase ${t.phase}` : ''}, ${Math.round(t.progress * 100)}%`,
    ...(f.outcome && f.outcome.severity !== 'ok' ? [`outcome: ${describeOutcome(f.outcome)} (listed below)`] : []),
    side('source'),
    side('target'),
    `migration: ${t.spec.migration === 'schema' ? 'schema migration' : 'full data migration (schema and data)'}${t.spec.incremental ? `, then incremental until a cutover (${t.spec.options.publication ? `publication ${t.spec.options.publication}` : "pgferry's own publication"}${t.spec.options.setReplicaIdentityFull ? ', replica identity full set where needed' : ''}${(t.spec.options.streamLanes ?? 1) > 1 ? `, through ${t.spec.options.streamLanes} lanes` : ''})` : ''}`,
    `objects: ${lists.length ? '' : 'the whole database'}`,
    ...lists,
    ...(maps.length ? ['name mapping:', ...maps] : []),
    `throughput: jobs ${t.jobs}, max rate ${t.maxRateMBps ? `${t.maxRateMBps} MB/s` : 'unlimited'}, retries ${t.spec.options.retries}`,
    `precheck: ${!pc ? 'not run' : `${pc.passed ? 'passed' : 'failed'} at ${pc.at}${pc.hash === t.specHash ? '' : ' (for an earlier spec)'}`}`,
    ...(t.error ? [`last error: ${t.error}`] : []),
    ...runLines(f),
    verifyLine(verify),
    ...objectLines(t.summary),
    'history:',
    ...history.map((h) => `  ${h.at}  ${pad(h.kind, 13)} ${h.message}`),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * An incremental task's stream: where it stands while it streams (or cuts over), the cutover
 * asked for, and, once its run has stopped without a cutover, that the slot keeps WAL on the source.
 */
function streamStatusLines(t: TaskRecord, f: TaskFacts, color: boolean): string[] {
  if (!t.spec.incremental) return [];
  const live = f.state === 'streaming' || (f.state === 'running' && t.phase === 'cutover');
  const lines: string[] = [];
  if (live && t.streamStatus) lines.push(...describeStream(t.streamStatus).map((l) => `  ${l}`));
  if (live && t.cutoverRequest)
    lines.push(`  cutover requested${t.cutoverRequest.blockWrites ? ', blocking writes' : ''}${t.cutoverRequest.maxLagSeconds !== undefined ? `, at most ${t.cutoverRequest.maxLagSeconds} s behind` : ''}`);
  const ended = f.state === 'stopped' || f.state === 'failed' || f.state === 'interrupted';
  if (ended && t.runId) {
    const held = t.streamStatus ? ` (it held ${formatBytes(t.streamStatus.slotHeldBytes)} at the last report)` : '';
    lines.push(
      paint(
        `  WARNING: ${slotsOf(t.runId, t.streamStatus?.lanes ?? 1)} WAL on the source until pgferry task resume ${t.id.slice(0, 8)} (continues from the recorded position) or pgferry task release ${t.id.slice(0, 8)}${held}`,
        'slot held',
        color,
      ),
    );
  }
  return lines;
}

/** The status block `task status` prints (and redraws with --watch). */
export function renderTaskStatus(t: TaskRecord, f: TaskFacts, units: UnitProgress[], recent: HistoryEntry[], color = false): string {
  const state = f.state;
  const rate = t.rate && t.rate > 0 ? t.rate : null;
  const left = t.bytesTotal && t.bytesDone !== null ? Math.max(0, t.bytesTotal - t.bytesDone) : null;
  const eta = state === 'running' && t.phase === 'data' && rate && left !== null ? `, ETA ${formatDuration(left / rate)}` : '';
  const lines = [
    `task ${t.id.slice(0, 8)} ${t.name}: ${paint(state, state, color)}${t.phase && state === 'running' ? `, phase ${t.phase}` : ''}, ${Math.round(t.progress * 100)}%`,
    `  data ${formatBytes(t.bytesDone)} of ${formatBytes(t.bytesTotal)}${rate ? `, ${formatBytes(rate)}/s` : ''}${eta}; jobs ${t.jobs}, max rate ${t.maxRateMBps ? `${t.maxRateMBps} MB/s` : 'unlimited'}`,
    `  started ${t.startedAt ?? '-'}${t.finishedAt ? `, finished ${t.finishedAt}` : t.startedAt ? ` (${formatAge(t.startedAt)} ago)` : ''}${t.pid ? `, process ${t.pid}` : ''}${t.worker ? ` on worker ${t.worker}` : ''}`,
  ];
  if (state === 'interrupted') lines.push(`  the process running it is gone: pgferry task resume ${t.id.slice(0, 8)} continues from the last checkpoint`);
  lines.push(...streamStatusLines(t, f, color));
  if (f.totals.runs) lines.push(`  copied ${f.totals.rows} rows, ${formatBytes(f.totals.bytes)} in ${formatDuration(f.totals.seconds)} over ${f.totals.runs} run(s)`);
  if (t.error) lines.push(`  error: ${t.error}`);
  const o = f.outcome;
  if (o && (o.rejected || o.notTried))
    lines.push(paint(`  ERRORS: ${[o.rejected ? `${o.rejected} object(s) rejected by the target` : '', o.notTried ? `${o.notTried} not tried because they needed one` : ''].filter(Boolean).join(', ')}; ${outcomeHint(t, o)}`, 'completed with errors', color));
  if (o && o.dataSnapshots > 1)
    lines.push(paint(`  WARNING: completed from ${o.dataSnapshots} snapshots of the source: consistent only if the source took no writes in between (verify it)`, 'completed from several snapshots', color));
  if (o && o.skipped)
    lines.push(paint(`  SKIPPED: ${o.skipped} object(s) pgferry cannot move; ${outcomeHint(t, { ...o, rejected: 0, notTried: 0 })}`, 'completed with skipped objects', color));
  const counts = { pending: 0, copying: 0, done: 0, skipped: 0, failed: 0 };
  for (const u of units) counts[u.state]++;
  if (units.length) {
    lines.push(`  tables: ${counts.done + counts.skipped} of ${units.length} done${counts.skipped ? ` (${counts.skipped} by an earlier run)` : ''}, ${counts.copying} copying, ${counts.pending} waiting${counts.failed ? `, ${counts.failed} not copied (table rejected)` : ''}`);
    const shown = [...units.filter((u) => u.state === 'copying'), ...units.filter((u) => u.state !== 'copying')].slice(0, 15);
    const w = Math.max(5, ...shown.map((u) => u.unit.length));
    lines.push(`  ${pad('TABLE', w)}  STATE     ROWS        BYTES`);
    for (const u of shown) {
      const share = u.totalBytes ? ` of ${formatBytes(u.totalBytes)}` : '';
      lines.push(`  ${pad(u.unit, w)}  ${pad(u.state, 8)}  ${pad(u.rows === null ? '-' : String(u.rows), 10)}  ${formatBytes(u.bytes)}${u.state === 'copying' ? share : ''}`);
    }
    if (units.length > shown.length) lines.push(`  ... and ${units.length - shown.length} more`);
  }
  const problems = recent.filter((h) => h.kind === 'object-failed' || h.kind === 'retry' || h.kind === 'failed');
  for (const h of problems.slice(-5)) lines.push(`  ${h.kind}: ${h.message}`);
  return `${lines.join('\n')}\n`;
}

/** The slot (or each lane's slot) a run keeps on the source, as the warning names them. */
function slotsOf(runId: string, lanes: number): string {
  const base = streamObjectName(runId);
  return lanes > 1 ? `replication slots ${base} and ${base}_2 to ${base}_${lanes} (one per lane) keep` : `replication slot ${base} keeps`;
}
