/** The OpenAPI 3 document of the HTTP API, served at /api/openapi.json. */
import { zodToJsonSchema } from 'zod-to-json-schema';
import { ConnSpecSchema, TaskSpecSchema } from '../config/task-spec.js';
import { COMPLETED_STATES } from '../task/task-outcome.js';

const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const idParam = [{ name: 'id', in: 'path', required: true, description: 'task ID (the whole ID: prefixes are for the CLI)', schema: { type: 'string' } }];
const errors = {
  '400': { description: 'invalid body: error.fields names each field', ...json(ref('Error')) },
  '401': { description: 'no token, or a wrong one', ...json(ref('Error')) },
  '403': { description: "a connection setting the API does not take (the server's files, environment or sockets: PGFERRY_E_NOT_ALLOWED), or a Host header this server does not answer to", ...json(ref('Error')) },
};
const withTask = { ...errors, '404': { description: 'no such task', ...json(ref('Error')) } };

function op(summary: string, responses: object, extra: object = {}) {
  return { summary, security: [{ bearer: [] }], responses, ...extra };
}

export function openApiDocument(): object {
  const schema = (s: Parameters<typeof zodToJsonSchema>[0]) => zodToJsonSchema(s, { $refStrategy: 'none', target: 'openApi3' });
  return {
    openapi: '3.0.3',
    info: { title: 'pgferry', version: '0.1.0', description: 'Migration tasks: test connectivity, choose objects, precheck, start, watch, stop, resume, verify, release. Passwords are write-only.' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, ticket: { type: 'apiKey', in: 'query', name: 'ticket' } },
      schemas: {
        TaskSpec: schema(TaskSpecSchema),
        ConnSpec: schema(ConnSpecSchema),
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', description: 'a stable PGFERRY_E_* code (docs/errors.md)' },
                message: { type: 'string' },
                object: { type: 'string' },
                fix: { type: 'string' },
                fields: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
              },
            },
          },
        },
        Task: {
          type: 'object',
          description: 'a task: id, name, state, outcome, totals, phase, progress, throughput, spec (no passwords), passwordsStored, precheck, summary',
          properties: {
            id: { type: 'string' },
            name: { type: 'string' },
            state: {
              type: 'string',
              enum: ['created', 'running', 'stopping', 'stopped', 'interrupted', 'failed', ...COMPLETED_STATES],
              description: 'the shown state: interrupted when its process is gone; a completed task says how it ended (docs/tasks.md#states)',
            },
            outcome: { ...ref('TaskOutcome'), nullable: true },
            totals: ref('TaskTotals'),
            summary: { type: 'object', nullable: true, description: "the last run's summary (failures, skipped, dataSnapshots) with rowsCopied, bytesCopied and totalSeconds of every run; lastRun: that run's own" },
          },
        },
        TaskOutcome: {
          type: 'object',
          description: 'how a completed task ended (null until it has completed); the lists are in summary.failures and summary.skipped',
          properties: {
            state: { type: 'string', enum: [...COMPLETED_STATES] },
            severity: { type: 'string', enum: ['ok', 'warning', 'error'] },
            rejected: { type: 'integer', description: 'objects the target rejected' },
            notTried: { type: 'integer', description: 'objects not tried because they needed a rejected one' },
            skipped: { type: 'integer', description: 'objects pgferry cannot move, each with a reason' },
            dataSnapshots: { type: 'integer', description: 'source snapshots the copied rows came from' },
          },
        },
        TaskTotals: {
          type: 'object',
          description: "every run's own rows, bytes and seconds, summed",
          properties: { runs: { type: 'integer' }, rows: { type: 'integer' }, bytes: { type: 'integer' }, seconds: { type: 'number' } },
        },
        Run: {
          type: 'object',
          description: 'one run (a start or a resume) and what it copied itself',
          properties: {
            run: { type: 'integer' },
            kind: { type: 'string', enum: ['start', 'resume'] },
            startedAt: { type: 'string' },
            finishedAt: { type: 'string', nullable: true },
            state: { type: 'string', enum: ['running', 'completed', 'stopped', 'failed', 'interrupted'] },
            rows: { type: 'integer' },
            bytes: { type: 'integer' },
            seconds: { type: 'number' },
          },
        },
        VerifyReport: {
          type: 'object',
          description: 'a verify report as it was stored, with `at` (when it ran): ok, tables (per table: rows on each side, ranges compared, problems), sequences, largeObjects, seconds',
          properties: { at: { type: 'string' }, ok: { type: 'boolean' }, tables: { type: 'array', items: { type: 'object' } }, sequences: { type: 'array', items: { type: 'object' } } },
        },
      },
    },
    paths: {
      '/healthz': { get: { summary: 'liveness (no token needed)', security: [], responses: { '200': { description: '{ status: "ok" }' } } } },
      '/api/openapi.json': { get: op('this document', { '200': { description: 'OpenAPI 3' }, '401': errors['401'] }) },
      '/api/connections/test': {
        post: op('Test Connectivity for a source and/or a target', { '200': { description: 'per side: passed, or the failed step, cause and fix' }, ...errors }, {
          requestBody: json({ type: 'object', properties: { source: ref('ConnSpec'), target: ref('ConnSpec') } }),
        }),
      },
      '/api/catalog/objects': {
        post: op("a source's schemas, tables and columns, for choosing objects", { '200': { description: 'schemas → tables → columns' }, ...errors }, {
          requestBody: json({ type: 'object', required: ['source'], properties: { source: ref('ConnSpec') } }),
        }),
      },
      '/api/plan/preview': {
        post: op("what a spec's selection and name mapping would skip, and what follows each rename (no task is made)", { '200': { description: '{ skipped, notes }' }, ...errors }, {
          requestBody: json(ref('TaskSpec')),
        }),
      },
      '/api/tasks': {
        get: op('every task', { '200': { description: '{ tasks: Task[] }' }, ...errors }, {
          parameters: [{ name: 'state', in: 'query', description: 'only tasks in this shown state (e.g. `completed with errors`)', schema: { type: 'string' } }],
        }),
        post: op('create a task', { '201': { description: 'the task', ...json(ref('Task')) }, ...errors }, { requestBody: json(ref('TaskSpec')) }),
      },
      '/api/tasks/{id}': {
        get: op('one task', { '200': { description: 'the task', ...json(ref('Task')) }, ...withTask }, { parameters: idParam }),
        delete: op('release: drop its checkpoints on the target and forget it', { '200': { description: 'released' }, '409': { description: 'running', ...json(ref('Error')) }, ...withTask }, { parameters: idParam }),
      },
      '/api/tasks/{id}/throughput': {
        patch: op('change jobs and/or the rate limit (a running task takes them within a second)', { '200': { description: 'the task' }, ...withTask }, {
          parameters: idParam,
          requestBody: json({ type: 'object', properties: { jobs: { type: 'integer', minimum: 1, maximum: 64 }, maxRateMBps: { type: 'number', nullable: true } } }),
        }),
      },
      '/api/tasks/{id}/test': { post: op("Test Connectivity with the task's settings", { '200': { description: 'per side result' }, ...withTask }, { parameters: idParam }) },
      '/api/tasks/{id}/precheck': {
        post: op('run the precheck (start needs it passed)', { '200': { description: 'items, each pass/warn/fail with detail and fix' }, ...withTask }, { parameters: idParam }),
        get: op('the latest precheck', { '200': { description: 'items; current: whether it is for the current spec' }, ...withTask }, { parameters: idParam }),
      },
      '/api/tasks/{id}/start': { post: op('start in the background', { '202': { description: 'started' }, '409': { description: 'no passed precheck, or not startable', ...json(ref('Error')) }, ...withTask }, { parameters: idParam }) },
      '/api/tasks/{id}/resume': { post: op('resume from the checkpoints (writes into the target again)', { '202': { description: 'resumed' }, '409': { description: 'not resumable', ...json(ref('Error')) }, ...withTask }, { parameters: idParam }) },
      '/api/tasks/{id}/stop': { post: op('stop at the next unit boundary', { '202': { description: 'stopping' }, '409': { description: 'not running', ...json(ref('Error')) }, ...withTask }, { parameters: idParam }) },
      '/api/tasks/{id}/progress': { get: op('the task with its runs, per-unit state and history', { '200': { description: 'Task and { runs: Run[], units, history }' }, ...withTask }, { parameters: idParam }) },
      '/api/tasks/{id}/events/ticket': {
        post: op('a single-use ticket (valid one minute) that opens this task\'s event stream, for clients that cannot set headers (EventSource)', { '201': { description: '{ ticket, expiresInSeconds }' }, ...withTask }, { parameters: idParam }),
      },
      '/api/tasks/{id}/events': {
        get: op('live progress as Server-Sent Events (`progress` every second while running); send the token, or ?ticket= from POST .../events/ticket (the token itself is never accepted in a URL)', { '200': { description: 'text/event-stream' }, ...withTask }, {
          parameters: [...idParam, { name: 'ticket', in: 'query', schema: { type: 'string' } }],
          security: [{ bearer: [] }, { ticket: [] }],
        }),
      },
      '/api/tasks/{id}/verify': {
        post: op('compare source and target through the selection and mapping; the report is stored with the task', { '200': { description: 'the report', ...json(ref('VerifyReport')) }, ...withTask }, { parameters: idParam }),
        get: op('the latest stored verify report', { '200': { description: 'the report', ...json(ref('VerifyReport')) }, ...withTask, '404': { description: 'no such task, or never verified', ...json(ref('Error')) } }, { parameters: idParam }),
      },
    },
  };
}
