/**
 * A task's live progress as Server-Sent Events, and the single-use tickets that open the stream
 * for clients that cannot send the token in a header (a browser's EventSource).
 */
import type { FastifyInstance } from 'fastify';
import type { TaskRecord } from '../task/task-store.js';
import { effectiveState, isUnderway } from '../task/task-service.js';
import { SECURITY_HEADERS } from './request-guard.js';
import { progressView } from './task-views.js';
import { taskOf, type RouteDeps } from './route-task.js';

/** Registers POST /api/tasks/:id/events/ticket and GET /api/tasks/:id/events (token or ticket). */
export function registerEventRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { store, tickets } = deps;

  app.post('/api/tasks/:id/events/ticket', async (req, reply) => reply.code(201).send(tickets.issue((await taskOf(deps, req)).id)));

  // live progress: a `progress` event every second while the task runs, then one last and close
  app.get('/api/tasks/:id/events', { config: { access: 'ticket' } }, async (req, reply) => {
    const id = (await taskOf(deps, req)).id;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    let closed = false;
    req.raw.on('close', () => (closed = true));
    for (let n = 0; !closed; n++) {
      let t: TaskRecord;
      try {
        t = await store.get(id, { prefix: false });
      } catch {
        res.write(`event: gone\ndata: {}\n\n`);
        break;
      }
      res.write(`id: ${n}\nevent: progress\ndata: ${JSON.stringify(await progressView(store, t))}\n\n`);
      const state = effectiveState(t);
      if (!isUnderway(state) && n > 0 && (req.query as { follow?: string }).follow !== 'always') break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    res.end();
  });
}
