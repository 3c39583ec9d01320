/**
 * What each route group is given (RouteDeps), and the task a route's `:id` names: looked up
 * exactly, and for routes that connect with its settings, checked against the connection policy.
 */
import type { FastifyRequest } from 'fastify';
import type { TaskRecord, TaskStore } from '../task/task-store.js';
import { checkStoredTask, type ConnectionPolicy } from './connection-policy.js';
import type { EventTickets } from './request-guard.js';

/** The state the route groups share: built once by buildApi. */
export interface RouteDeps {
  store: TaskStore;
  /** What callers may connect with. */
  policy: ConnectionPolicy;
  /** The key file that seals and opens stored passwords (absent: the default one). */
  keyFile?: string;
  /** Single-use tickets for the event stream. */
  tickets: EventTickets;
}

/** The task named by the route's :id, exactly (prefixes are for people at the CLI). */
export async function taskOf(deps: RouteDeps, req: FastifyRequest): Promise<TaskRecord> {
  return await deps.store.get((req.params as { id: string }).id, { prefix: false });
}

/** The same, checked against the connection policy before anything connects with it. */
export async function connectingTask(deps: RouteDeps, req: FastifyRequest): Promise<TaskRecord> {
  const t = await taskOf(deps, req);
  checkStoredTask(t.spec, deps.policy);
  return t;
}
