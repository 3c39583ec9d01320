/**
 * An incremental task's page parts: the lag panel and lag chart while it streams, the cutover
 * dialog (what a cutover does, the max lag, who stops the writes), the cutover's steps as they
 * arrive and what it measured, and the warning that a stopped task's slot keeps WAL on the source.
 */
import { useState } from 'react';
import { formatBytes, formatRate, formatSeconds, type CutoverRequest, type CutoverSummary, type StreamStatus, type TaskProgressView } from './api';
import { TwoAxisChart } from './TwoAxisChart';

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
/** The byte unit an axis reads in, for its largest value. */
function byteUnit(max: number): [string, number] {
  return max >= 1024 ** 3 ? ['GB', 1024 ** 3] : max >= 1024 ** 2 ? ['MB', 1024 ** 2] : max >= 1024 ? ['kB', 1024] : ['B', 1];
}


/**
 * Lag over time, seconds on the left axis and bytes on the right, with a clock on the time axis.
 * Drawn as SVG like the throughput chart (the console has no chart library).
 */
export function LagChart({ samples }: { samples: LagSample[] }) {
  if (samples.length < 2) return <p className="muted">The lag chart fills in while the task streams.</p>;
  // the bytes axis reads at least 0 to 1 kB: an idle stream's lag is 0 B
  const [unit, scale] = byteUnit(Math.max(1024, ...samples.map((s) => s.lagBytes)));
  const last = samples[samples.length - 1];
  const span = samples[samples.length - 1].t - samples[0].t;
  return (
    <TwoAxisChart times={samples.map((s) => s.t)} testId="lag-chart" className="lag-chart"
      left={{ unit: 's', className: 'lag-s', values: samples.map((s) => s.lagSeconds) }}
      right={{ unit, className: 'lag-b', values: samples.map((s) => s.lagBytes / scale) }}
      label={`lag over time: now ${formatSeconds(last.lagSeconds)}, ${formatBytes(last.lagBytes)}`}>
      <span className="key lag-s">lag, seconds</span> (left) now {formatSeconds(last.lagSeconds)} · <span className="key lag-b">lag, {unit}</span> (right) now {formatBytes(last.lagBytes)} · over the last {Math.round(span / 1000)} s
    </TwoAxisChart>
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
