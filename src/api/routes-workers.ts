/**
 * GET /api/workers: the fleet's workers as the store knows them (fleet mode, docs/fleet.md):
 * name, host, pid, runs, and the age of each one's last report; and the limits per server
 * (pgferry host-limit). Empty for a SQLite store.
 */
import type { FastifyInstance } from 'fastify';
import { WORKER_SILENCE_SECONDS } from '../fleet/dispatch.js';
import { hostLimits } from '../task/host-limits.js';
import type { WorkersView } from './api-types.js';
import type { RouteDeps } from './route-task.js';

export function registerWorkerRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.get('/api/workers', async (): Promise<WorkersView> => ({
    workers: (await deps.store.workers()).map((w) => ({ ...w, live: w.heartbeatAge < WORKER_SILENCE_SECONDS })),
    silenceSeconds: WORKER_SILENCE_SECONDS,
    hostLimits: await hostLimits(deps.store),
  }));
}
