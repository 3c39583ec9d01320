/**
 * What is done to an existing task and what it reports back: Test Connectivity with its
 * settings, the precheck, start, resume and stop, its progress, and verify. Routes that connect
 * with the task's stored settings check them against the connection policy first.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { precheckTask, requestCutover, stopTask, testTask, verifyTask } from '../task/task-service.js';
import { startTask } from '../fleet/dispatch.js';
import { errorBody, parseBody } from './api-replies.js';
import { progressView, taskView } from './task-views.js';
import { connectingTask, taskOf, type RouteDeps } from './route-task.js';
import type { SamplesView, StartedView, StoredPrecheckView, TaskProgressView, VerifyView } from './api-types.js';

/** POST /api/tasks/:id/cutover: how the cutover is made (both optional: no blocking, the engine's lag). */
export const CutoverBody = z.object({ blockWrites: z.boolean().optional(), maxLagSeconds: z.number().nonnegative().max(86_400).optional(), verify: z.boolean().optional() }).strict();

/** Registers /api/tasks/:id/test, /precheck, /start, /resume, /stop, /cutover, /progress and /verify. */
export function registerTaskControlRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { store, keyFile } = deps;

  app.post('/api/tasks/:id/test', async (req) => testTask(store, (await connectingTask(deps, req)).id, keyFile));

  app.post('/api/tasks/:id/precheck', async (req) => precheckTask(store, (await connectingTask(deps, req)).id, keyFile));

  app.get('/api/tasks/:id/precheck', async (req, reply): Promise<StoredPrecheckView | FastifyReply> => {
    const t = await taskOf(deps, req);
    if (!t.precheck) return reply.code(404).send(errorBody('PGFERRY_E_USAGE', `task ${t.name} has not been prechecked`, { fix: `POST /api/tasks/${t.id}/precheck` }));
    return { ...t.precheck.report, at: t.precheck.at, current: t.precheck.hash === t.specHash };
  });

  for (const verb of ['start', 'resume'] as const) {
    app.post(`/api/tasks/:id/${verb}`, async (req, reply) => {
      const t = await connectingTask(deps, req);
      const r = await startTask(store, t.id, { resume: verb === 'resume', keyFile });
      const view = await taskView(store, await store.get(t.id));
      return reply.code(202).send((r.queued ? { ...view, pid: null, queuedFor: r.workers } : { ...view, pid: r.pid }) satisfies StartedView);
    });
  }

  app.post('/api/tasks/:id/stop', async (req, reply) => reply.code(202).send(await taskView(store, await stopTask(store, (await taskOf(deps, req)).id, false))));

  app.post('/api/tasks/:id/cutover', async (req, reply) => {
    const body = parseBody(CutoverBody, req, reply);
    if (!body) return reply;
    const t = await requestCutover(store, (await taskOf(deps, req)).id, { blockWrites: Boolean(body.blockWrites), maxLagSeconds: body.maxLagSeconds, ...(body.verify === false ? { verify: false } : {}) }, false);
    return reply.code(202).send(await taskView(store, t));
  });

  app.get('/api/tasks/:id/progress', async (req): Promise<TaskProgressView> => await progressView(store, await taskOf(deps, req)));

  // the charts' points, kept with the task: a finished task still shows how its runs went
  app.get('/api/tasks/:id/samples', async (req): Promise<SamplesView> => ({ samples: await store.samples((await taskOf(deps, req)).id) }));

  app.post('/api/tasks/:id/verify', async (req): Promise<VerifyView> => {
    const v = await verifyTask(store, (await connectingTask(deps, req)).id, keyFile);
    return { ...v.report, at: v.at };
  });

  app.get('/api/tasks/:id/verify', async (req, reply): Promise<VerifyView | FastifyReply> => {
    const t = await taskOf(deps, req);
    const v = await store.latestVerify(t.id);
    if (!v) return reply.code(404).send(errorBody('PGFERRY_E_USAGE', `task ${t.name} has not been verified`, { fix: `POST /api/tasks/${t.id}/verify` }));
    return { ...v.report, at: v.at };
  });
}
