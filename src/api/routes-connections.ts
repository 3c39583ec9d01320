/**
 * The routes that connect with settings the caller sends in the body, before any task exists:
 * Test Connectivity, a source's (or target's) object tree, and a plan preview. Each setting passes the
 * connection policy first (connection-policy.ts), so a caller never uses the server's own
 * credentials, files or sockets.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { ConnSpecSchema, TaskSpecSchema } from '../config/task-spec.js';
import { testConnectivity } from '../pg/test-connectivity.js';
import { connect } from '../pg/connect.js';
import { listObjects } from '../catalog/list-objects.js';
import { planFromSource } from '../plan/review-plan.js';
import { planInputs } from '../plan/plan-inputs.js';
import { apiConnInfo, resolveApiConn } from './connection-policy.js';
import { invalidBody, parseBody } from './api-replies.js';
import type { RouteDeps } from './route-task.js';
import type { ConnectivityReport, ObjectTree, PlanPreview } from './api-types.js';

const ConnTestBody = z.object({ source: ConnSpecSchema.optional(), target: ConnSpecSchema.optional() }).strict();
// one side: the source's objects to choose from, or the target's, whose names a rename must not take
const ObjectsBody = z.object({ source: ConnSpecSchema.optional(), target: ConnSpecSchema.optional() }).strict()
  .refine((b) => Boolean(b.source) !== Boolean(b.target), { message: 'give source or target, not both' });

/** Registers POST /api/connections/test, /api/catalog/objects and /api/plan/preview. */
export function registerConnectionRoutes(app: FastifyInstance, { policy }: RouteDeps): void {
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
    const side = body.source ? 'source' : 'target';
    const client = await connect(apiConnInfo((body.source ?? body.target)!, policy, side), side);
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
}
