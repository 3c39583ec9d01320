/**
 * The path table of the OpenAPI document (openapi.ts), one part per route group (routes-*.ts),
 * with the error responses each operation can give.
 */
import { JOBS_MAX, JOBS_MIN } from '../config/jobs.js';
import { RETRY_AFTER_SECONDS } from './api-replies.js';

/** A JSON body or response with this schema. */
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
/** A schema of the document's components. */
export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const idParam = [{ name: 'id', in: 'path', required: true, description: 'task ID (the whole ID: prefixes are for the CLI)', schema: { type: 'string' } }];
const errors = {
  '400': { description: 'invalid body: error.fields names each field', ...json(ref('Error')) },
  '401': { description: 'no token, or a wrong one', ...json(ref('Error')) },
  '403': { description: "a connection setting the API does not take (the server's files, environment or sockets: PGFERRY_E_NOT_ALLOWED), or a Host header this server does not answer to", ...json(ref('Error')) },
};
const withTask = { ...errors, '404': { description: 'no such task', ...json(ref('Error')) } };
// for operations that connect to a database: a failure there (app.ts maps each code), and a
// transient one (src/retry-class.ts)
const transient = {
  '502': { description: 'the database could not be reached or refused the login: DNS, connection refused, TLS, authentication, missing database, privilege or version (error.code says which, error.fix what to do)', ...json(ref('Error')) },
  '504': { description: 'the database did not answer in time (PGFERRY_E_CONNECT_TIMEOUT)', ...json(ref('Error')) },
  '503': {
    description: 'a transient failure (a connection lost, a server starting up, shutting down or out of connection slots, a deadlock): error.retryable is true; repeat the request after Retry-After seconds',
    headers: { 'Retry-After': { description: `seconds to wait before repeating the request (${RETRY_AFTER_SECONDS})`, schema: { type: 'integer' } } },
    ...json(ref('Error')),
  },
};

function op(summary: string, responses: object, extra: object = {}) {
  return { summary, security: [{ bearer: [] }], responses, ...extra };
}

/** The health check and this document (app.ts). */
export const SERVICE_PATHS = {
  '/healthz': { get: { summary: 'liveness (no token needed)', security: [], responses: { '200': { description: '{ status: "ok" }' } } } },
  '/metrics': { get: op("the store's tasks and the serving process, in Prometheus's text format (docs/api.md#metrics)", { '200': { description: 'text/plain; version=0.0.4' }, ...errors }) },
  '/api/openapi.json': { get: op('this document', { '200': { description: 'OpenAPI 3' }, '401': errors['401'] }) },
};

/** Routes that connect with settings from the body (routes-connections.ts). */
export const CONNECTION_PATHS = {
  '/api/connections/test': {
    post: op('Test Connectivity for a source and/or a target', { '200': { description: 'per side: passed, or the failed step, cause and fix' }, ...errors }, {
      requestBody: json({ type: 'object', properties: { source: ref('ConnSpec'), target: ref('ConnSpec') } }),
    }),
  },
  '/api/catalog/objects': {
    post: op("one side's schemas, tables and columns: the source's, for choosing objects, or the target's, to flag names already taken there", { '200': { description: 'schemas → tables → columns' }, ...errors, ...transient }, {
      requestBody: json({ type: 'object', description: 'exactly one of source and target', properties: { source: ref('ConnSpec'), target: ref('ConnSpec') } }),
    }),
  },
  '/api/plan/preview': {
    post: op("what a spec's selection and name mapping would skip, and what follows each rename (no task is made)", { '200': { description: '{ skipped, notes }' }, ...errors, ...transient }, {
      requestBody: json(ref('TaskSpec')),
    }),
  },
};

/** The task resource (routes-tasks.ts). */
export const TASK_PATHS = {
  '/api/tasks': {
    get: op('every task', { '200': { description: '{ tasks: Task[] }' }, ...errors }, {
      parameters: [{ name: 'state', in: 'query', description: 'only tasks in this shown state (e.g. `completed with errors`)', schema: { type: 'string' } }],
    }),
    post: op('create a task', { '201': { description: 'the task', ...json(ref('Task')) }, ...errors }, { requestBody: json(ref('TaskSpec')) }),
  },
  '/api/tasks/{id}': {
    get: op('one task', { '200': { description: 'the task', ...json(ref('Task')) }, ...withTask }, { parameters: idParam }),
    delete: op(
      "release: drop its checkpoints on the target (and an incremental task's replication slot and publication on the source) and forget it; when the source cannot be reached the task is kept and the error names the slot",
      { '200': { description: '{ released, checkpointsDropped, slotDropped, publicationDropped }' }, '409': { description: 'running', ...json(ref('Error')) }, ...withTask, ...transient },
      { parameters: idParam },
    ),
  },
  '/api/tasks/{id}/duplicate': {
    post: op(
      "a new task made from this one: the same spec (or `spec`, a whole new one), jobs and rate, and its stored passwords for each side whose host, port and account stay the same (a side moved elsewhere needs its own); none of its runs or history",
      { '201': { description: 'the new task', ...json(ref('Task')) }, ...withTask },
      { parameters: idParam, requestBody: json({ type: 'object', properties: { name: { type: 'string', description: 'the copy\'s name (default: "<name> (copy)"); not with spec' }, spec: ref('TaskSpec') } }) },
    ),
  },
  '/api/tasks/{id}/throughput': {
    patch: op('change jobs and/or the rate limit (a running task takes them within a second)', { '200': { description: 'the task' }, ...withTask }, {
      parameters: idParam,
      requestBody: json({ type: 'object', properties: { jobs: { type: 'integer', minimum: JOBS_MIN, maximum: JOBS_MAX }, maxRateMBps: { type: 'number', nullable: true } } }),
    }),
  },
};

/** What is done to a task and what it reports (routes-task-control.ts). */
export const TASK_CONTROL_PATHS = {
  '/api/tasks/{id}/test': { post: op("Test Connectivity with the task's settings", { '200': { description: 'per side result' }, ...withTask }, { parameters: idParam }) },
  '/api/tasks/{id}/precheck': {
    post: op('run the precheck (start needs it passed)', { '200': { description: 'items, each pass/warn/fail with detail and fix' }, ...withTask, ...transient }, { parameters: idParam }),
    get: op('the latest precheck', { '200': { description: 'items; current: whether it is for the current spec' }, ...withTask }, { parameters: idParam }),
  },
  '/api/tasks/{id}/start': { post: op('start in the background: on the serving machine, or, with a PostgreSQL store that has live workers, queued for the fleet', { '202': { description: 'started (pid) or queued for the fleet (pid null, queuedFor: the live workers)' }, '409': { description: 'no passed precheck, or not startable', ...json(ref('Error')) }, ...withTask }, { parameters: idParam }) },
  '/api/tasks/{id}/resume': { post: op('resume from the checkpoints (writes into the target again)', { '202': { description: 'resumed (pid) or queued for the fleet (pid null, queuedFor)' }, '409': { description: 'not resumable', ...json(ref('Error')) }, ...withTask }, { parameters: idParam }) },
  '/api/tasks/{id}/stop': { post: op('stop at the next unit boundary', { '202': { description: 'stopping' }, '409': { description: 'not running', ...json(ref('Error')) }, ...withTask }, { parameters: idParam }) },
  '/api/tasks/{id}/cutover': {
    post: op(
      'incremental: switch a streaming task to the target once it is at most maxLagSeconds behind (default 10); blockWrites makes the source read-only for new transactions and ends the sessions that could still write; the task then verifies source and target (outside the downtime) unless verify is false',
      { '202': { description: 'the cutover is requested: the task, with cutoverRequest', ...json(ref('Task')) }, '409': { description: 'not an incremental task, or not running', ...json(ref('Error')) }, ...withTask },
      {
        parameters: idParam,
        requestBody: json({ type: 'object', additionalProperties: false, properties: { blockWrites: { type: 'boolean' }, maxLagSeconds: { type: 'number', minimum: 0, maximum: 86400 }, verify: { type: 'boolean', description: 'false: skip the full verify after the switch' } } }),
      },
    ),
  },
  '/api/tasks/{id}/progress': { get: op('the task with its runs, per-unit state and history', { '200': { description: 'Task and { runs: Run[], units, history }' }, ...withTask }, { parameters: idParam }) },
  '/api/tasks/{id}/samples': {
    get: op("the points of the task's charts, oldest first: each run's running totals of rows and bytes (a rate is the difference to the run's previous point) and, while streaming, the lag; one point per 2 s, thinned to at most 800 for a long task", {
      '200': { description: '{ samples: [{ run, at (ms since the epoch), rows, bytes, lagSeconds, lagBytes }] }' }, ...withTask,
    }, { parameters: idParam }),
  },
  '/api/tasks/{id}/verify': {
    post: op('compare source and target through the selection and mapping; the report is stored with the task', { '200': { description: 'the report', ...json(ref('VerifyReport')) }, ...withTask, ...transient }, { parameters: idParam }),
    get: op('the latest stored verify report', { '200': { description: 'the report', ...json(ref('VerifyReport')) }, ...withTask, '404': { description: 'no such task, or never verified', ...json(ref('Error')) } }, { parameters: idParam }),
  },
};

/** The event stream and its tickets (routes-events.ts). */
export const EVENT_PATHS = {
  '/api/tasks/{id}/events/ticket': {
    post: op('a single-use ticket (valid one minute) that opens this task\'s event stream, for clients that cannot set headers (EventSource)', { '201': { description: '{ ticket, expiresInSeconds }' }, ...withTask }, { parameters: idParam }),
  },
  '/api/tasks/{id}/events': {
    get: op('live progress as Server-Sent Events (`progress` every second while running); send the token, or ?ticket= from POST .../events/ticket (the token itself is never accepted in a URL)', { '200': { description: 'text/event-stream' }, ...withTask }, {
      parameters: [...idParam, { name: 'ticket', in: 'query', schema: { type: 'string' } }],
      security: [{ bearer: [] }, { ticket: [] }],
    }),
  },
};

/** The fleet's workers (routes-workers.ts). */
export const WORKER_PATHS = {
  '/api/workers': {
    get: op("the fleet's workers over this store (empty for a SQLite store): name, host, runs, heartbeat age, live", {
      '200': {
        description: '{ workers, silenceSeconds, hostLimits }',
        ...json({
          type: 'object',
          properties: {
            workers: { type: 'array', items: ref('Worker') },
            silenceSeconds: { type: 'number' },
            hostLimits: { type: 'object', additionalProperties: { type: 'integer' }, description: 'pgferry host-limit: host:port → the most table copies at once from or into that server' },
          },
        }),
      },
      '401': errors['401'],
    }),
  },
};
