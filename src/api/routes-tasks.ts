/**
 * The task resource: list, create, duplicate, show and release tasks, and change a task's
 * throughput. A new task's connection settings pass the connection policy before it is stored.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { TaskSpecSchema } from '../config/task-spec.js';
import { JOBS_MAX, JOBS_MIN } from '../config/jobs.js';
import { createTask, duplicateTask, releaseTask, setThroughput } from '../task/task-service.js';
import { resolveApiConn } from './connection-policy.js';
import { parseBody } from './api-replies.js';
import { taskView } from './task-views.js';
import { connectingTask, taskOf, type RouteDeps } from './route-task.js';
import type { ReleasedView, TaskListView, TaskView } from './api-types.js';

const ThroughputBody = z
  .object({ jobs: z.number().int().min(JOBS_MIN).max(JOBS_MAX).optional(), maxRateMBps: z.number().positive().nullable().optional() })
  .strict()
  .refine((b) => b.jobs !== undefined || b.maxRateMBps !== undefined, { message: 'give jobs and/or maxRateMBps' });

// a copy as it is (optionally renamed), or one whose whole spec is given anew (the wizard's edit)
const DuplicateBody = z.object({ name: z.string().min(1).max(200).optional(), spec: TaskSpecSchema.optional() }).strict()
  .refine((b) => !(b.name && b.spec), { message: 'give name or spec (whose name it is), not both' });

/** Registers GET and POST /api/tasks, GET and DELETE /api/tasks/:id, POST /api/tasks/:id/duplicate, PATCH /api/tasks/:id/throughput. */
export function registerTaskRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { store, policy, keyFile } = deps;

  app.get('/api/tasks', async (req): Promise<TaskListView> => {
    const state = (req.query as { state?: string }).state;
    const [tasks, runs, secrets] = await Promise.all([store.list(), store.allRuns(), store.secretSides()]);
    const views = await Promise.all(tasks.map((t) => taskView(store, t, { runs, secrets })));
    return { tasks: views.filter((t) => !state || t.state === state) };
  });

  app.post('/api/tasks', async (req, reply) => {
    const body = parseBody(TaskSpecSchema, req, reply);
    if (!body) return reply;
    resolveApiConn(body.source, policy, 'source');
    resolveApiConn(body.target, policy, 'target');
    const t = await createTask(store, body, keyFile, { origin: 'api' });
    return reply.code(201).send(await taskView(store, t));
  });

  app.get('/api/tasks/:id', async (req): Promise<TaskView> => await taskView(store, await taskOf(deps, req)));

  app.delete('/api/tasks/:id', async (req): Promise<ReleasedView> => {
    const t = await connectingTask(deps, req);
    const r = await releaseTask(store, t.id, keyFile);
    return { released: t.id, checkpointsDropped: r.marksDropped, slotDropped: r.stream?.slot ?? false, publicationDropped: r.stream?.publication ?? false };
  });

  app.post('/api/tasks/:id/duplicate', async (req, reply) => {
    const body = parseBody(DuplicateBody, req, reply);
    if (!body) return reply;
    const from = await taskOf(deps, req);
    if (body.spec) {
      resolveApiConn(body.spec.source, policy, 'source');
      resolveApiConn(body.spec.target, policy, 'target');
    }
    const spec = body.spec ? (req.body as { spec: unknown }).spec : undefined;
    const t = await duplicateTask(store, from.id, keyFile, { name: body.name, spec, origin: 'api' });
    return reply.code(201).send(await taskView(store, t));
  });

  app.patch('/api/tasks/:id/throughput', async (req, reply) => {
    const body = parseBody(ThroughputBody, req, reply);
    if (!body) return reply;
    return await taskView(store, await setThroughput(store, (await taskOf(deps, req)).id, body));
  });
}
