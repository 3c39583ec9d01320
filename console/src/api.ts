/** The console's client of the pgferry HTTP API (the token rides in every request). */

export interface ApiError {
  code: string;
  message: string;
  object?: string;
  fix?: string;
  fields?: { field: string; message: string }[];
}

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
export function taskEvents(id: string, onProgress: (p: TaskProgress) => void, onEnd: () => void): () => void {
  let es: EventSource | null = null;
  let cancelled = false;
  const path = `/api/tasks/${encodeURIComponent(id)}/events`;
  api<{ ticket: string }>('POST', `${path}/ticket`)
    .then(({ ticket }) => {
      if (cancelled) return;
      es = new EventSource(`${path}?ticket=${encodeURIComponent(ticket)}`);
      es.addEventListener('progress', (e) => onProgress(JSON.parse((e as MessageEvent).data) as TaskProgress));
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

export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

export interface ConnFields {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  sslmode: SslMode;
}

export interface SideResult {
  side: 'source' | 'target';
  endpoint: string;
  passed: boolean;
  serverVersion?: string;
  tls?: boolean;
  failedStep?: string;
  code?: string;
  message?: string;
  fix?: string;
}

export interface PrecheckItem {
  id: string;
  title: string;
  status: 'pass' | 'warn' | 'fail';
  detail: string;
  fix?: string;
  objects?: string[];
}

export interface ObjectTable {
  name: string;
  kind: string;
  hasKey: boolean;
  rows: number;
  columns: { name: string; type: string }[];
  /** A partitioned table's partitions (selecting the table takes them all). */
  partitions?: ObjectPartition[];
}

/** A partition, possibly in another schema than its parent; `bound` is FOR VALUES ... or DEFAULT. */
export interface ObjectPartition extends ObjectTable {
  schema: string;
  bound: string;
}

export interface ObjectTree {
  schemas: { name: string; tables: ObjectTable[] }[];
}

/** How a completed task ended (null until it has completed); the lists are in `summary`. */
export interface TaskOutcome {
  state: string;
  severity: 'ok' | 'warning' | 'error';
  rejected: number;
  notTried: number;
  skipped: number;
  dataSnapshots: number;
}

/** Every run's own rows, bytes and seconds, summed. */
export interface TaskTotals {
  runs: number;
  rows: number;
  bytes: number;
  seconds: number;
}

export interface ObjectFailure {
  kind: string;
  name: string;
  error: string;
  code: string;
  blockedBy?: string;
}

export interface TaskSummary {
  failures: ObjectFailure[];
  skipped: { kind: string; name: string; reason: string }[];
  dataSnapshots: number;
}

export interface Task {
  id: string;
  name: string;
  /** The shown state; a completed task says how it ended (`completed with errors`, ...). */
  state: string;
  outcome: TaskOutcome | null;
  totals: TaskTotals;
  summary: TaskSummary | null;
  phase: string | null;
  progress: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  jobs: number;
  maxRateMBps: number | null;
  bytesDone: number | null;
  bytesTotal: number | null;
  rate: number | null;
  error: string | null;
  spec: {
    source: { host: string; port: number; database: string; user: string };
    target: { host: string; port: number; database: string; user: string };
    migration: 'schema' | 'full';
  };
  precheck: { passed: boolean; at: string; current: boolean } | null;
}

export interface UnitProgress {
  unit: string;
  /** skipped: done by an earlier run; failed: not copied, its table was rejected. */
  state: 'pending' | 'copying' | 'done' | 'skipped' | 'failed';
  rows: number | null;
  bytes: number;
  totalBytes: number | null;
  estimatedRows: number | null;
  seconds: number | null;
}

export interface HistoryEntry {
  at: string;
  kind: string;
  message: string;
  data: { skipped?: { kind: string; name: string; reason: string }[]; notes?: string[] } | null;
}

/** One run (a start or a resume) and what it copied itself. */
export interface RunRecord {
  run: number;
  kind: 'start' | 'resume';
  startedAt: string;
  finishedAt: string | null;
  state: string;
  rows: number;
  bytes: number;
  seconds: number;
}

export interface TaskProgress extends Task {
  runs: RunRecord[];
  units: UnitProgress[];
  history: HistoryEntry[];
}

/** A stored verify report (the fields the console reads; the server keeps whatever the report has) and when it ran. */
export interface VerifyReport {
  at: string;
  ok: boolean;
  tables: { table: string; ok: boolean; sourceRows: number | null; targetRows: number | null; ranges?: number; problems: string[] }[];
  sequences: { sequence: string; ok: boolean; source?: string | null; target?: string | null }[];
  largeObjects?: { count: number; problems: string[] };
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
