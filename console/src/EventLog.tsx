/**
 * Everything the task's history holds, dated: creation, copies, tests, prechecks, plans, runs,
 * retries, objects the target rejected, throughput and password changes, verifies, the stream and
 * the cutover. Newest first, filtered by kind or text, 50 lines at a time.
 */
import { useState } from 'react';
import type { TaskProgressView } from './api';

type Entry = TaskProgressView['history'][number];

/** Lines shown before "Show older". */
const STEP = 50;

export function EventLog({ history }: { history: Entry[] }) {
  const [kind, setKind] = useState('');
  const [text, setText] = useState('');
  const [shown, setShown] = useState(STEP);
  const kinds = [...new Set(history.map((h) => h.kind))].sort();
  const t = text.trim().toLowerCase();
  const lines = [...history].reverse().filter((h) => (!kind || h.kind === kind) && (!t || h.message.toLowerCase().includes(t)));
  return (
    <section className="card" aria-label="event log">
      <div className="row spread">
        <h2>Event log</h2>
        <div className="row">
          <label htmlFor="log-kind">Kind</label>
          <select id="log-kind" value={kind} onChange={(e) => { setKind(e.target.value); setShown(STEP); }}>
            <option value="">all ({history.length.toLocaleString()})</option>
            {kinds.map((k) => <option key={k} value={k}>{k} ({history.filter((h) => h.kind === k).length.toLocaleString()})</option>)}
          </select>
          <label htmlFor="log-text">Find</label>
          <input id="log-text" type="search" value={text} onChange={(e) => { setText(e.target.value); setShown(STEP); }} />
        </div>
      </div>
      {lines.length === 0 ? <p className="muted">No event matches.</p> : (
        <ul className="event-log">
          {lines.slice(0, shown).map((h, i) => (
            <li key={`${h.at} ${i}`} data-kind={h.kind}>
              <time dateTime={h.at}>{new Date(h.at).toLocaleString()}</time> <span className="kind">{h.kind}</span> {h.message}
            </li>
          ))}
        </ul>
      )}
      {lines.length > shown && <button onClick={() => setShown((n) => n + STEP)}>Show older ({(lines.length - shown).toLocaleString()} more)</button>}
    </section>
  );
}
