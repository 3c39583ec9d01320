/**
 * Renders migration events for a person at a terminal: the phase, one bar per table being copied
 * (rows, bytes, MB/s, ETA), a line per finished table that was large or slow (the others counted:
 * finished-tables.ts), and a summary at the end.
 */
import { movedRows } from '../task/task-progress.js';
import cliProgress from 'cli-progress';
import type { MigrationEvent, MigrationSummary, StreamStatus } from '../run/events.js';
import { FinishedTables } from './finished-tables.js';

const MB = 1024 * 1024;

/** Bytes as kB, MB or GB (progress bars, summaries, task status). */
export function fmtBytes(n: number): string {
  if (n >= 1024 * MB) return `${(n / 1024 / MB).toFixed(2)} GB`;
  if (n >= MB) return `${(n / MB).toFixed(1)} MB`;
  return `${(n / 1024).toFixed(0)} kB`;
}

/**
 * Where a stream stands, in two lines (the foreground view, task status): the lag in bytes and
 * seconds, the applied and source positions, the rates, and the WAL the slot holds on the source.
 */
export function describeStream(s: StreamStatus): [string, string] {
  // a stream's lag is often a few hundred bytes: 0 kB would read as caught up
  const bytes = (n: number) => (n < 1024 ? `${n} B` : fmtBytes(n));
  const lag = s.lagBytes === 0 && s.lagSeconds === 0 ? 'caught up' : `${bytes(s.lagBytes)} and ${s.lagSeconds.toFixed(1)} s behind`;
  return [
    `stream: ${lag}; applied ${s.appliedLsn} of source ${s.sourceLsn}; ${s.transactionsPerSecond.toFixed(1)} transactions/s, ${s.rowsPerSecond.toFixed(1)} rows/s (${s.transactions} transactions, ${s.rows} rows applied)`,
    `slot: holds ${bytes(s.slotHeldBytes)} of WAL on the source${s.sequencesSyncedAt ? `; sequences synced ${s.sequencesSyncedAt}` : ''}` +
      (s.rangesVerified?.total ? `; ${s.rangesVerified.clean} of ${s.rangesVerified.total} key ranges verified and unchanged since` : ''),
  ];
}

/** How often the foreground view prints where the stream stands. */
const STREAM_LINE_MS = 30_000;

function fmtEta(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '--';
  if (sec < 60) return `${Math.ceil(sec)}s`;
  return `${Math.floor(sec / 60)}m${String(Math.ceil(sec % 60)).padStart(2, '0')}s`;
}

interface BarState {
  bar: cliProgress.SingleBar;
  start: number;
  total: number;
  done: number;
  estRows: number;
}

/** The bar set on `out`: one line per bar, in the layout every bar's payload fills. */
function newMultiBar(out: NodeJS.WriteStream): cliProgress.MultiBar {
  return new cliProgress.MultiBar(
    {
      stream: out,
      clearOnComplete: true,
      hideCursor: true,
      autopadding: true,
      format: ' {name} |{bar}| {pct}% {rows} rows {bytes} {rate} ETA {eta}',
      barsize: 24,
      fps: 8,
    },
    cliProgress.Presets.shades_classic,
  );
}

/** The rate and ETA fields of a bar that has moved `done` of `total` bytes since `start` (ms). */
function ratePayload(done: number, total: number, start: number): { rate: string; eta: string } {
  const el = (Date.now() - start) / 1000;
  const rate = el > 0 ? done / el : 0;
  return { rate: `${(rate / MB).toFixed(1)} MB/s`, eta: fmtEta(rate > 0 ? (total - done) / rate : Infinity) };
}

/**
 * The overall bar's rows: the finished tables' counts, and with a ~ the share of its estimate each
 * table still copying has moved (COPY counts its rows only at its end).
 */
function overallRows(finishedRows: number, copying: Iterable<BarState>): string {
  let moving = 0;
  for (const b of copying) moving += movedRows(b.estRows, b.done, b.total);
  return `${moving ? '~' : ''}${(finishedRows + moving).toLocaleString('en')}`;
}

/** Returns an event sink that draws on `out` (a TTY stream). */
export function createProgressView(out: NodeJS.WriteStream): (e: MigrationEvent) => void {
  const multi = newMultiBar(out);
  const bars = new Map<string, BarState>();
  let overall: cliProgress.SingleBar | null = null;
  let totalBytes = 0;
  let doneBytes = 0;
  let dataStart = 0;
  let streamShownAt = 0;
  const finished = new FinishedTables();
  // multi.log only flushes on the next redraw: without bars on screen, write directly
  const line = (text: string) => (bars.size === 0 && overall === null ? out.write(`${text}\n`) : multi.log(`${text}\n`));

  const pct = () => (totalBytes ? Math.min(100, Math.floor((doneBytes / totalBytes) * 100)) : 0);
  const overallPayload = () => ({ name: finished.progress().padEnd(28), pct: pct(), rows: overallRows(finished.rows, bars.values()), bytes: fmtBytes(doneBytes), ...ratePayload(doneBytes, totalBytes, dataStart) });

  return (e) => {
    switch (e.type) {
      case 'phase-start':
        line(`▶ ${e.phase}${e.steps !== undefined ? ` (${e.steps} ${e.phase === 'data' ? 'copy units' : 'steps'})` : ''}`);
        if (e.phase === 'data') {
          dataStart = Date.now();
          finished.units = e.steps ?? 0;
          overall = multi.create(Math.max(1, totalBytes), 0, overallPayload());
        }
        break;
      case 'phase-end':
        if (e.phase === 'data' && overall) {
          overall.update(Math.max(1, totalBytes), overallPayload());
          multi.remove(overall);
          overall = null;
        }
        if (e.phase === 'data') for (const l of finished.summary(fmtBytes)) line(l);
        line(`✔ ${e.phase} done in ${e.seconds.toFixed(1)}s`);
        break;
      case 'plan':
        totalBytes = e.bytes;
        line(`plan: ${e.schemas} schemas, ${e.tables} tables, ${e.objects} objects, ${fmtBytes(e.bytes)} of table data`);
        for (const n of e.notes) line(`  note: ${n}`);
        for (const s of e.skipped) line(`  skipped ${s.kind} ${s.name}: ${s.reason}`);
        break;
      case 'unit-start': {
        const total = Math.max(1, e.bytes);
        const bar = multi.create(total, 0, { name: e.unit.slice(0, 28).padEnd(28), pct: 0, rows: '0', bytes: '0 kB', rate: '', eta: '--' });
        bars.set(e.unit, { bar, start: Date.now(), total, done: 0, estRows: e.estimatedRows });
        break;
      }
      case 'unit-progress': {
        const b = bars.get(e.unit);
        if (!b) break;
        b.done += e.bytes;
        doneBytes += e.bytes;
        const frac = Math.min(0.99, b.done / b.total);
        b.bar.update(Math.min(b.done, b.total), {
          pct: Math.floor(frac * 100),
          rows: `~${Math.round(b.estRows * frac).toLocaleString('en')}`,
          bytes: fmtBytes(b.done),
          ...ratePayload(b.done, b.total, b.start),
        });
        overall?.update(Math.min(doneBytes, totalBytes), overallPayload());
        break;
      }
      case 'unit-done': {
        const b = bars.get(e.unit);
        if (b) {
          doneBytes += Math.max(0, e.bytes - b.done);
          multi.remove(b.bar);
          bars.delete(e.unit);
        }
        overall?.update(Math.min(doneBytes, totalBytes), overallPayload());
        const named = finished.line(e, fmtBytes);
        if (named) line(named);
        break;
      }
      case 'retry':
        line(`  attempt ${e.attempt} failed (${e.error}), a transient failure (${e.reason}); resuming in ${e.delaySeconds.toFixed(0)}s`);
        break;
      case 'object-failed':
        line(`  FAILED ${e.failure.kind} ${e.failure.name}: ${e.failure.error}`);
        break;
      case 'stream-start':
        line(`streaming the source's changes from slot ${e.slot} (publication ${e.publication}) at ${e.fromLsn}`);
        break;
      case 'stream':
        // every event is in the JSON output; a person gets a line now and then
        if (Date.now() - streamShownAt >= STREAM_LINE_MS) {
          streamShownAt = Date.now();
          for (const l of describeStream(e)) line(`  ${l}`);
        }
        break;
      case 'cutover-step':
        line(`  cutover: ${e.step}${e.detail ? `: ${e.detail}` : ''}`);
        break;
      case 'summary':
        multi.stop();
        out.write(renderSummary(e.summary));
        break;
      default:
        break;
    }
  };
}

/** The end-of-run summary as text. */
export function renderSummary(s: MigrationSummary): string {
  const phases = Object.entries(s.phaseSeconds)
    .map(([p, sec]) => `${p} ${sec!.toFixed(1)}s`)
    .join(', ');
  const lines = [
    '',
    s.failures.length
      ? `Migration finished in ${s.totalSeconds.toFixed(1)}s with ${s.failures.length} object(s) not created`
      : `Migration complete in ${s.totalSeconds.toFixed(1)}s${s.skipped.length ? ' with skipped objects' : ''}`,
    `  objects created: ${s.objectsCreated}`,
    `  tables copied:   ${s.tablesCopied} (${s.rowsCopied.toLocaleString('en')} rows, ${fmtBytes(s.bytesCopied)})`,
    `  sequences set:   ${s.sequencesSet}`,
    `  time per phase:  ${phases}`,
  ];
  if (s.cutover)
    lines.push(
      `  cutover:         at ${s.cutover.lsn}, ${s.cutover.downtimeSeconds.toFixed(1)}s of downtime${s.cutover.writesBlocked ? ` (writes blocked, ${s.cutover.sessionsEnded} session(s) ended)` : ''}`,
      `                   ${s.cutover.transactionsApplied} transactions, ${s.cutover.rowsApplied} rows applied while streaming; ${s.cutover.sequencesSet} sequences set, ${s.cutover.matviewsRefreshed} materialized views refreshed, ${s.cutover.largeObjectsCopied ?? 0} large objects copied again`,
    );
  const check = s.cutover?.check;
  if (check)
    lines.push(
      check.error
        ? `  cutover check:   could not run: ${check.error}`
        : `  cutover check:   ${check.ok ? 'equal' : `${check.differences.length} DIFFERENCE(S)`} in ${check.seconds.toFixed(1)}s: ${check.rangesRead} key range(s) read, ${check.rangesReused} verified while streaming and unchanged since`,
      ...(check.differences ?? []).slice(0, 20).map((d) => `    ${d}`),
    );
  if (s.dataSnapshots > 1)
    lines.push(`  WARNING: the rows come from ${s.dataSnapshots} snapshots of the source (the run was resumed after some tables were in):`,
      '    the tables are consistent with each other only if the source took no writes in between (exit code 11)');
  if (s.skipped.length) {
    lines.push(`  skipped objects: ${s.skipped.length}`);
    for (const k of s.skipped) lines.push(`    ${k.kind} ${k.name}: ${k.reason}`);
  }
  if (s.failures.length) {
    lines.push(`  objects not created: ${s.failures.length}`);
    for (const f of s.failures) {
      lines.push(`    ${f.kind} ${f.name}: ${f.error}`);
      if (f.sql) lines.push(`      SQL: ${f.sql.length > 300 ? `${f.sql.slice(0, 300)}...` : f.sql}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
