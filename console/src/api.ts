/**
 * The console's client of the pgferry HTTP API (the token rides in every request). The shapes the
 * API sends are the server's own types (src/api/api-types.ts, `@server` in tsconfig.json), imported
 * as types only: erased from the bundle. A value import of server code fails the build (vite.config.ts).
 */
import type { ApiError, EventTicket, SslMode, TaskOutcome, TaskProgressView } from '@server/api/api-types';

export type {
  ConnectivityReport, ConnSpecInput, CutoverRequest, CutoverSummary, StreamStatus, ObjectTree, ObjectTreeTable, PlanHistoryData, PlanPreview, PrecheckReport, SideResult, SslMode, TaskListView,
  SamplesView, TaskProgressView, TaskSample, TaskSpecInput, TaskView, UnitProgress, VerifyView, WorkersView,
} from '@server/api/api-types';

export class ApiFailure extends Error {
  constructor(readonly status: number, readonly error: ApiError) {
    super(error.message);
  }
}

const TOKEN_KEY = 'pgferry-token';

/** The token from the URL fragment (#token=...), kept for this browser tab only. */
export function takeToken(): string | null {
  const m = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function clearToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** What is wrong with jobs as typed (the task spec's bounds), or null. */
export function jobsError(jobs: string): string | null {
  return /^\d+$/.test(jobs) && Number(jobs) >= 1 && Number(jobs) <= 64 ? null : 'a whole number from 1 to 64';
}

/** What is wrong with a rate limit in MB/s as typed (empty: no limit), or null. */
export function rateError(rate: string): string | null {
  return rate.trim() === '' || (Number(rate) > 0 && Number.isFinite(Number(rate))) ? null : 'more than 0, or empty for no limit';
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) ?? ''}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = (await res.json().catch(() => ({}))) as { error?: ApiError };
  if (!res.ok) throw new ApiFailure(res.status, data.error ?? { code: `HTTP_${res.status}`, message: res.statusText });
  return data as T;
}

/**
 * Server-Sent Events of a task's progress. EventSource cannot send the token in a header, and the
 * token never goes into a URL: a single-use ticket, fetched with the token, opens the stream.
 */
export function taskEvents(id: string, onProgress: (p: TaskProgressView) => void, onEnd: () => void): () => void {
  let es: EventSource | null = null;
  let cancelled = false;
  const path = `/api/tasks/${encodeURIComponent(id)}/events`;
  api<EventTicket>('POST', `${path}/ticket`)
    .then(({ ticket }) => {
      if (cancelled) return;
      es = new EventSource(`${path}?ticket=${encodeURIComponent(ticket)}`);
      es.addEventListener('progress', (e) => onProgress(JSON.parse((e as MessageEvent).data) as TaskProgressView));
      es.onerror = () => {
        es?.close();
        onEnd();
      };
    })
    .catch(() => onEnd());
  return () => {
    cancelled = true;
    es?.close();
  };
}

/** The connection fields of the wizard's form (a password typed there is sent, never shown again). */
export interface ConnFields {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  sslmode: SslMode;
}

/**
 * Whether a task is under way: a live process runs it (running, streaming: an incremental task
 * keeping the target in step, stopping), or a run waits in the fleet's queue (queued). The console
 * polls, follows events and offers Stop then.
 */
export function isLiveState(state: string): boolean {
  return state === 'running' || state === 'streaming' || state === 'stopping' || state === 'queued';
}

/** The CSS class of a shown state: `state-completed-with-errors` for `completed with errors`. */
export function stateClass(state: string): string {
  return `state-${state.replace(/[^a-z]+/g, '-')}`;
}

/** What a completed task's problems come to, in a few words ('' when it ended cleanly). */
export function outcomeWords(o: TaskOutcome | null): string {
  if (!o || o.severity === 'ok') return '';
  const parts = [
    o.rejected ? `${o.rejected} rejected` : '',
    o.notTried ? `${o.notTried} not tried` : '',
    o.skipped ? `${o.skipped} skipped` : '',
    o.dataSnapshots > 1 ? `${o.dataSnapshots} snapshots` : '',
  ];
  return parts.filter(Boolean).join(', ');
}

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} kB`;
  return `${n} B`;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/** A lag or a downtime in seconds: tenths below a minute ("0.4 s"), then minutes and hours. */
export function formatSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '–';
  return s < 60 ? `${s.toFixed(1)} s` : formatDuration(s * 1000);
}

/** A per-second rate with one decimal below 100 ("4.5"), whole and grouped above. */
export function formatRate(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return n < 100 ? n.toFixed(1) : Math.round(n).toLocaleString();
}
