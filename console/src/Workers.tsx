import { formatSeconds, type WorkersView } from './api';
import { usePoll } from './usePoll';

/**
 * The fleet's workers (fleet mode, docs/fleet.md): each one's host, the runs and spread-copy units
 * it has in hand, and how long ago it last reported; refreshed every 2 s like the task list.
 */
export function Workers() {
  const { data: view, error } = usePoll<WorkersView>('/api/workers');
  return (
    <main className="page">
      <h1>Workers</h1>
      {error && <p className="error" role="alert">{error}</p>}
      {view === null && !error && <p className="muted">Loading workers…</p>}
      {view !== null && view.workers.length === 0 && (
        <div className="empty card">
          <p>No worker has reported to this store. A fleet needs a PostgreSQL store: <code>pgferry worker --store postgresql://…</code> on each machine.</p>
        </div>
      )}
      {view !== null && Object.keys(view.hostLimits).length > 0 && (
        <section className="card" aria-label="limits per server">
          <h2>Limits per server</h2>
          <ul>
            {Object.entries(view.hostLimits).map(([server, n]) => (
              <li key={server}><code>{server}</code>: at most {n} table cop{n === 1 ? 'y' : 'ies'} at once, over every task</li>
            ))}
          </ul>
          <p className="small muted">set with <code>pgferry host-limit HOST[:PORT] N</code>, lifted with <code>off</code></p>
        </section>
      )}
      {view !== null && view.workers.length > 0 && (
        <div className="table-wrap">
          <table className="tasks">
            <caption className="small muted">a worker silent for over {view.silenceSeconds} s is taken for gone; its runs and units go to the others</caption>
            <thead>
              <tr>
                <th>Name</th>
                <th>Host</th>
                <th>Runs</th>
                <th>Jobs</th>
                <th>Last report</th>
                <th>State</th>
              </tr>
            </thead>
            <tbody>
              {view.workers.map((w) => (
                <tr key={w.name}>
                  <td data-label="Name">{w.name}</td>
                  <td data-label="Host" className="small">{w.host} (pid {w.pid})</td>
                  <td data-label="Runs">
                    {w.tasks.length}/{w.concurrency}
                    {w.tasks.map((id) => (
                      <a key={id} href={`#/tasks/${id}`} className="small worker-task">{id.slice(0, 8)}</a>
                    ))}
                  </td>
                  <td data-label="Jobs">{jobsHeld(w.units)}</td>
                  <td data-label="Last report">{formatSeconds(w.heartbeatAge)} ago</td>
                  <td data-label="State"><span className={`badge ${w.live ? 'state-completed' : 'state-failed'}`}>{w.live ? 'live' : 'silent'}</span></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </main>
  );
}

/** What a worker holds for other tasks' runs: copy units by id, verify parts as `part:ID`, stream lanes as `lane:ID`. */
function jobsHeld(listed: string[]): string {
  const parts = listed.filter((u) => u.startsWith('part:')).length;
  const lanes = listed.filter((u) => u.startsWith('lane:')).length;
  const units = listed.length - parts - lanes;
  return [`${units} unit(s) copying`, ...(parts ? [`${parts} verify part(s)`] : []), ...(lanes ? [`${lanes} stream lane(s)`] : [])].join(', ');
}
