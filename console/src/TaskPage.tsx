/**
 * One task: phase timeline, per-table progress (sortable), a live throughput chart, errors and
 * skipped objects, history, and the actions stop, resume, release and verify.
 */
import { useEffect, useRef, useState } from 'react';
import { ApiFailure, api, formatBytes, formatDuration, taskEvents, type TaskProgress, type UnitProgress, type VerifyReport } from './api';
import { ProgressBar, StateBadge } from './TaskList';

const PHASES = ['pre-data', 'data', 'post-data', 'sequences', 'verify'] as const;
const ORDER = ['connect', 'catalog', 'pre-data', 'data', 'post-data', 'sequences', 'analyze', 'rename', 'verify'];

function phaseState(p: TaskProgress, phase: string, verified: boolean): 'done' | 'current' | 'todo' {
  if (phase === 'verify') return verified ? 'done' : 'todo';
  if (p.state === 'completed') return 'done';
  const cur = ORDER.indexOf(p.phase ?? '');
  const me = ORDER.indexOf(phase);
  if (cur < 0) return 'todo';
  return me < cur ? 'done' : me === cur ? 'current' : 'todo';
}

type Sample = { t: number; mbps: number; rowsps: number };

function Chart({ samples }: { samples: Sample[] }) {
  const w = 600;
  const h = 140;
  if (samples.length < 2) return <p className="muted">The throughput chart fills in while data is copied.</p>;
  const t0 = samples[0].t;
  const span = Math.max(1, samples[samples.length - 1].t - t0);
  const maxM = Math.max(1, ...samples.map((s) => s.mbps));
  const maxR = Math.max(1, ...samples.map((s) => s.rowsps));
  const line = (f: (s: Sample) => number, max: number) => samples.map((s) => `${(((s.t - t0) / span) * w).toFixed(1)},${(h - (f(s) / max) * (h - 10)).toFixed(1)}`).join(' ');
  const last = samples[samples.length - 1];
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-label={`throughput: ${last.mbps.toFixed(1)} MB/s, ${Math.round(last.rowsps)} rows/s`} preserveAspectRatio="none">
        <polyline points={line((s) => s.mbps, maxM)} className="mbps" />
        <polyline points={line((s) => s.rowsps, maxR)} className="rowsps" />
      </svg>
      <figcaption>
        <span className="key mbps">MB/s</span> now {last.mbps.toFixed(1)} (peak {maxM.toFixed(1)}) · <span className="key rowsps">rows/s</span> now {Math.round(last.rowsps)} (peak {Math.round(maxR)})
      </figcaption>
    </figure>
  );
}

type SortKey = 'unit' | 'state' | 'rows' | 'bytes' | 'rate';

export function TaskPage({ id }: { id: string }) {
  const [p, setP] = useState<TaskProgress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [samples, setSamples] = useState<Sample[]>([]);
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'bytes', desc: true });
  const [verify, setVerify] = useState<VerifyReport | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);
  const last = useRef<{ t: number; bytes: number; rows: number } | null>(null);

  const onProgress = (x: TaskProgress) => {
    setP(x);
    const rows = x.units.reduce((a, u) => a + (u.rows ?? 0), 0);
    const bytes = x.bytesDone ?? 0;
    const t = Date.now();
    const prev = last.current;
    if (prev && t > prev.t && x.state === 'running') {
      const dt = (t - prev.t) / 1000;
      setSamples((s) => [...s.slice(-300), { t, mbps: Math.max(0, (bytes - prev.bytes) / dt / 1024 ** 2), rowsps: Math.max(0, (rows - prev.rows) / dt) }]);
    }
    last.current = { t, bytes, rows };
  };

  useEffect(() => {
    let stop = () => {};
    let timer: ReturnType<typeof setTimeout> | undefined;
    const follow = () => {
      stop = taskEvents(id, onProgress, () => {
        // the stream ends when the task is not running: poll slowly for a resume started elsewhere
        timer = setTimeout(() => api<TaskProgress>('GET', `/api/tasks/${id}/progress`).then((x) => { onProgress(x); if (x.state === 'running') follow(); else timer = setTimeout(follow, 3000); }, () => {}), 1000);
      });
    };
    api<TaskProgress>('GET', `/api/tasks/${id}/progress`).then((x) => { onProgress(x); follow(); }, (e) => setError(e instanceof ApiFailure ? `${e.error.code}: ${e.error.message}` : String(e)));
    return () => { stop(); if (timer) clearTimeout(timer); };
  }, [id]);

  const act = async (what: string, method: string, path: string) => {
    setConfirm(null);
    setBusy(what);
    setError(null);
    try {
      if (what === 'verify') setVerify(await api<VerifyReport>(method, path));
      else await api(method, path);
      if (what === 'release') window.location.hash = '#/';
      else setP(await api<TaskProgress>('GET', `/api/tasks/${id}/progress`));
      if (what === 'resume') window.location.reload();
    } catch (e) {
      setError(e instanceof ApiFailure ? `${e.error.code}: ${e.error.message}${e.error.fix ? ` — ${e.error.fix}` : ''}` : String(e));
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
  const th = (key: SortKey, label: string) => (
    <th aria-sort={sort.key === key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
      <button className="link" onClick={() => setSort((s) => ({ key, desc: s.key === key ? !s.desc : true }))}>{label}{sort.key === key ? (sort.desc ? ' ▾' : ' ▴') : ''}</button>
    </th>
  );
  const plan = [...p.history].reverse().find((h) => h.kind === 'plan');
  const skipped = plan?.data?.skipped ?? [];
  const failures = p.history.filter((h) => h.kind === 'object-failed');
  const runs = p.history.filter((h) => ['start', 'resume', 'retry', 'stop', 'stopped', 'failed', 'completed', 'verify'].includes(h.kind));
  const running = p.state === 'running' || p.state === 'stopping';
  const resumable = ['stopped', 'failed', 'interrupted'].includes(p.state);
  const confirms: Record<string, { text: string; run: () => void }> = {
    stop: { text: 'Stop this migration at the next table boundary? What is finished stays; you can resume later.', run: () => void act('stop', 'POST', `/api/tasks/${id}/stop`) },
    resume: { text: 'Resume writes into the destination database again, continuing from the last checkpoint. Resume?', run: () => void act('resume', 'POST', `/api/tasks/${id}/resume`) },
    release: { text: 'Release removes this task and its checkpoints on the destination. What it migrated stays, but it can no longer be resumed. Release?', run: () => void act('release', 'DELETE', `/api/tasks/${id}`) },
  };

  return (
    <main className="page">
      <a href="#/" className="back">← Tasks</a>
      <div className="row spread">
        <h1>{p.name} <StateBadge state={p.state} /></h1>
        <div className="row actions-top">
          <button onClick={() => setConfirm('stop')} disabled={!running || Boolean(busy)}>Stop</button>
          <button onClick={() => setConfirm('resume')} disabled={!resumable || Boolean(busy)}>Resume</button>
          <button onClick={() => void act('verify', 'POST', `/api/tasks/${id}/verify`)} disabled={running || Boolean(busy)}>{busy === 'verify' ? 'Verifying…' : 'Verify'}</button>
          <button className="danger" onClick={() => setConfirm('release')} disabled={running || Boolean(busy)}>Release</button>
        </div>
      </div>
      {confirm && (
        <div className="card confirm" role="alertdialog" aria-label={`confirm ${confirm}`}>
          <p>{confirms[confirm].text}</p>
          <button className="primary" onClick={confirms[confirm].run} autoFocus>Yes, {confirm}</button> <button onClick={() => setConfirm(null)}>Cancel</button>
        </div>
      )}
      {error && <p className="error" role="alert">{error}</p>}
      <p className="small muted">
        {p.spec.source.host}:{p.spec.source.port}/{p.spec.source.database} → {p.spec.target.host}:{p.spec.target.port}/{p.spec.target.database} ·{' '}
        {p.spec.migration === 'full' ? 'schema and data' : 'schema only'} · jobs {p.jobs} · max rate {p.maxRateMBps ? `${p.maxRateMBps} MB/s` : 'unlimited'}
        {p.startedAt && ` · ${formatDuration((p.finishedAt ? Date.parse(p.finishedAt) : Date.now()) - Date.parse(p.startedAt))}`}
      </p>
      <ProgressBar value={p.progress} label="task progress" />
      <ol className="timeline" aria-label="phases">
        {PHASES.map((ph) => <li key={ph} className={phaseState(p, ph, Boolean(verify?.ok))}>{ph}</li>)}
      </ol>
      {p.error && <p className="error">{p.error}</p>}
      {verify && (
        <div className={`card ${verify.ok ? 'okbox' : 'warn'}`} role="status" data-testid="verify-result">
          {verify.ok ? `Verify passed: ${verify.tables.length} tables and ${verify.sequences.length} sequences equal` : `Verify found differences: ${verify.tables.filter((t) => !t.ok).map((t) => `${t.table} (${t.problems.join('; ')})`).join(', ')}`}
        </div>
      )}
      <section className="card">
        <h2>Throughput</h2>
        <p className="small">
          {p.state === 'completed' || !p.bytesTotal
            ? `${formatBytes(p.bytesDone)} copied`
            : `${formatBytes(p.bytesDone)} copied; the tables hold about ${formatBytes(p.bytesTotal)} on the source${p.rate ? `; ${formatBytes(p.rate)}/s` : ''}`}
        </p>
        <Chart samples={samples} />
      </section>
      <section className="card">
        <h2>Tables ({p.units.filter((u) => u.state === 'done' || u.state === 'skipped').length} of {p.units.length} done)</h2>
        {p.units.length === 0 ? <p className="muted">{p.spec.migration === 'schema' ? 'A schema migration copies no data.' : 'The table list appears once the plan is made.'}</p> : (
          <div className="table-wrap">
            <table className="units">
              <thead><tr>{th('unit', 'Table')}{th('state', 'State')}{th('rows', 'Rows')}{th('bytes', 'Bytes')}{th('rate', 'Rate')}</tr></thead>
              <tbody>
                {units.map((u) => (
                  <tr key={u.unit}>
                    <td>{u.unit}</td>
                    <td><span className={`badge unit-${u.state}`}>{u.state === 'skipped' ? 'done earlier' : u.state}</span></td>
                    <td>{u.rows ?? (u.estimatedRows ? `~${u.estimatedRows}` : '–')}</td>
                    <td>{formatBytes(u.bytes)}{u.state === 'copying' && u.totalBytes ? ` of ${formatBytes(u.totalBytes)}` : ''}</td>
                    <td>{u.seconds ? `${formatBytes(rate(u))}/s` : '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {(failures.length > 0 || skipped.length > 0) && (
        <section className="card">
          <h2>Errors and skipped objects</h2>
          <ul>
            {failures.map((f) => <li key={f.at + f.message} className="error">{f.message}</li>)}
            {skipped.map((s) => <li key={`${s.kind} ${s.name}`}>{s.kind} {s.name}: skipped — {s.reason}</li>)}
          </ul>
        </section>
      )}
      <section className="card">
        <h2>Runs, retries and resumes</h2>
        {runs.length === 0 ? <p className="muted">Not started yet.</p> : (
          <ul className="history">{runs.map((h) => <li key={h.at + h.kind + h.message}><time>{new Date(h.at).toLocaleTimeString()}</time> <strong>{h.kind}</strong> {h.message}</li>)}</ul>
        )}
      </section>
    </main>
  );
}
