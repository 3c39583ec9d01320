/** How tasks look on a terminal: the list, one task's spec and history, its live status. */
import type { HistoryEntry, TaskRecord, UnitProgress } from '../task/task-store.js';
import { effectiveState } from '../task/task-service.js';
import { fmtBytes } from './progress-view.js';

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

/** One line per task, newest first. */
export function renderTaskList(tasks: TaskRecord[]): string {
  if (!tasks.length) return 'no tasks (pgferry task create makes one)\n';
  const rows = tasks.map((t) => [t.id.slice(0, 8), t.name, effectiveState(t), t.phase ?? '-', `${Math.round(t.progress * 100)}%`, formatAge(t.createdAt)]);
  const head = ['ID', 'NAME', 'STATE', 'PHASE', 'PROGRESS', 'AGE'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows].map((r) => r.map((c, i) => pad(c, widths[i])).join('  ').trimEnd()).join('\n') + '\n';
}

/** What `task show` prints: the spec (no passwords: the store has none in plain text), precheck and history. */
export function renderTaskShow(t: TaskRecord, passwords: Record<'source' | 'target', boolean>, history: HistoryEntry[]): string {
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
    `state: ${effectiveState(t)}${t.phase ? `, phase ${t.phase}` : ''}, ${Math.round(t.progress * 100)}%`,
    side('source'),
    side('target'),
    `migration: ${t.spec.migration === 'schema' ? 'schema migration' : 'full data migration (schema and data)'}`,
    `objects: ${lists.length ? '' : 'the whole database'}`,
    ...lists,
    ...(maps.length ? ['name mapping:', ...maps] : []),
    `throughput: jobs ${t.jobs}, max rate ${t.maxRateMBps ? `${t.maxRateMBps} MB/s` : 'unlimited'}, retries ${t.spec.options.retries}`,
    `precheck: ${!pc ? 'not run' : `${pc.passed ? 'passed' : 'failed'} at ${pc.at}${pc.hash === t.specHash ? '' : ' (for an earlier spec)'}`}`,
    ...(t.error ? [`last error: ${t.error}`] : []),
    'history:',
    ...history.map((h) => `  ${h.at}  ${pad(h.kind, 13)} ${h.message}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** The status block `task status` prints (and redraws with --watch). */
export function renderTaskStatus(t: TaskRecord, units: UnitProgress[], recent: HistoryEntry[]): string {
  const state = effectiveState(t);
  const rate = t.rate && t.rate > 0 ? t.rate : null;
  const left = t.bytesTotal && t.bytesDone !== null ? Math.max(0, t.bytesTotal - t.bytesDone) : null;
  const eta = state === 'running' && t.phase === 'data' && rate && left !== null ? `, ETA ${formatDuration(left / rate)}` : '';
  const lines = [
    `task ${t.id.slice(0, 8)} ${t.name}: ${state}${t.phase && state === 'running' ? `, phase ${t.phase}` : ''}, ${Math.round(t.progress * 100)}%`,
    `  data ${formatBytes(t.bytesDone)} of ${formatBytes(t.bytesTotal)}${rate ? `, ${formatBytes(rate)}/s` : ''}${eta}; jobs ${t.jobs}, max rate ${t.maxRateMBps ? `${t.maxRateMBps} MB/s` : 'unlimited'}`,
    `  started ${t.startedAt ?? '-'}${t.finishedAt ? `, finished ${t.finishedAt}` : t.startedAt ? ` (${formatAge(t.startedAt)} ago)` : ''}${t.pid ? `, process ${t.pid}` : ''}`,
  ];
  if (state === 'interrupted') lines.push(`  the process running it is gone: pgferry task resume ${t.id.slice(0, 8)} continues from the last checkpoint`);
  if (t.error) lines.push(`  error: ${t.error}`);
  const snapshots = (t.summary as { dataSnapshots?: number } | null)?.dataSnapshots ?? 1;
  if (state === 'completed' && snapshots > 1)
    lines.push(`  WARNING: completed from ${snapshots} snapshots of the source: consistent only if the source took no writes in between`);
  const counts = { pending: 0, copying: 0, done: 0, skipped: 0 };
  for (const u of units) counts[u.state]++;
  if (units.length) {
    lines.push(`  tables: ${counts.done + counts.skipped} of ${units.length} done, ${counts.copying} copying, ${counts.pending} waiting`);
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
