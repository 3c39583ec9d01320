/** The OpenAPI 3 document of the HTTP API, served at /api/openapi.json. */
import { zodToJsonSchema } from 'zod-to-json-schema';
import { ConnSpecSchema, TaskSpecSchema } from '../config/task-spec.js';
import { COMPLETED_STATES } from '../task/task-outcome.js';
import { CONNECTION_PATHS, EVENT_PATHS, ref, SERVICE_PATHS, TASK_CONTROL_PATHS, TASK_PATHS, WORKER_PATHS } from './openapi-paths.js';

/** An incremental task's latest stream report (src/run/events.ts StreamStatus). */
const STREAM_STATUS = {
  type: 'object',
  description: 'incremental: the latest stream report (null before it streamed)',
  properties: {
    sourceLsn: { type: 'string' },
    appliedLsn: { type: 'string' },
    lagBytes: { type: 'integer' },
    lagSeconds: { type: 'number' },
    transactions: { type: 'integer' },
    rows: { type: 'integer' },
    transactionsPerSecond: { type: 'number' },
    rowsPerSecond: { type: 'number' },
    slotHeldBytes: { type: 'integer', description: 'WAL the slot keeps on the source' },
    sequencesSyncedAt: { type: 'string' },
  },
};

/** A fleet worker, as GET /api/workers lists it. */
const WORKER = {
  type: 'object',
  description: 'a fleet worker (pgferry worker) as it last reported itself (docs/fleet.md)',
  properties: {
    name: { type: 'string' },
    host: { type: 'string' },
    pid: { type: 'integer' },
    startedAt: { type: 'string' },
    concurrency: { type: 'integer', description: 'runs it takes at once' },
    tasks: { type: 'array', items: { type: 'string' }, description: 'the IDs of the tasks its processes run now' },
    units: { type: 'array', items: { type: 'string' }, description: "the queue job IDs of the copy units it copies now for spread runs (other workers' large tasks)" },
    heartbeatAge: { type: 'number', description: "seconds since its last report, by the store's clock" },
    live: { type: 'boolean', description: 'reported within silenceSeconds' },
  },
};

/** The document: the schemas bodies and responses refer to, and the paths of every route group. */
export function openApiDocument(): object {
  const schema = (s: Parameters<typeof zodToJsonSchema>[0]) => zodToJsonSchema(s, { $refStrategy: 'none', target: 'openApi3' });
  return {
    openapi: '3.0.3',
    info: { title: 'pgferry', version: '0.1.0', description: 'Migration tasks: test connectivity, choose objects, precheck, start, watch, stop, resume, cut over, verify, release. Passwords are write-only.' },
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
                retryable: {
                  type: 'boolean',
                  description: 'set on errors raised while handling a request: true for a transient failure (503 with Retry-After: repeat the request), false when repeating it would fail the same way',
                },
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
              enum: ['created', 'queued', 'running', 'streaming', 'stopping', 'stopped', 'interrupted', 'failed', ...COMPLETED_STATES],
              description: 'the shown state: interrupted when its process is gone; streaming when an incremental task keeps the target in step after its copy; a completed task says how it ended (docs/tasks.md#states)',
            },
            incremental: { type: 'boolean' },
            streamStatus: { ...ref('StreamStatus'), nullable: true },
            cutoverRequest: {
              type: 'object',
              nullable: true,
              description: 'incremental: the cutover asked for and not yet made',
              properties: { blockWrites: { type: 'boolean' }, maxLagSeconds: { type: 'number' }, verify: { type: 'boolean' } },
            },
            outcome: { ...ref('TaskOutcome'), nullable: true },
            totals: ref('TaskTotals'),
            worker: { type: 'string', nullable: true, description: 'fleet mode: the worker whose process runs (or last ran) the task; null for a run started on a machine by hand' },
            summary: { type: 'object', nullable: true, description: "the last run's summary (failures, skipped, dataSnapshots; cutover for an incremental task that cut over) with rowsCopied, bytesCopied and totalSeconds of every run; lastRun: that run's own" },
          },
        },
        StreamStatus: STREAM_STATUS,
        Worker: WORKER,
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
    // in the order app.ts registers the groups
    paths: { ...SERVICE_PATHS, ...CONNECTION_PATHS, ...TASK_PATHS, ...TASK_CONTROL_PATHS, ...EVENT_PATHS, ...WORKER_PATHS },
  };
}
