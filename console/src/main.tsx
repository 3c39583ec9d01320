import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiFailure, api, clearToken, setToken, takeToken } from './api';
import { TaskList } from './TaskList';
import { Wizard } from './Wizard';
import { TaskPage } from './TaskPage';
import { Workers } from './Workers';
import './styles.css';

/** Hash routes: #/ (tasks), #/new (wizard), #/new?from=ID (the wizard filled in from a task), #/tasks/ID (one task), #/workers (the fleet). */
function useRoute(): string {
  const [route, setRoute] = useState(() => window.location.hash.replace(/^#/, '') || '/');
  useEffect(() => {
    const on = () => setRoute(window.location.hash.replace(/^#/, '') || '/');
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

function TokenGate({ onToken }: { onToken: () => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setToken(value.trim());
    try {
      await api('GET', '/api/tasks');
      onToken();
    } catch (err) {
      clearToken();
      setError(err instanceof ApiFailure ? err.error.message : String(err));
    }
  };
  return (
    <main className="page narrow">
      <h1>pgferry</h1>
      <form onSubmit={submit} className="card">
        <label htmlFor="token">API token</label>
        <p className="hint">printed by the first <code>pgferry serve</code> (or set with PGFERRY_TOKEN)</p>
        <input id="token" type="password" autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)} autoFocus />
        {/* the line is kept when empty, so that the button does not move when an error appears */}
        <p className="error reserved" role="alert">{error ?? ''}</p>
        <button type="submit" className="primary" disabled={!value.trim()}>Sign in</button>
      </form>
    </main>
  );
}

function App() {
  const route = useRoute();
  const [hasToken, setHasToken] = useState(() => Boolean(takeToken()));
  if (!hasToken) return <TokenGate onToken={() => setHasToken(true)} />;
  const task = /^\/tasks\/([^/]+)/.exec(route);
  // #/new?from=ID: the wizard filled in from task ID (its copy, edited)
  const wizard = /^\/new(?:\?from=([^&]+))?$/.exec(route);
  return (
    <>
      <header className="topbar">
        <a href="#/" className="brand">pgferry</a>
        <nav>
          <a href="#/">Tasks</a>
          <a href="#/workers">Workers</a>
          <a href="#/new" className="button primary">Create task</a>
          <button className="link signout" onClick={() => { clearToken(); setHasToken(false); }}>Sign out</button>
        </nav>
      </header>
      {route === '/workers' ? <Workers /> : wizard ? <Wizard key={route} from={wizard[1] ? decodeURIComponent(wizard[1]) : undefined} /> : task ? <TaskPage key={task[1]} id={decodeURIComponent(task[1])} /> : <TaskList />}
    </>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
