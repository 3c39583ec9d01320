import { useState } from 'react';
import { usePoll } from './usePoll';
import { formatDuration, formatSeconds, outcomeWords, stateClass, type TaskListView, type TaskView } from './api';

const STATES = [
  'all', 'created', 'queued', 'running', 'streaming', 'stopping', 'stopped', 'interrupted', 'failed',
  'completed', 'completed with errors', 'completed from several snapshots', 'completed with skipped objects',
];

export function ProgressBar({ value, label }: { value: number; label?: string }) {
  const pct = Math.round(Math.max(0, Math.min(1, value)) * 100);
  return (
    <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-label={label ?? 'progress'}>
      <div className="progress-fill" style={{ width: `${pct}%` }} />
      <span className="progress-text">{pct}%</span>
    </div>
  );
}

export function StateBadge({ state }: { state: string }) {
  return <span className={`badge ${stateClass(state)}`}>{state}</span>;
}

/** A completed task's problems with their counts, linking to the list of objects on its page. */
export function OutcomeLink({ task }: { task: TaskView }) {
  const words = outcomeWords(task.outcome);
  if (!words) return null;
  return (
    <a href={`#/tasks/${task.id}/objects`} className={`outcome-link ${task.outcome!.severity}`} aria-label={`${words}: see the objects of ${task.name}`}>
      {words}
    </a>
  );
}

/** The whole task's time: every run's, summed (the current one up to its last progress write). */
export function taskDuration(t: TaskView): string {
  return t.totals.runs ? formatDuration(t.totals.seconds * 1000) : '–';
}

export function TaskList() {
  const { data, error } = usePoll<TaskListView>('/api/tasks');
  const tasks = data?.tasks ?? null;
  const [filter, setFilter] = useState('all');
  const shown = (tasks ?? []).filter((t) => filter === 'all' || t.state === filter);
  return (
    <main className="page">
      <div className="row spread">
        <h1>Migration tasks</h1>
        <label className="inline">
          State{' '}
          <select value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="filter by state">
            {STATES.map((s) => (
              <option key={s} value={s}>{s}</option>
            ))}
          </select>
        </label>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {tasks === null && !error && <p className="muted">Loading tasks…</p>}
      {tasks !== null && shown.length === 0 && (
        <div className="empty card">
          <p>{tasks.length ? 'No task in this state.' : 'No migration task yet.'}</p>
          <a href="#/new" className="button primary">Create a task</a>
        </div>
      )}
      {shown.length > 0 && (
        <div className="table-wrap">
          <table className="tasks">
            <thead>
              <tr>
                <th>Name</th>
                <th>Source → target</th>
                <th>State</th>
                <th>Phase</th>
                <th>Progress</th>
                <th>Rows</th>
                <th>Worker</th>
                <th>Started</th>
                <th>Duration</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((t) => (
                <tr key={t.id}>
                  <td data-label="Name"><a href={`#/tasks/${t.id}`}>{t.name}</a></td>
                  <td data-label="Source → target" className="small endpoints">{t.spec.source.host}:{t.spec.source.port}/{t.spec.source.database} → {t.spec.target.host}:{t.spec.target.port}/{t.spec.target.database}</td>
                  <td data-label="State"><span className="state-cell"><StateBadge state={t.state} /><OutcomeLink task={t} /></span></td>
                  <td data-label="Phase">{t.phase ?? '–'}{t.state === 'streaming' && t.streamStatus ? <span className="small muted"> · {formatSeconds(t.streamStatus.lagSeconds)} behind</span> : null}</td>
                  <td data-label="Progress" className="w-progress"><ProgressBar value={t.progress} label={`progress of ${t.name}`} /></td>
                  <td data-label="Rows">{t.totals.runs ? t.totals.rows.toLocaleString() : '–'}</td>
                  <td data-label="Worker" className="small">{t.worker ?? '–'}</td>
                  <td data-label="Started" className="small">{t.startedAt ? new Date(t.startedAt).toLocaleString() : '–'}</td>
                  <td data-label="Duration">{taskDuration(t)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </main>
  );
}
