/**
 * One task: how it ended (red for rejected objects, amber for skipped ones or several snapshots),
 * its totals over every run, phase timeline, per-table progress (sortable), a live throughput
 * chart, errors and skipped objects (#/tasks/ID/objects scrolls to them), each run's own numbers,
 * the latest stored verify, history, and the actions stop, resume, release and verify. An
 * incremental task adds the stream and cutover phases, a lag panel and chart while it streams, the
 * Cut over button with its dialog, the cutover's steps and downtime, and a stopped one's slot warning.
 */
import { useEffect, useRef, useState } from 'react';
import { ApiFailure, api, formatBytes, jobsError as jobsProblem, rateError as rateProblem, formatDuration, isLiveState, stateClass, taskEvents, type CutoverRequest, type PlanHistoryData, type SamplesView, type TaskProgressView, type TaskSample, type UnitProgress, type VerifyView } from './api';
import { ProgressBar, StateBadge, taskDuration } from './TaskList';
import { CutoverDialog, CutoverProgress, LagChart, LagPanel, SlotWarning, type LagSample } from './Stream';
import { TwoAxisChart } from './TwoAxisChart';
import { EventLog } from './EventLog';

const PHASES = ['pre-data', 'data', 'post-data', 'sequences', 'verify'];
// an incremental task streams after its copy, until its cutover
const INCREMENTAL_PHASES = ['pre-data', 'data', 'post-data', 'sequences', 'stream', 'cutover', 'verify'];
const ORDER = ['connect', 'catalog', 'pre-data', 'data', 'post-data', 'sequences', 'analyze', 'rename', 'stream', 'cutover', 'verify'];

function phaseState(p: TaskProgressView, phase: string, verified: boolean): 'done' | 'current' | 'todo' {
  if (phase === 'verify') return verified ? 'done' : 'todo';
  if (p.state.startsWith('completed')) return 'done';
  const cur = ORDER.indexOf(p.phase ?? '');
  const me = ORDER.indexOf(phase);
  if (cur < 0) return 'todo';
  return me < cur ? 'done' : me === cur ? 'current' : 'todo';
}

type Sample = { t: number; mbps: number; rowsps: number };

/**
 * The task's stored chart points as the charts' series: a copy's rates against its run's previous
 * point, and, from the points taken while it streamed, the lag.
 */
function storedSeries(points: TaskSample[]): { throughput: Sample[]; lag: LagSample[] } {
  const throughput: Sample[] = [];
  const lag: LagSample[] = [];
  points.forEach((x, i) => {
    if (x.lagSeconds !== null) {
      lag.push({ t: x.at, lagSeconds: x.lagSeconds, lagBytes: x.lagBytes ?? 0 });
      return;
    }
    const prev = points[i - 1];
    if (!prev || prev.run !== x.run || x.at <= prev.at) return;
    const dt = (x.at - prev.at) / 1000;
    throughput.push({ t: x.at, mbps: Math.max(0, (x.bytes - prev.bytes) / dt / 1024 ** 2), rowsps: Math.max(0, (x.rows - prev.rows) / dt) });
  });
  return { throughput, lag };
}

/** MB/s (left) and rows/s (right) over time, with the rate cap dashed on the MB/s axis; `live`: the rate now, else the average. */
function Chart({ samples, cap, live }: { samples: Sample[]; cap: number | null; live: boolean }) {
  if (samples.length < 2) return <p className="muted">{live ? 'The throughput chart fills in while data is copied.' : 'No throughput was recorded for this task.'}</p>;
  const last = samples[samples.length - 1];
  const peak = (f: (s: Sample) => number) => Math.max(...samples.map(f));
  const mean = (f: (s: Sample) => number) => samples.reduce((a, s) => a + f(s), 0) / samples.length;
  if (!live) {
    return (
      <TwoAxisChart times={samples.map((s) => s.t)} testId="throughput-chart" limit={cap}
        left={{ unit: 'MB/s', className: 'mbps', values: samples.map((s) => s.mbps) }}
        right={{ unit: 'rows/s', className: 'rowsps', values: samples.map((s) => s.rowsps) }}
        label={`throughput of the task's runs: peak ${peak((s) => s.mbps).toFixed(1)} MB/s`}>
        <span className="key mbps">MB/s</span> (left) peak {peak((s) => s.mbps).toFixed(1)}, mean {mean((s) => s.mbps).toFixed(1)} · <span className="key rowsps">rows/s</span> (right) peak {Math.round(peak((s) => s.rowsps)).toLocaleString()}, mean {Math.round(mean((s) => s.rowsps)).toLocaleString()}
      </TwoAxisChart>
    );
  }
  return (
    <TwoAxisChart times={samples.map((s) => s.t)} testId="throughput-chart" limit={cap}
      left={{ unit: 'MB/s', className: 'mbps', values: samples.map((s) => s.mbps) }}
      right={{ unit: 'rows/s', className: 'rowsps', values: samples.map((s) => s.rowsps) }}
      label={`throughput: ${last.mbps.toFixed(1)} MB/s, ${Math.round(last.rowsps).toLocaleString()} rows/s`}>
      <span className="key mbps">MB/s</span> (left) now {last.mbps.toFixed(1)} (peak {peak((s) => s.mbps).toFixed(1)}) · <span className="key rowsps">rows/s</span> (right) now {Math.round(last.rowsps).toLocaleString()} (peak {Math.round(peak((s) => s.rowsps)).toLocaleString()})
      {cap ? <> · <span className="key mbps">- - -</span> the rate cap, {cap} MB/s, for all tables together</> : null}
    </TwoAxisChart>
  );
}

/** The latest verify, stored with the task: what it found and when it ran. */
function VerifyPanel({ v }: { v: VerifyView }) {
  const tables = v.tables ?? [];
  const sequences = v.sequences ?? [];
  const bad = tables.filter((t) => !t.ok);
  const badSeq = sequences.filter((q) => !q.ok);
  const lo = v.largeObjects?.problems ?? [];
  return (
    <div className={`card ${v.ok ? 'okbox' : 'warn'}`} role="status" data-testid="verify-result">
      {v.ok
        ? `Verify passed: ${tables.length} tables and ${sequences.length} sequences equal`
        : `Verify found differences: ${bad.map((t) => `${t.table} (${t.problems.join('; ')})`).join(', ')}${badSeq.length ? `; sequences ${badSeq.map((q) => q.sequence).join(', ')}` : ''}${lo.length ? `; large objects: ${lo.join('; ')}` : ''}`}
      {' · '}<span className="small muted" data-testid="verify-time">verified <time dateTime={v.at}>{new Date(v.at).toLocaleString()}</time></span>
      {bad.length > 0 && (
        <ul className="small">
          {bad.map((t) => <li key={t.table}>{t.table}: source {t.sourceRows ?? '–'} rows, target {t.targetRows ?? '–'}{t.ranges ? `, ${t.ranges} ranges compared` : ''}</li>)}
        </ul>
      )}
      {/* the stored report, table by table: what a managed console calls the validation report */}
      {tables.length > 0 && (
        <details className="verify-report" data-testid="verify-report">
          <summary>Report by table ({tables.length.toLocaleString()} tables{sequences.length ? `, ${sequences.length.toLocaleString()} sequences` : ''})</summary>
          <div className="table-wrap" tabIndex={0} role="region" aria-label="verify report by table">
            <table className="verify-tables">
              <thead><tr><th>Table</th><th>Result</th><th className="num">Source rows</th><th className="num">Destination rows</th><th className="num">Ranges</th><th>Differences</th></tr></thead>
              <tbody>
                {[...tables].sort((a, b) => Number(a.ok) - Number(b.ok) || a.table.localeCompare(b.table)).map((t) => (
                  <tr key={t.table}>
                    <td>{t.table}{t.partitionOf ? <span className="small muted"> (partition of {t.partitionOf})</span> : null}</td>
                    <td><span className={`badge ${t.ok ? 'state-completed' : 'state-failed'}`}>{t.ok ? 'equal' : 'differs'}</span></td>
                    <td className="num">{t.sourceRows?.toLocaleString() ?? '–'}</td>
                    <td className="num">{t.targetRows?.toLocaleString() ?? '–'}</td>
                    <td className="num">{t.ranges.toLocaleString()}</td>
                    <td className="small">{t.problems.join('; ')}</td>
                  </tr>
                ))}
                {sequences.map((q) => (
                  <tr key={`seq ${q.sequence}`}>
                    <td>{q.sequence} <span className="small muted">(sequence)</span></td>
                    <td><span className={`badge ${q.ok ? 'state-completed' : 'state-failed'}`}>{q.ok ? 'equal' : 'differs'}</span></td>
                    <td className="num" colSpan={3}></td>
                    <td className="small">{q.ok ? '' : `position on the source ${q.source ?? 'missing'}, on the destination ${q.target ?? 'missing'}`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
    </div>
  );
}

/** A completed task's problems, with the counts and a link to the list of objects. */
function OutcomeBanner({ p }: { p: TaskProgressView }) {
  const o = p.outcome;
  if (!o || o.severity === 'ok') return null;
  const parts = [
    o.rejected ? `${o.rejected} object${o.rejected === 1 ? '' : 's'} rejected by the destination` : '',
    o.notTried ? `${o.notTried} not tried because they needed one` : '',
    o.skipped ? `${o.skipped} object${o.skipped === 1 ? '' : 's'} skipped (pgferry cannot move them)` : '',
    o.dataSnapshots > 1 ? `rows from ${o.dataSnapshots} snapshots of the source: consistent only if it took no writes in between — verify it` : '',
  ].filter(Boolean);
  return (
    <div className={`card outcome ${o.severity} ${stateClass(o.state)}`} role="status" data-testid="outcome">
      <strong>{o.state[0].toUpperCase() + o.state.slice(1)}</strong>: {parts.join('; ')}.{' '}
      {(o.rejected > 0 || o.notTried > 0 || o.skipped > 0) && <a href={`#/tasks/${p.id}/objects`}>See the objects</a>}
    </div>
  );
}

type SortKey = 'unit' | 'state' | 'rows' | 'bytes' | 'rate';

export function TaskPage({ id }: { id: string }) {
  const [p, setP] = useState<TaskProgressView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [samples, setSamples] = useState<Sample[]>([]);
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'bytes', desc: true });
  const [verify, setVerify] = useState<VerifyView | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  const [page, setPage] = useState(0);
  const last = useRef<{ t: number; bytes: number; rows: number } | null>(null);
  const [lag, setLag] = useState<LagSample[]>([]);

  // each copying table's rate between the last two progress events
  const live = useRef<{ t: number; bytes: Map<string, number>; rates: Map<string, number> }>({ t: 0, bytes: new Map(), rates: new Map() });

  const onProgress = (x: TaskProgressView) => {
    const now = Date.now();
    const l = live.current;
    const rates = new Map<string, number>();
    for (const u of x.units) {
      const before = l.bytes.get(u.unit);
      if (u.state === 'copying' && before !== undefined && now > l.t) rates.set(u.unit, Math.max(0, (u.bytes - before) / ((now - l.t) / 1000)));
    }
    live.current = { t: now, bytes: new Map(x.units.map((u) => [u.unit, u.bytes])), rates };
    setP(x);
    const rows = x.rowsDone;
    const bytes = x.bytesDone ?? 0;
    const t = Date.now();
    const prev = last.current;
    if (prev && t > prev.t && x.state === 'running') {
      const dt = (t - prev.t) / 1000;
      setSamples((s) => [...s.slice(-1000), { t, mbps: Math.max(0, (bytes - prev.bytes) / dt / 1024 ** 2), rowsps: Math.max(0, (rows - prev.rows) / dt) }]);
    }
    last.current = { t, bytes, rows };
    // while it streams, a lag point with every progress event (about a second apart)
    const st = x.streamStatus;
    if (x.state === 'streaming' && st) setLag((s) => [...s.slice(-900), { t, lagSeconds: st.lagSeconds, lagBytes: st.lagBytes }]);
  };

  useEffect(() => {
    let stop = () => {};
    let timer: ReturnType<typeof setTimeout> | undefined;
    const follow = () => {
      stop = taskEvents(id, onProgress, () => {
        // the stream ends when the task is not running: poll slowly for a resume started elsewhere
        timer = setTimeout(() => api<TaskProgressView>('GET', `/api/tasks/${id}/progress`).then((x) => { onProgress(x); if (isLiveState(x.state)) follow(); else timer = setTimeout(follow, 3000); }, () => {}), 1000);
      });
    };
    api<TaskProgressView>('GET', `/api/tasks/${id}/progress`).then((x) => { onProgress(x); follow(); }, (e) => setError(e instanceof ApiFailure ? `${e.error.code}: ${e.error.message}` : String(e)));
    // the charts' points so far, kept with the task: the live ones follow them
    api<SamplesView>('GET', `/api/tasks/${id}/samples`).then(({ samples: points }) => {
      const stored = storedSeries(points);
      const after = (t: number) => <T extends { t: number }>(live: T[]) => live.filter((x) => x.t > t);
      setSamples((live) => [...stored.throughput, ...after(stored.throughput.at(-1)?.t ?? 0)(live)]);
      setLag((live) => [...stored.lag, ...after(stored.lag.at(-1)?.t ?? 0)(live)]);
    }, () => {});
    // the latest verify is stored with the task: shown after a reload too (404: never verified)
    api<VerifyView>('GET', `/api/tasks/${id}/verify`).then(setVerify, () => {});
    return () => { stop(); if (timer) clearTimeout(timer); };
  }, [id]);

  // #/tasks/ID/objects: scroll to the rejected and skipped objects once they are on the page
  const loaded = p !== null;
  useEffect(() => {
    const scroll = () => { if (/\/objects$/.test(window.location.hash)) document.getElementById('objects')?.scrollIntoView(); };
    if (loaded) scroll();
    window.addEventListener('hashchange', scroll);
    return () => window.removeEventListener('hashchange', scroll);
  }, [loaded]);

  const act = async (what: string, method: string, path: string, body?: unknown) => {
    setConfirm(null);
    setBusy(what);
    setError(null);
    try {
      if (what === 'verify') setVerify(await api<VerifyView>(method, path));
      else await api(method, path, body);
      if (what === 'release') window.location.hash = '#/';
      else setP(await api<TaskProgressView>('GET', `/api/tasks/${id}/progress`));
      if (what === 'resume' || what === 'start') window.location.reload();
    } catch (e) {
      setError(e instanceof ApiFailure ? `${e.error.code}: ${e.error.message}${e.error.fix ? ` — ${e.error.fix}` : ''}` : String(e));
    } finally {
      setBusy(null);
    }
  };

  // a copy with the same settings and stored passwords, opened on its own page (Precheck, Start)
  const duplicate = async () => {
    setBusy('duplicate');
    setError(null);
    try {
      const t = await api<{ id: string }>('POST', `/api/tasks/${id}/duplicate`, {});
      window.location.hash = `#/tasks/${t.id}`;
    } catch (e) {
      setError(e instanceof ApiFailure ? `${e.error.code}: ${e.error.message}` : String(e));
    } finally {
      setBusy(null);
    }
  };

  if (error && !p) return <main className="page"><p className="error" role="alert">{error}</p><a href="#/">Back to tasks</a></main>;
  if (!p) return <main className="page"><p className="muted">Loading task…</p></main>;

  const rate = (u: UnitProgress) => (u.seconds && u.seconds > 0 ? u.bytes / u.seconds : 0);
  const units = [...p.units].sort((a, b) => {
    const va = sort.key === 'rate' ? rate(a) : sort.key === 'rows' ? a.rows ?? -1 : sort.key === 'bytes' ? a.bytes : a[sort.key];
    const vb = sort.key === 'rate' ? rate(b) : sort.key === 'rows' ? b.rows ?? -1 : sort.key === 'bytes' ? b.bytes : b[sort.key];
    const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
    return sort.desc ? -c : c;
  });
  const f = filter.trim().toLowerCase();
  // a spread copy (fleet mode): which worker copied each table
  const byWorkers = p.units.some((u) => u.worker);
  const shown = f ? units.filter((u) => u.unit.toLowerCase().includes(f) || u.state.includes(f) || (renamed(p, u.unit) ?? '').toLowerCase().includes(f)) : units;
  const pages = Math.max(1, Math.ceil(shown.length / PAGE));
  const th = (key: SortKey, label: string, num = false) => (
    <th className={num ? 'num' : undefined} aria-sort={sort.key === key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
      <button className="link" onClick={() => setSort((s) => ({ key, desc: s.key === key ? !s.desc : true }))}>{label}{sort.key === key ? (sort.desc ? ' ▾' : ' ▴') : ''}</button>
    </th>
  );
  // a completed task's summary has the lists; while it runs, the history has what it met so far
  const plan = [...p.history].reverse().find((h) => h.kind === 'plan');
  // a plan entry's data is what task-progress.ts stored for the run's plan event
  const skipped = p.summary?.skipped ?? (plan?.data as PlanHistoryData | null | undefined)?.skipped ?? [];
  const failures = p.summary
    ? p.summary.failures.map((f) => ({ key: `${f.kind} ${f.name}`, text: f.blockedBy ? `${f.kind} ${f.name}: not tried — it needs ${f.blockedBy}` : `${f.kind} ${f.name}: ${f.error}` }))
    : p.history.filter((h) => h.kind === 'object-failed').map((h) => ({ key: h.at + h.message, text: h.message }));
  const runs = p.history.filter((h) => ['start', 'resume', 'retry', 'stop', 'stopped', 'failed', 'completed', 'snapshots', 'verify', 'stream', 'cutover', 'throughput'].includes(h.kind));
  const running = isLiveState(p.state);
  const canCutOver = p.incremental && p.state === 'streaming' && !p.cutoverRequest;
  const resumable = ['stopped', 'failed', 'interrupted'].includes(p.state);
  // destructive: drawn red, and Enter does not confirm (the focus starts on Cancel)
  const confirms: Record<string, { text: string; run: () => void; destructive?: boolean }> = {
    stop: {
      destructive: true,
      text: p.state === 'streaming'
        ? 'Stop streaming? The destination stops following the source; the replication slot stays and keeps WAL on the source until you resume or release the task.'
        : 'Stop this migration at the next table boundary? What is finished stays; you can resume later.', run: () => void act('stop', 'POST', `/api/tasks/${id}/stop`) },
    resume: { text: 'Resume writes into the destination database again, continuing from the last checkpoint. Resume?', run: () => void act('resume', 'POST', `/api/tasks/${id}/resume`) },
    release: {
      destructive: true,
      text: `Release removes this task and its checkpoints on the destination${p.incremental ? ", and its replication slot and pgferry's publication on the source" : ''}. What it migrated stays, but it can no longer be resumed.`,
      run: () => void act('release', 'DELETE', `/api/tasks/${id}`),
    },
  };

  return (
    <main className="page">
      <a href="#/" className="back">← Tasks</a>
      <div className="row spread">
        <h1>{p.name} <StateBadge state={p.state} /></h1>
        <div className="row actions-top">
          {p.incremental && <button className="danger" onClick={() => setConfirm('cutover')} disabled={!canCutOver || Boolean(busy)}>Cut over</button>}
          {p.state === 'created' && (
            <>
              <button onClick={() => void act('precheck', 'POST', `/api/tasks/${id}/precheck`)} disabled={Boolean(busy)}>{busy === 'precheck' ? 'Checking…' : 'Precheck'}</button>
              <button className="primary" onClick={() => void act('start', 'POST', `/api/tasks/${id}/start`)} disabled={!(p.precheck?.passed && p.precheck.current) || Boolean(busy)}
                title={p.precheck?.passed && p.precheck.current ? undefined : 'a precheck of the current spec must pass first'}>Start</button>
            </>
          )}
          <button onClick={() => setConfirm('stop')} disabled={!running || Boolean(busy)}>Stop</button>
          <button onClick={() => setConfirm('resume')} disabled={!resumable || Boolean(busy)}>Resume</button>
          {/* a task that never ran has nothing to verify */}
          <button onClick={() => void act('verify', 'POST', `/api/tasks/${id}/verify`)} disabled={running || p.state === 'created' || Boolean(busy)}>{busy === 'verify' ? 'Verifying…' : 'Verify'}</button>
          <button onClick={() => void duplicate()} disabled={Boolean(busy)} title="a new task with this one's settings and stored passwords">Duplicate</button>
          <a className="button" href={`#/new?from=${encodeURIComponent(id)}`}>Edit a copy</a>
          <button className="danger" onClick={() => setConfirm('release')} disabled={running || Boolean(busy)}>Release</button>
        </div>
      </div>
      {confirm === 'cutover' && (
        <CutoverDialog lag={p.streamStatus} busy={busy === 'cutover'} onCancel={() => setConfirm(null)}
          onConfirm={(r: CutoverRequest) => void act('cutover', 'POST', `/api/tasks/${id}/cutover`, r)} />
      )}
      {confirm && confirm !== 'cutover' && (
        <ConfirmBox what={confirm} {...confirms[confirm]} typeToConfirm={confirm === 'release' ? p.name : undefined} onCancel={() => setConfirm(null)} />
      )}
      {error && <p className="error" role="alert">{error}</p>}
      <p className="small muted">
        {p.spec.source.host}:{p.spec.source.port}/{p.spec.source.database} → {p.spec.target.host}:{p.spec.target.port}/{p.spec.target.database} ·{' '}
        {p.spec.migration === 'full' ? 'schema and data' : 'schema only'}{p.incremental ? ', then incremental until a cutover' : ''} · jobs {p.jobs} · max rate {p.maxRateMBps ? `${p.maxRateMBps} MB/s` : 'unlimited'}
        {p.totals.runs > 0 && ` · ${taskDuration(p)}`}
      </p>
      {running && <ThroughputControl jobs={p.jobs} maxRateMBps={p.maxRateMBps} onSet={(b) => void act('throughput', 'PATCH', `/api/tasks/${id}/throughput`, b)} busy={busy === 'throughput'} />}
      {p.state === 'created' && (
        <p className="card small" data-testid="not-started">
          Not started yet. {p.precheck ? `The last precheck ${p.precheck.passed ? 'passed' : 'failed'} (${new Date(p.precheck.at).toLocaleString()})${p.precheck.current ? '' : ', for an earlier spec: run it again'}.` : 'Run the precheck; Start is enabled once it passes.'}
        </p>
      )}
      <OutcomeBanner p={p} />
      {p.totals.runs > 0 && (
        <p data-testid="totals">
          Copied {p.totals.rows.toLocaleString()} rows, {formatBytes(p.totals.bytes)} in {formatDuration(p.totals.seconds * 1000)}
          {p.totals.runs > 1 ? ` over ${p.totals.runs} runs` : ''}
        </p>
      )}
      <ProgressBar value={p.progress} label="task progress" />
      <ol className="timeline" aria-label="phases">
        {(p.incremental ? INCREMENTAL_PHASES : PHASES).map((ph) => <li key={ph} className={phaseState(p, ph, Boolean(verify?.ok))}>{ph}</li>)}
      </ol>
      {p.error && <p className="error">{p.error}</p>}
      <SlotWarning p={p} />
      <CutoverProgress p={p} />
      {verify && <VerifyPanel v={verify} />}
      <section className="card">
        <h2>Throughput</h2>
        <p className="small">
          {p.state.startsWith('completed') || !p.bytesTotal
            ? `${formatBytes(p.bytesDone)} copied`
            : `${formatBytes(p.bytesDone)} copied; the tables hold about ${formatBytes(p.bytesTotal)} on the source${p.rate ? `; ${formatBytes(p.rate)}/s` : ''}${eta(p) ?? ''}`}
        </p>
        <Chart samples={samples} cap={p.maxRateMBps} live={p.state === 'running'} />
      </section>
      {p.incremental && (p.state === 'streaming' || p.streamStatus) && (
        <section className="card" aria-label="stream">
          <h2>Stream{p.state === 'streaming' ? '' : ' (last report)'}</h2>
          {p.streamStatus ? <LagPanel s={p.streamStatus} /> : <p className="muted">The first lag report comes a few seconds after the copy.</p>}
          {(p.state === 'streaming' || lag.length > 1) && <LagChart samples={lag} />}
        </section>
      )}
      <section className="card">
        <h2>Tables ({p.units.filter((u) => u.state === 'done' || u.state === 'skipped').length} of {p.units.length} done{p.units.some((u) => u.state === 'failed') ? `, ${p.units.filter((u) => u.state === 'failed').length} not copied` : ''})</h2>
        {p.units.length > PAGE && (
          <div className="row">
            <label htmlFor="unit-filter">Filter</label>
            <input id="unit-filter" type="search" placeholder="table name or state" value={filter} onChange={(e) => { setFilter(e.target.value); setPage(0); }} />
            <span className="small muted" role="status">{shown.length === units.length ? `${units.length.toLocaleString()} tables` : `${shown.length.toLocaleString()} of ${units.length.toLocaleString()} tables`}{pages > 1 ? `, page ${page + 1} of ${pages}` : ''}</span>
            {pages > 1 && <><button onClick={() => setPage((n) => Math.max(0, n - 1))} disabled={page === 0}>Previous</button><button onClick={() => setPage((n) => Math.min(pages - 1, n + 1))} disabled={page >= pages - 1}>Next</button></>}
          </div>
        )}
        {p.units.length === 0 ? <p className="muted">{p.spec.migration === 'schema' ? 'A schema migration copies no data.' : 'The table list appears once the plan is made.'}</p> : (
          <ScrollWrap label="tables">
            <table className="units">
              <thead><tr>{th('unit', 'Table')}{th('state', 'State')}{th('rows', 'Rows', true)}{th('bytes', 'Bytes', true)}{th('rate', 'Rate', true)}{byWorkers && <th>Worker</th>}</tr></thead>
              <tbody>
                {shown.slice(page * PAGE, (page + 1) * PAGE).map((u) => (
                  <tr key={u.unit}>
                    <td>{u.unit}{renamed(p, u.unit) && <span className="small muted"> → {renamed(p, u.unit)}</span>}</td>
                    <td><span className={`badge unit-${u.state}`}>{u.state === 'skipped' ? 'done earlier' : u.state === 'failed' ? 'not copied' : u.state}</span></td>
                    <td className="num">{u.rows !== null ? u.rows.toLocaleString() : u.estimatedRows ? `~${u.rowsMoved !== undefined ? `${u.rowsMoved.toLocaleString()} of ~` : ''}${u.estimatedRows.toLocaleString()}` : '–'}</td>
                    <td className="num">{formatBytes(u.bytes)}{u.state === 'copying' && u.totalBytes ? ` of ${formatBytes(u.totalBytes)}` : ''}</td>
                    <td className="num">{u.state === 'copying' && live.current.rates.has(u.unit) ? `${formatBytes(live.current.rates.get(u.unit)!)}/s` : u.seconds ? `${formatBytes(rate(u))}/s` : '–'}</td>
                    {byWorkers && <td className="small">{u.worker ?? '–'}</td>}
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollWrap>
        )}
      </section>
      {(failures.length > 0 || skipped.length > 0) && (
        <section className="card" id="objects" aria-label="errors and skipped objects">
          <h2>Errors and skipped objects ({failures.length} rejected or not tried, {skipped.length} skipped)</h2>
          <ul>
            {failures.map((f) => <li key={f.key} className="error">{f.text}</li>)}
            {skipped.map((s) => <li key={`${s.kind} ${s.name}`}>{s.kind} {s.name}: skipped — {s.reason}</li>)}
          </ul>
        </section>
      )}
      <section className="card">
        <h2>Runs, retries and resumes</h2>
        {p.runs.length > 0 && (
          <ScrollWrap label="runs">
            <table className="runs" aria-label="runs">
              <thead><tr><th>Run</th><th>Started</th><th>State</th><th>Rows</th><th>Bytes</th><th>Duration</th></tr></thead>
              <tbody>
                {p.runs.map((r) => (
                  <tr key={r.run}>
                    <td>{r.run} ({r.kind})</td>
                    <td className="small">{new Date(r.startedAt).toLocaleString()}</td>
                    <td>{r.state}</td>
                    <td>{r.rows.toLocaleString()}</td>
                    <td>{formatBytes(r.bytes)}</td>
                    <td>{formatDuration(r.seconds * 1000)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollWrap>
        )}
        {runs.length === 0 ? <p className="muted">Not started yet.</p> : (
          <ul className="history">{runs.map((h) => <li key={h.at + h.kind + h.message} data-kind={h.kind}><time dateTime={h.at}>{new Date(h.at).toLocaleString()}</time> {HISTORY_LABEL[h.kind] ? <strong>{HISTORY_LABEL[h.kind]}: </strong> : null}{h.message}</li>)}</ul>
        )}
      </section>
      <EventLog history={p.history} />
    </main>
  );
}

/**
 * Asks before an action. A destructive one is red and starts with the focus on Cancel, so that
 * Enter never confirms it by accident; with `typeToConfirm`, its button stays disabled until that
 * text (the task's name) is typed.
 */
function ConfirmBox({ what, text, run, destructive, typeToConfirm, onCancel }: { what: string; text: string; run: () => void; destructive?: boolean; typeToConfirm?: string; onCancel: () => void }) {
  const [typed, setTyped] = useState('');
  const ready = typeToConfirm === undefined || typed === typeToConfirm;
  return (
    <div className={`card confirm${destructive ? ' destructive' : ''}`} role="alertdialog" aria-label={`confirm ${what}`}>
      <p>{text}</p>
      {typeToConfirm !== undefined && (
        <p>
          <label>
            Type the task's name, <strong>{typeToConfirm}</strong>, to {what} it{' '}
            <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} aria-describedby="confirm-name-hint" />
          </label>
          <span id="confirm-name-hint" className="small muted"> {ready ? '' : 'the button is enabled once the name matches'}</span>
        </p>
      )}
      <button className={destructive ? 'danger solid' : 'primary'} onClick={run} disabled={!ready}>Yes, {what}</button>{' '}
      <button onClick={onCancel} autoFocus>Cancel</button>
    </div>
  );
}

/** The running task's jobs and rate limit, changed in place: the run takes them within a second. */
function ThroughputControl({ jobs, maxRateMBps, onSet, busy }: { jobs: number; maxRateMBps: number | null; onSet: (b: { jobs: number; maxRateMBps: number | null }) => void; busy: boolean }) {
  const [j, setJ] = useState(String(jobs));
  const [r, setR] = useState(maxRateMBps === null ? '' : String(maxRateMBps));
  const jobsError = jobsProblem(j);
  const rateError = rateProblem(r);
  const changed = Number(j) !== jobs || (r.trim() === '' ? null : Number(r)) !== maxRateMBps;
  return (
    <form className="row throughput" aria-label="throughput" onSubmit={(e) => { e.preventDefault(); if (!jobsError && !rateError && changed) onSet({ jobs: Number(j), maxRateMBps: r.trim() === '' ? null : Number(r) }); }}>
      <label htmlFor="live-jobs">Jobs</label>
      <input id="live-jobs" type="number" min={1} max={64} value={j} onChange={(e) => setJ(e.target.value)} aria-invalid={Boolean(jobsError)} aria-describedby="live-jobs-error" />
      {jobsError && <span id="live-jobs-error" className="error small">{jobsError}</span>}
      <label htmlFor="live-rate">Max rate (MB/s)</label>
      <input id="live-rate" type="number" min={0} step="any" placeholder="unlimited" value={r} onChange={(e) => setR(e.target.value)} aria-invalid={Boolean(rateError)} aria-describedby="live-rate-error" />
      {rateError && <span id="live-rate-error" className="error small">{rateError}</span>}
      <button type="submit" disabled={busy || !changed || Boolean(jobsError || rateError)}>{busy ? 'Applying…' : 'Apply'}</button>
      <span className="small muted">the run takes them within a second; more jobs than it started with come with its next phase</span>
    </form>
  );
}

/** "; about 2 min left" while data is copied at a known rate, from what is left of the tables' size. */
function eta(p: TaskProgressView): string | null {
  if (p.state !== 'running' || p.phase !== 'data' || !p.rate || !p.bytesTotal) return null;
  const left = p.bytesTotal - (p.bytesDone ?? 0);
  return left > 0 ? `; about ${formatDuration((left / p.rate) * 1000)} left` : null;
}

/** Tables per page of the task page's table list. */
const PAGE = 50;

/** A history line's kind, where its message does not already say it. */
const HISTORY_LABEL: Record<string, string> = { throughput: 'throughput', snapshots: 'snapshots' };

/** The name a table has on the destination when a rename applies to it (of the table or of its schema), else null. */
function renamed(p: TaskProgressView, unit: string): string | null {
  const m = p.spec.mapping;
  if (!m) return null;
  for (const t of m.tables ?? []) {
    const from = `${t.schema}.${t.from}`;
    if (unit === from || unit.startsWith(`${from} `)) {
      const schema = m.schemas?.find((x) => x.from === t.schema)?.to ?? t.schema;
      return `${schema}.${t.to}${unit.slice(from.length)}`;
    }
  }
  for (const x of m.schemas ?? []) if (unit.startsWith(`${x.from}.`)) return `${x.to}.${unit.slice(x.from.length + 1)}`;
  return null;
}

/** A table that may be wider than the screen: scrolls sideways, and says so while it does not all fit. */
function ScrollWrap({ label, children }: { label: string; children: React.ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const [wider, setWider] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const check = () => setWider(el.scrollWidth > el.clientWidth + 1);
    check();
    const ro = new ResizeObserver(check);
    ro.observe(el);
    return () => ro.disconnect();
  });
  return (
    <>
      {wider && <p className="small muted scroll-hint" data-testid="scroll-hint">More columns to the right: scroll the table sideways →</p>}
      <div className="table-wrap" ref={ref} tabIndex={wider ? 0 : undefined} role={wider ? 'region' : undefined} aria-label={wider ? `${label}, scrolls sideways` : undefined}>{children}</div>
    </>
  );
}
