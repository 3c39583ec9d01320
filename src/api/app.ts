/**
 * The HTTP API (and the console's static files) on one port: REST resources over the same task
 * functions the CLI uses, bodies validated by the TaskSpec schema, errors as JSON with stable
 * codes, live progress as Server-Sent Events. Passwords are write-only: no response holds one.
 */
import fs from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PgferryError, messageOf, type ErrorCode } from '../errors.js';
import { redact } from '../logger.js';
import { ConnSpecSchema, TaskSpecSchema, normalizeConn, connInfoFor } from '../task/task-spec.js';
import type { TaskRecord, TaskStore } from '../task/task-store.js';
import {
  createTask, effectiveState, precheckTask, releaseTask, setThroughput, startInBackground, stopTask, testTask, verifyTask,
} from '../task/task-service.js';
import { testConnectivity } from '../pg/test-connectivity.js';
import { connect } from '../pg/connect.js';
import { listObjects } from '../catalog/list-objects.js';
import { planFromSource } from '../task/review-plan.js';
import { tokenMatches } from './api-token.js';
import { openApiDocument } from './openapi.js';

export interface ApiOptions {
  store: TaskStore;
  tokenHash: string;
  /** Built console (index.html and assets); absent: the API only. */
  consoleDir?: string;
  keyFile?: string;
  https?: { key: Buffer; cert: Buffer };
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  PGFERRY_E_USAGE: 400,
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

/** A task as the API shows it: everything but secrets (the store has none in the spec). */
export function taskView(store: TaskStore, t: TaskRecord) {
  return {
    id: t.id,
    name: t.name,
    state: effectiveState(t),
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
    summary: t.summary,
  };
}

function progressView(store: TaskStore, t: TaskRecord) {
  return { ...taskView(store, t), units: store.units(t.id), history: store.history(t.id) };
}

const ConnTestBody = z.object({ source: ConnSpecSchema.optional(), target: ConnSpecSchema.optional() }).strict();
const ObjectsBody = z.object({ source: ConnSpecSchema }).strict();
const ThroughputBody = z
  .object({ jobs: z.number().int().min(1).max(64).optional(), maxRateMBps: z.number().positive().nullable().optional() })
  .strict()
  .refine((b) => b.jobs !== undefined || b.maxRateMBps !== undefined, { message: 'give jobs and/or maxRateMBps' });

/** A connection spec from a request, resolved now (passwords only in memory). */
function connFromBody(spec: z.infer<typeof ConnSpecSchema>) {
  const { conn, password } = normalizeConn(spec);
  return connInfoFor(conn, password);
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.ico': 'image/x-icon',
};

export async function buildApi(opts: ApiOptions): Promise<FastifyInstance> {
  const { store } = opts;
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, ...(opts.https ? { https: opts.https } : {}) } as object) as unknown as FastifyInstance;

  // every route as `method /path`, for the test that holds the OpenAPI document to them
  const routes: string[] = [];
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) if (m !== 'HEAD' && r.url.startsWith('/api/')) routes.push(`${m.toLowerCase()} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
  });
  app.decorate('apiRoutes', routes);

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof PgferryError) {
      return reply.code(STATUS[err.code] ?? 500).send(errorBody(err.code, err.message, { object: err.object, fix: err.fix }));
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) return reply.code(status).send(errorBody('PGFERRY_E_USAGE', messageOf(err)));
    return reply.code(500).send(errorBody('PGFERRY_E_INTERNAL', messageOf(err), { fix: 'see the server log' }));
  });
  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/api/')) return reply.code(404).send(errorBody('PGFERRY_E_USAGE', `no route ${req.method} ${req.url.split('?')[0]}`, { fix: 'see /api/openapi.json' }));
    return sendConsoleFile(reply, '/index.html');
  });

  // every /api route but the OpenAPI document needs the token (the event stream may carry it
  // in ?token=, since EventSource cannot set headers)
  app.addHook('onRequest', async (req, reply) => {
    const url = req.url.split('?')[0];
    if (!url.startsWith('/api/') || url === '/api/openapi.json') return;
    const header = req.headers.authorization;
    const bearer = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    const query = url.endsWith('/events') ? (req.query as { token?: string }).token : undefined;
    if (!tokenMatches(bearer ?? query, opts.tokenHash)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send(errorBody('PGFERRY_E_UNAUTHORIZED', header || query ? 'the token is wrong' : 'a token is required', { fix: 'send Authorization: Bearer <token> (printed by the first pgferry serve, or PGFERRY_TOKEN)' }));
    }
  });

  app.get('/api/openapi.json', async () => openApiDocument());

  app.post('/api/connections/test', async (req, reply) => {
    const body = parseBody(ConnTestBody, req, reply);
    if (!body) return reply;
    if (!body.source && !body.target) return invalidBody(reply, new z.ZodError([{ code: 'custom', path: [], message: 'give source, target or both' }]));
    return testConnectivity({ source: body.source ? connFromBody(body.source) : undefined, target: body.target ? connFromBody(body.target) : undefined });
  });

  app.post('/api/catalog/objects', async (req, reply) => {
    const body = parseBody(ObjectsBody, req, reply);
    if (!body) return reply;
    const client = await connect(connFromBody(body.source), 'source');
    try {
      return await listObjects(client);
    } finally {
      await client.end().catch(() => {});
    }
  });

  // what a spec's selection and mapping would skip or rename, before a task exists
  app.post('/api/plan/preview', async (req, reply) => {
    const body = parseBody(TaskSpecSchema, req, reply);
    if (!body) return reply;
    const { plan } = await planFromSource(connFromBody(body.source), { publications: body.options.publications, selection: body.objects, mapping: body.mapping });
    return { skipped: plan.skipped, notes: [...plan.notes, ...plan.selectionNotes] };
  });

  app.get('/api/tasks', async (req) => {
    const state = (req.query as { state?: string }).state;
    return { tasks: store.list().map((t) => taskView(store, t)).filter((t) => !state || t.state === state) };
  });

  app.post('/api/tasks', async (req, reply) => {
    const body = parseBody(TaskSpecSchema, req, reply);
    if (!body) return reply;
    const t = createTask(store, body, opts.keyFile);
    return reply.code(201).send(taskView(store, t));
  });

  app.get('/api/tasks/:id', async (req) => taskView(store, store.get((req.params as { id: string }).id)));

  app.delete('/api/tasks/:id', async (req) => {
    const t = store.get((req.params as { id: string }).id);
    const r = await releaseTask(store, t.id, opts.keyFile);
    return { released: t.id, checkpointsDropped: r.marksDropped };
  });

  app.patch('/api/tasks/:id/throughput', async (req, reply) => {
    const body = parseBody(ThroughputBody, req, reply);
    if (!body) return reply;
    return taskView(store, setThroughput(store, (req.params as { id: string }).id, body));
  });

  app.post('/api/tasks/:id/test', async (req) => testTask(store, (req.params as { id: string }).id, opts.keyFile));

  app.post('/api/tasks/:id/precheck', async (req) => precheckTask(store, (req.params as { id: string }).id, opts.keyFile));

  app.get('/api/tasks/:id/precheck', async (req, reply) => {
    const t = store.get((req.params as { id: string }).id);
    if (!t.precheck) return reply.code(404).send(errorBody('PGFERRY_E_USAGE', `task ${t.name} has not been prechecked`, { fix: `POST /api/tasks/${t.id}/precheck` }));
    return { ...t.precheck.report, at: t.precheck.at, current: t.precheck.hash === t.specHash };
  });

  for (const verb of ['start', 'resume'] as const) {
    app.post(`/api/tasks/:id/${verb}`, async (req, reply) => {
      const t = store.get((req.params as { id: string }).id);
      const r = await startInBackground(store, t.id, { resume: verb === 'resume', keyFile: opts.keyFile });
      return reply.code(202).send({ ...taskView(store, store.get(t.id)), pid: r.pid });
    });
  }

  app.post('/api/tasks/:id/stop', async (req, reply) => reply.code(202).send(taskView(store, await stopTask(store, (req.params as { id: string }).id, false))));

  app.get('/api/tasks/:id/progress', async (req) => progressView(store, store.get((req.params as { id: string }).id)));

  app.post('/api/tasks/:id/verify', async (req) => verifyTask(store, (req.params as { id: string }).id, opts.keyFile));

  // live progress: a `progress` event every second while the task runs, then one last and close
  app.get('/api/tasks/:id/events', async (req, reply) => {
    const id = store.get((req.params as { id: string }).id).id;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    let closed = false;
    req.raw.on('close', () => (closed = true));
    for (let n = 0; !closed; n++) {
      let t: TaskRecord;
      try {
        t = store.get(id);
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

  // the console: static files, index.html for every other path (client-side routes)
  const sendConsoleFile = (reply: FastifyReply, url: string) => {
    const dir = opts.consoleDir;
    if (!dir || !fs.existsSync(path.join(dir, 'index.html')))
      return reply.code(404).type('text/plain').send('the console is not built: npm run build:console');
    const clean = path.normalize(decodeURIComponent(url.split('?')[0])).replace(/^(\.\.[/\\])+/, '');
    let file = path.join(dir, clean);
    if (!file.startsWith(dir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(dir, 'index.html');
    return reply
      .type(CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream')
      .header('cache-control', file.endsWith('index.html') ? 'no-store' : 'public, max-age=3600')
      .send(fs.readFileSync(file));
  };
  app.get('/', async (_req, reply) => sendConsoleFile(reply, '/index.html'));
  app.get('/assets/*', async (req, reply) => sendConsoleFile(reply, req.url));

  return app;
}
