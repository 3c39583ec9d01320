/**
 * An incremental task's page parts: the lag panel and lag chart while it streams, the cutover
 * dialog (what a cutover does, the max lag, who stops the writes), the cutover's steps as they
 * arrive and what it measured, and the warning that a stopped task's slot keeps WAL on the source.
 */
import { useState } from 'react';
import { formatBytes, formatRate, formatSeconds, type CutoverRequest, type CutoverSummary, type StreamStatus, type TaskProgressView } from './api';

/** One point of the lag chart: when it was seen, and the lag then. */
export type LagSample = { t: number; lagSeconds: number; lagBytes: number };

/** The live numbers of a stream: lag, positions, rates and the WAL its slot holds on the source. */
export function LagPanel({ s }: { s: StreamStatus }) {
  return (
    <dl className="lag-panel" data-testid="lag-panel">
      <div><dt>Lag</dt><dd data-testid="lag-seconds">{formatSeconds(s.lagSeconds)}</dd><dd className="small muted" data-testid="lag-bytes">{formatBytes(s.lagBytes)} of WAL behind</dd></div>
      <div><dt>Applied position</dt><dd><code data-testid="applied-lsn">{s.appliedLsn}</code></dd><dd className="small muted">source at <code data-testid="source-lsn">{s.sourceLsn}</code></dd></div>
      <div><dt>Transactions/s</dt><dd>{formatRate(s.transactionsPerSecond)}</dd><dd className="small muted"><span data-testid="transactions">{s.transactions.toLocaleString()}</span> applied</dd></div>
      <div><dt>Rows/s</dt><dd>{formatRate(s.rowsPerSecond)}</dd><dd className="small muted"><span data-testid="stream-rows">{s.rows.toLocaleString()}</span> applied</dd></div>
      <div><dt>WAL held on the source</dt><dd data-testid="slot-held">{formatBytes(s.slotHeldBytes)}</dd><dd className="small muted">by the replication slot</dd></div>
      <div><dt>Sequences synced</dt><dd>{s.sequencesSyncedAt ? new Date(s.sequencesSyncedAt).toLocaleTimeString() : '–'}</dd><dd className="small muted">every few seconds</dd></div>
      <div><dt>Ranges verified</dt><dd data-testid="ranges-verified">{s.rangesVerified?.total ? `${s.rangesVerified.clean.toLocaleString()} of ${s.rangesVerified.total.toLocaleString()}` : '–'}</dd><dd className="small muted">equal and unchanged since: the cutover skips them</dd></div>
    </dl>
  );
}

/** The smallest 1, 2 or 5 times a power of ten that is at least `v` (an axis's top). */
function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  const f = v / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

/** The byte unit an axis reads in, for its largest value. */
function byteUnit(max: number): [string, number] {
  return max >= 1024 ** 3 ? ['GB', 1024 ** 3] : max >= 1024 ** 2 ? ['MB', 1024 ** 2] : max >= 1024 ? ['kB', 1024] : ['B', 1];
}

const axisNumber = (v: number) => String(Number(v.toPrecision(3)));
const clock = (t: number) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

/**
 * Lag over time, seconds on the left axis and bytes on the right, with a clock on the time axis.
 * Drawn as SVG like the throughput chart (the console has no chart library).
 */
export function LagChart({ samples }: { samples: LagSample[] }) {
  if (samples.length < 2) return <p className="muted">The lag chart fills in while the task streams.</p>;
  const W = 640, H = 220, L = 58, R = 70, T = 14, B = 30;
  const pw = W - L - R, ph = H - T - B;
  const t0 = samples[0].t;
  const t1 = samples[samples.length - 1].t;
  const span = Math.max(1, t1 - t0);
  const maxS = niceMax(Math.max(1, ...samples.map((s) => s.lagSeconds)));
  // the bytes axis reads at least 0 to 1 kB: an idle stream's lag is 0 B
  const [unit, scale] = byteUnit(Math.max(1024, ...samples.map((s) => s.lagBytes)));
  const maxB = niceMax(Math.max(1, ...samples.map((s) => s.lagBytes / scale)));
  const x = (t: number) => L + ((t - t0) / span) * pw;
  const y = (v: number, max: number) => T + ph - (Math.min(v, max) / max) * ph;
  const line = (f: (s: LagSample) => number, max: number) => samples.map((s) => `${x(s.t).toFixed(1)},${y(f(s), max).toFixed(1)}`).join(' ');
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  // a clock label every quarter, or only at the ends while the chart covers a few seconds
  const timeTicks = span >= 4000 ? ticks : [0, 1];
  const last = samples[samples.length - 1];
  return (
    <figure className="chart lag-chart" data-testid="lag-chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`lag over time: now ${formatSeconds(last.lagSeconds)}, ${formatBytes(last.lagBytes)}`}>
        <rect x={L} y={T} width={pw} height={ph} className="plot" />
        {ticks.map((f) => (
          <g key={f}>
            <line x1={L} x2={L + pw} y1={T + ph - f * ph} y2={T + ph - f * ph} className="grid" />
            <text x={L - 6} y={T + ph - f * ph + 4} textAnchor="end" className="axis lag-s">{axisNumber(f * maxS)} s</text>
            <text x={L + pw + 6} y={T + ph - f * ph + 4} textAnchor="start" className="axis lag-b">{axisNumber(f * maxB)} {unit}</text>
          </g>
        ))}
        {timeTicks.map((f) => (
          <g key={f}>
            <line x1={L + f * pw} x2={L + f * pw} y1={T + ph} y2={T + ph + 4} className="grid" />
            <text x={L + f * pw} y={H - 10} textAnchor={f === 0 ? 'start' : f === 1 ? 'end' : 'middle'} className="axis">{clock(t0 + f * span)}</text>
          </g>
        ))}
        <polyline points={line((s) => s.lagSeconds, maxS)} className="lag-s" />
        <polyline points={line((s) => s.lagBytes / scale, maxB)} className="lag-b" />
      </svg>
      <figcaption>
        <span className="key lag-s">lag, seconds</span> (left) now {formatSeconds(last.lagSeconds)} · <span className="key lag-b">lag, {unit}</span> (right) now {formatBytes(last.lagBytes)} · over the last {Math.round(span / 1000)} s
      </figcaption>
    </figure>
  );
}

/** What a cutover does, in order; `maxLag` and the choice of who stops the writes fill it in. */
export function CutoverDialog({ lag, busy, onCancel, onConfirm }: {
  lag: StreamStatus | null; busy: boolean; onCancel: () => void; onConfirm: (r: CutoverRequest) => void;
}) {
  const [maxLag, setMaxLag] = useState('10');
  const [writes, setWrites] = useState<'stopped' | 'block' | null>(null);
  const lagOk = maxLag.trim() !== '' && Number.isFinite(Number(maxLag)) && Number(maxLag) >= 0;
  return (
    <div className="card confirm destructive" role="alertdialog" aria-labelledby="cutover-title" aria-describedby="cutover-steps">
      <h2 id="cutover-title">Cut over to the destination</h2>
      <p>The task applies the source's last changes and ends: afterwards the destination no longer follows the source. Point your applications at the destination once it has completed.</p>
      <ol id="cutover-steps" className="cutover-plan">
        <li>
          Wait until the destination is at most{' '}
          <input id="max-lag" type="number" min={0} step="any" value={maxLag} onChange={(e) => setMaxLag(e.target.value)} aria-label="maximum lag in seconds" className="narrow-input" />{' '}
          seconds behind{lag ? ` (now ${formatSeconds(lag.lagSeconds)})` : ''}.
        </li>
        <li>
          Stop writes to the source:
          <div role="radiogroup" aria-label="stop writes">
            <label className="block"><input type="radio" name="writes" checked={writes === 'stopped'} onChange={() => setWrites('stopped')} /> I have stopped writes to the source</label>
            <label className="block"><input type="radio" name="writes" checked={writes === 'block'} onChange={() => setWrites('block')} /> Block writes for me: make the source database read-only for new transactions and end its other sessions</label>
          </div>
          <span className="small muted">Writes made after the cutover position do not reach the destination.</span>
        </li>
        <li>Apply the changes up to the cutover position.</li>
        <li>Set the sequences on the destination.</li>
        <li>Refresh materialized views.</li>
        <li>Drop the replication slot and pgferry's publication on the source (a publication you named stays).</li>
      </ol>
      <div className="row">
        <button onClick={onCancel} autoFocus>Cancel</button>
        <button className="danger solid" disabled={!writes || !lagOk || busy} onClick={() => onConfirm({ blockWrites: writes === 'block', maxLagSeconds: Number(maxLag) })}>
          {busy ? 'Asking…' : 'Cut over'}
        </button>
        {!writes && <span className="hint small">Say how writes to the source stop.</span>}
      </div>
    </div>
  );
}

/** The history entries of the latest run that belong to its cutover (the request, then each step). */
function cutoverEntries(p: TaskProgressView) {
  const h = p.history;
  let from = 0;
  for (let i = h.length - 1; i >= 0; i--) if (h[i].kind === 'start' || h[i].kind === 'resume') { from = i; break; }
  return h.slice(from).filter((e) => e.kind === 'cutover');
}

/** The cutover: asked for and waiting for the lag, its steps as they arrive, and what it measured. */
export function CutoverProgress({ p }: { p: TaskProgressView }) {
  const c: CutoverSummary | undefined = p.summary?.cutover;
  const entries = cutoverEntries(p);
  const steps = entries.filter((e) => !e.message.startsWith('cutover requested'));
  const cutting = p.phase === 'cutover';
  if (!p.cutoverRequest && !cutting && !c && !steps.length) return null;
  const maxLag = p.cutoverRequest?.maxLagSeconds ?? 10;
  return (
    <section className={`card ${c ? 'okbox' : 'confirm'}`} aria-label="cutover" data-testid="cutover">
      <h2>Cutover</h2>
      {p.cutoverRequest && !cutting && !c && (
        <p role="status">
          Cutover requested{p.cutoverRequest.blockWrites ? ', blocking writes on the source' : ''}: waiting until the destination is at most {maxLag} s behind
          {p.streamStatus ? ` (now ${formatSeconds(p.streamStatus.lagSeconds)})` : ''}.
        </p>
      )}
      {steps.length > 0 && (
        <ol className="cutover-steps" aria-label="cutover steps">
          {steps.map((e, i) => {
            const current = cutting && !c && i === steps.length - 1;
            return (
              <li key={e.at + e.message} className={current ? 'current' : 'done'}>
                <span aria-hidden="true">{current ? '…' : '✔'}</span> {e.message} <time className="small muted">{new Date(e.at).toLocaleTimeString()}</time>
              </li>
            );
          })}
        </ol>
      )}
      {c && (
        <p data-testid="cutover-result">
          Cut over at <code data-testid="cutover-lsn">{c.lsn}</code> with <strong data-testid="downtime">{formatSeconds(c.downtimeSeconds)}</strong> of downtime
          {c.writesBlocked ? ` (writes blocked on the source, ${c.sessionsEnded} session${c.sessionsEnded === 1 ? '' : 's'} ended)` : ' (writes stopped by you)'}; {c.sequencesSet} sequence{c.sequencesSet === 1 ? '' : 's'} set
          {c.matviewsRefreshed ? `, ${c.matviewsRefreshed} materialized view${c.matviewsRefreshed === 1 ? '' : 's'} refreshed` : ''}; {c.transactionsApplied.toLocaleString()} transactions ({c.rowsApplied.toLocaleString()} rows) applied while streaming.
          {c.check && (
            <span data-testid="cutover-check" className={c.check.ok ? '' : 'error'}>
              {' '}Cutover check: {c.check.error ? `could not run (${c.check.error})` : c.check.ok ? 'source and target equal' : `${c.check.differences.length} difference(s): ${c.check.differences.slice(0, 3).join('; ')}`}
              {c.check.error ? '' : ` — ${c.check.rangesRead.toLocaleString()} key range(s) read, ${c.check.rangesReused.toLocaleString()} verified while streaming, in ${formatSeconds(c.check.seconds)}.`}
            </span>
          )}
        </p>
      )}
    </section>
  );
}

/** A stopped, failed or interrupted incremental task: its slot holds the source's WAL meanwhile. */
export function SlotWarning({ p }: { p: TaskProgressView }) {
  if (!p.incremental || !p.runs.length || !['stopped', 'failed', 'interrupted'].includes(p.state)) return null;
  return (
    <div className="card warn" role="status" data-testid="slot-warning">
      <strong>The replication slot keeps WAL on the source</strong> until you resume this task (it continues from the position recorded on the destination) or release it (which drops the slot and pgferry's publication)
      {p.streamStatus ? `; it held ${formatBytes(p.streamStatus.slotHeldBytes)} at the last report` : ''}. WAL that piles up can fill the source's disk.
    </div>
  );
}
