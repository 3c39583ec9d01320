/**
 * The HTTP API (and the console's static files) on one port: REST resources over the same task
 * functions the CLI uses, bodies validated by the TaskSpec schema, errors as JSON with stable
 * codes, live progress as Server-Sent Events. Passwords are write-only: no response holds one.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PgferryError, messageOf, type ErrorCode } from '../errors.js';
import { redact } from '../logger.js';
import { classifyError, isConnectionLoss } from '../retry-class.js';
import { ConnSpecSchema, TaskSpecSchema } from '../config/task-spec.js';
import type { TaskRecord, TaskStore } from '../task/task-store.js';
import {
  createTask, effectiveState, precheckTask, releaseTask, setThroughput, startInBackground, stopTask, taskFacts, taskRuns, testTask, verifyTask,
} from '../task/task-service.js';
import { testConnectivity } from '../pg/test-connectivity.js';
import { connect } from '../pg/connect.js';
import { listObjects } from '../catalog/list-objects.js';
import { planFromSource } from '../plan/review-plan.js';
import { planInputs } from '../plan/plan-inputs.js';
import { openApiDocument } from './openapi.js';
import { apiConnInfo, checkStoredTask, DEFAULT_POLICY, resolveApiConn, type ConnectionPolicy } from './connection-policy.js';
import { EventTickets, installGuard, LOOPBACK_NAMES, SECURITY_HEADERS, type Access } from './request-guard.js';
import { registerConsoleFiles } from './console-files.js';
import type {
  ConnectivityReport, ObjectTree, PlanPreview, ReleasedView, StartedView, StoredPrecheckView, TaskListView, TaskProgressView, TaskSummary, TaskView, VerifyView,
} from './api-types.js';

export interface ApiOptions {
  store: TaskStore;
  tokenHash: string;
  /** Built console (index.html and assets); absent: the API only. */
  consoleDir?: string;
  keyFile?: string;
  https?: { key: Buffer; cert: Buffer };
  /** What callers may connect with (default: no sockets, no server files, any TCP host). */
  policy?: ConnectionPolicy;
  /** Host header names accepted (default: the loopback names); 'any' skips the check. */
  hostNames?: string[] | 'any';
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  PGFERRY_E_USAGE: 400,
  PGFERRY_E_NOT_ALLOWED: 403,
  PGFERRY_E_TARGET_BUSY: 409,
  PGFERRY_E_MAPPING: 400,
  PGFERRY_E_TASK_NOT_FOUND: 404,
  PGFERRY_E_TASK_STATE: 409,
  PGFERRY_E_PRECHECK_REQUIRED: 409,
  PGFERRY_E_DNS: 502,
  PGFERRY_E_CONNECT_REFUSED: 502,
  PGFERRY_E_CONNECT_TIMEOUT: 504,
  PGFERRY_E_TLS: 502,
  PGFERRY_E_AUTH: 502,
  PGFERRY_E_DATABASE_MISSING: 502,
  PGFERRY_E_PERMISSION: 502,
  PGFERRY_E_VERSION: 502,
};

/** Seconds a client should wait before repeating a request that failed for a transient reason. */
const RETRY_AFTER_SECONDS = 5;

/** An API error body: the stable code, what it concerns, the cause, a fix, and bad fields. */
function errorBody(code: string, message: string, extra: { object?: string; fix?: string; fields?: { field: string; message: string }[] } = {}) {
  return { error: { code, message: redact(message), ...extra } };
}

/** A 400 naming each invalid field of a body. */
function invalidBody(reply: FastifyReply, err: z.ZodError): FastifyReply {
  const fields = err.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message }));
  return reply.code(400).send(errorBody('PGFERRY_E_USAGE', `invalid request body: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, { fields }));
}

function parseBody<T extends z.ZodTypeAny>(schema: T, req: FastifyRequest, reply: FastifyReply): z.infer<T> | undefined {
  const r = schema.safeParse(req.body ?? {});
  if (r.success) return r.data;
  invalidBody(reply, r.error);
  return undefined;
}

/**
 * A task as the API shows it: everything but secrets (the store has none in the spec). `state` is
 * the shown state (a completed task says how it ended: `completed with errors`, ...); `outcome`
 * has the counts behind it (null until the task has completed); `totals` sum every run.
 */
export function taskView(store: TaskStore, t: TaskRecord): TaskView {
  const f = taskFacts(store, t);
  return {
    id: t.id,
    name: t.name,
    state: f.state,
    outcome: f.outcome,
    totals: f.totals,
    phase: t.phase,
    progress: t.progress,
    createdAt: t.createdAt,
    startedAt: t.startedAt,
    finishedAt: t.finishedAt,
    jobs: t.jobs,
    maxRateMBps: t.maxRateMBps,
    bytesDone: t.bytesDone,
    bytesTotal: t.bytesTotal,
    rate: t.rate,
    error: t.error,
    spec: t.spec,
    passwordsStored: { source: Boolean(store.secret(t.id, 'source')), target: Boolean(store.secret(t.id, 'target')) },
    precheck: t.precheck ? { passed: t.precheck.passed, at: t.precheck.at, current: t.precheck.hash === t.specHash } : null,
    summary: t.summary as TaskSummary | null,
  };
}

function progressView(store: TaskStore, t: TaskRecord): TaskProgressView {
  return { ...taskView(store, t), runs: taskRuns(store, t), units: store.units(t.id), history: store.history(t.id) };
}

const ConnTestBody = z.object({ source: ConnSpecSchema.optional(), target: ConnSpecSchema.optional() }).strict();
const ObjectsBody = z.object({ source: ConnSpecSchema }).strict();
const ThroughputBody = z
  .object({ jobs: z.number().int().min(1).max(64).optional(), maxRateMBps: z.number().positive().nullable().optional() })
  .strict()
  .refine((b) => b.jobs !== undefined || b.maxRateMBps !== undefined, { message: 'give jobs and/or maxRateMBps' });

/** Every route, as `method /path` with who may call it (the security test tries each one). */
export interface RouteEntry {
  method: string;
  url: string;
  access: Access;
}

/** Builds the app: the guard, the API routes, the console's files. */
export async function buildApi(opts: ApiOptions): Promise<FastifyInstance> {
  const { store } = opts;
  const policy = opts.policy ?? DEFAULT_POLICY;
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, ...(opts.https ? { https: opts.https } : {}) } as object) as unknown as FastifyInstance;

  const routes: RouteEntry[] = [];
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) if (m !== 'HEAD') routes.push({ method: m, url: r.url, access: (r.config as { access?: Access } | undefined)?.access ?? 'token' });
  });
  // every /api route as `method /path`, for the test that holds the OpenAPI document to them
  app.decorate('apiRoutes', {
    getter: () => routes.filter((r) => r.url.startsWith('/api/') || r.url === '/healthz').map((r) => `${r.method.toLowerCase()} ${r.url.replace(/:(\w+)/g, '{$1}')}`),
  });
  app.decorate('allRoutes', { getter: () => routes });

  const tickets = new EventTickets();
  installGuard(app, {
    tokenHash: opts.tokenHash,
    hostNames: opts.hostNames ?? LOOPBACK_NAMES,
    tickets,
    deny: (reply, status, code, message, fix) => {
      if (status === 401) reply.header('www-authenticate', 'Bearer');
      return reply.code(status).send(errorBody(code, message, { fix }));
    },
  });
  app.addHook('onSend', async (req, reply) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });

  // a transient failure (src/retry-class.ts: a connection lost, a server restarting, a deadlock)
  // answers 503 with Retry-After; any other keeps its code's status. A request has no earlier
  // connection, so a refused or timed-out one stays 502/504 unless it wraps a transient cause.
  app.setErrorHandler((err, _req, reply) => {
    const status = (err as { statusCode?: number }).statusCode;
    if (!(err instanceof PgferryError) && status && status >= 400 && status < 500) return reply.code(status).send(errorBody('PGFERRY_E_USAGE', messageOf(err)));
    const retryable = classifyError(err).transient;
    const failure = (code: ErrorCode, fix?: string, object?: string) => ({ error: { ...errorBody(code, messageOf(err), { object, fix }).error, retryable } });
    if (retryable) {
      reply.code(503).header('retry-after', String(RETRY_AFTER_SECONDS));
      if (err instanceof PgferryError) return reply.send(failure(err.code, err.fix, err.object));
      return reply.send(failure(isConnectionLoss(err) ? 'PGFERRY_E_CONNECTION_LOST' : 'PGFERRY_E_INTERNAL', `repeat the request after ${RETRY_AFTER_SECONDS} s`));
    }
    if (err instanceof PgferryError) return reply.code(STATUS[err.code] ?? 500).send(failure(err.code, err.fix, err.object));
    return reply.code(500).send(failure('PGFERRY_E_INTERNAL', 'see the server log'));
  });
  // reached only with the token: the guard asks for it before anything is looked up
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send(errorBody('PGFERRY_E_USAGE', `no route ${req.method} ${req.url.split('?')[0]}`, { fix: 'see /api/openapi.json' })),
  );

  /** The task named by the route's :id, exactly (prefixes are for people at the CLI). */
  const taskOf = (req: FastifyRequest) => store.get((req.params as { id: string }).id, { prefix: false });
  /** The same, checked against the connection policy before anything connects with it. */
  const connectingTask = (req: FastifyRequest) => {
    const t = taskOf(req);
    checkStoredTask(t.spec, policy);
    return t;
  };

  app.get('/healthz', { config: { access: 'public' } }, async () => ({ status: 'ok' }));

  app.get('/api/openapi.json', async () => openApiDocument());

  app.post('/api/connections/test', async (req, reply): Promise<ConnectivityReport | FastifyReply> => {
    const body = parseBody(ConnTestBody, req, reply);
    if (!body) return reply;
    if (!body.source && !body.target) return invalidBody(reply, new z.ZodError([{ code: 'custom', path: [], message: 'give source, target or both' }]));
    return testConnectivity({
      source: body.source ? apiConnInfo(body.source, policy, 'source') : undefined,
      target: body.target ? apiConnInfo(body.target, policy, 'target') : undefined,
    });
  });

  app.post('/api/catalog/objects', async (req, reply): Promise<ObjectTree | FastifyReply> => {
    const body = parseBody(ObjectsBody, req, reply);
    if (!body) return reply;
    const client = await connect(apiConnInfo(body.source, policy, 'source'), 'source');
    try {
      return await listObjects(client);
    } finally {
      await client.end().catch(() => {});
    }
  });

  // what a spec's selection and mapping would skip or rename, before a task exists
  app.post('/api/plan/preview', async (req, reply): Promise<PlanPreview | FastifyReply> => {
    const body = parseBody(TaskSpecSchema, req, reply);
    if (!body) return reply;
    resolveApiConn(body.target, policy, 'target');
    const { plan } = await planFromSource(apiConnInfo(body.source, policy, 'source'), planInputs(body));
    return { skipped: plan.skipped, notes: [...plan.notes, ...plan.selectionNotes] };
  });

  app.get('/api/tasks', async (req): Promise<TaskListView> => {
    const state = (req.query as { state?: string }).state;
    return { tasks: store.list().map((t) => taskView(store, t)).filter((t) => !state || t.state === state) };
  });

  app.post('/api/tasks', async (req, reply) => {
    const body = parseBody(TaskSpecSchema, req, reply);
    if (!body) return reply;
    resolveApiConn(body.source, policy, 'source');
    resolveApiConn(body.target, policy, 'target');
    const t = createTask(store, body, opts.keyFile, { origin: 'api' });
    return reply.code(201).send(taskView(store, t));
  });

  app.get('/api/tasks/:id', async (req): Promise<TaskView> => taskView(store, taskOf(req)));

  app.delete('/api/tasks/:id', async (req): Promise<ReleasedView> => {
    const t = connectingTask(req);
    const r = await releaseTask(store, t.id, opts.keyFile);
    return { released: t.id, checkpointsDropped: r.marksDropped };
  });

  app.patch('/api/tasks/:id/throughput', async (req, reply) => {
    const body = parseBody(ThroughputBody, req, reply);
    if (!body) return reply;
    return taskView(store, setThroughput(store, taskOf(req).id, body));
  });

  app.post('/api/tasks/:id/test', async (req) => testTask(store, connectingTask(req).id, opts.keyFile));

  app.post('/api/tasks/:id/precheck', async (req) => precheckTask(store, connectingTask(req).id, opts.keyFile));

  app.get('/api/tasks/:id/precheck', async (req, reply): Promise<StoredPrecheckView | FastifyReply> => {
    const t = taskOf(req);
    if (!t.precheck) return reply.code(404).send(errorBody('PGFERRY_E_USAGE', `task ${t.name} has not been prechecked`, { fix: `POST /api/tasks/${t.id}/precheck` }));
    return { ...t.precheck.report, at: t.precheck.at, current: t.precheck.hash === t.specHash };
  });

  for (const verb of ['start', 'resume'] as const) {
    app.post(`/api/tasks/:id/${verb}`, async (req, reply) => {
      const t = connectingTask(req);
      const r = await startInBackground(store, t.id, { resume: verb === 'resume', keyFile: opts.keyFile });
      return reply.code(202).send({ ...taskView(store, store.get(t.id)), pid: r.pid } satisfies StartedView);
    });
  }

  app.post('/api/tasks/:id/stop', async (req, reply) => reply.code(202).send(taskView(store, await stopTask(store, taskOf(req).id, false))));

  app.get('/api/tasks/:id/progress', async (req): Promise<TaskProgressView> => progressView(store, taskOf(req)));

  app.post('/api/tasks/:id/verify', async (req): Promise<VerifyView> => {
    const v = await verifyTask(store, connectingTask(req).id, opts.keyFile);
    return { ...v.report, at: v.at };
  });

  app.get('/api/tasks/:id/verify', async (req, reply): Promise<VerifyView | FastifyReply> => {
    const t = taskOf(req);
    const v = store.latestVerify(t.id);
    if (!v) return reply.code(404).send(errorBody('PGFERRY_E_USAGE', `task ${t.name} has not been verified`, { fix: `POST /api/tasks/${t.id}/verify` }));
    return { ...v.report, at: v.at };
  });

  app.post('/api/tasks/:id/events/ticket', async (req, reply) => reply.code(201).send(tickets.issue(taskOf(req).id)));

  // live progress: a `progress` event every second while the task runs, then one last and close
  app.get('/api/tasks/:id/events', { config: { access: 'ticket' } }, async (req, reply) => {
    const id = taskOf(req).id;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    let closed = false;
    req.raw.on('close', () => (closed = true));
    for (let n = 0; !closed; n++) {
      let t: TaskRecord;
      try {
        t = store.get(id, { prefix: false });
      } catch {
        res.write(`event: gone\ndata: {}\n\n`);
        break;
      }
      res.write(`id: ${n}\nevent: progress\ndata: ${JSON.stringify(progressView(store, t))}\n\n`);
      const state = effectiveState(t);
      if (state !== 'running' && state !== 'stopping' && n > 0 && (req.query as { follow?: string }).follow !== 'always') break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    res.end();
  });

  registerConsoleFiles(app, opts.consoleDir);
  return app;
}
