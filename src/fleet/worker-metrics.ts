/**
 * A worker's own /metrics (`pgferry worker --metrics-port N`), in Prometheus's text format
 * (prom-client): what this process does (runs, copy units and stream lanes in hand, units copied with
 * their rows and bytes, unit errors, verify parts summed, lanes ended and failed, runs started, takeovers queued, silent workers' units sent back) and the
 * process's own figures (memory, CPU, event-loop lag). The fleet's tasks and queues are the store's,
 * and `pgferry serve`'s /metrics reports them; a worker reports only itself. No label carries a
 * task's name or a connection: the counts are this process's.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import client from 'prom-client';
import { PgferryError } from '../errors.js';

/** What a worker counts, read at each scrape. */
export interface WorkerStats {
  runsNow: () => number;
  unitsNow: () => number;
  runsStarted: number;
  unitsCopied: number;
  unitRows: number;
  unitBytes: number;
  unitErrors: number;
  takeoversQueued: number;
  unitsReclaimed: number;
  partsSummed: number;
  partRows: number;
  partErrors: number;
  /** Lanes of spread streams: applied here now, ended here (cut over, stopped, handed off), failed here. */
  lanesNow: () => number;
  lanesEnded: number;
  laneErrors: number;
}

export function newWorkerStats(runsNow: () => number, unitsNow: () => number, lanesNow: () => number = () => 0): WorkerStats {
  return { runsNow, unitsNow, lanesNow, lanesEnded: 0, laneErrors: 0, runsStarted: 0, unitsCopied: 0, unitRows: 0, unitBytes: 0, unitErrors: 0, takeoversQueued: 0, unitsReclaimed: 0, partsSummed: 0, partRows: 0, partErrors: 0 };
}

function registryOf(stats: WorkerStats, worker: string): client.Registry {
  const registry = new client.Registry();
  registry.setDefaultLabels({ worker });
  client.collectDefaultMetrics({ register: registry, prefix: 'pgferry_worker_' });
  const gauge = (name: string, help: string, read: () => number) =>
    new client.Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  gauge('pgferry_worker_runs_now', 'task runs this worker holds now', stats.runsNow);
  gauge('pgferry_worker_units_now', 'copy units of spread runs this worker copies now', stats.unitsNow);
  gauge('pgferry_worker_lanes_now', 'lanes of spread streams this worker applies now', stats.lanesNow);
  // counters as the totals since the process started (a restart starts them again, as Prometheus expects)
  const counter = (name: string, help: string, read: () => number) =>
    new client.Counter({ name, help, registers: [registry], collect() { this.reset(); this.inc(read()); } });
  counter('pgferry_worker_runs_started_total', 'task runs this worker started (start, resume, takeover)', () => stats.runsStarted);
  counter('pgferry_worker_units_copied_total', 'copy units of spread runs this worker copied and committed', () => stats.unitsCopied);
  counter('pgferry_worker_unit_rows_total', 'rows of those units', () => stats.unitRows);
  counter('pgferry_worker_unit_bytes_total', 'COPY bytes of those units', () => stats.unitBytes);
  counter('pgferry_worker_unit_errors_total', 'copy units this worker answered with an error', () => stats.unitErrors);
  counter('pgferry_worker_takeovers_queued_total', "silent runs of other workers this worker queued to resume", () => stats.takeoversQueued);
  counter('pgferry_worker_units_reclaimed_total', 'unit and verify part jobs of silent workers this worker sent back to the queue', () => stats.unitsReclaimed);
  counter('pgferry_worker_verify_parts_total', 'parts of spread verifies this worker summed on both sides', () => stats.partsSummed);
  counter('pgferry_worker_verify_rows_total', 'rows of those parts, both sides counted', () => stats.partRows);
  counter('pgferry_worker_lanes_ended_total', 'lanes of spread streams this worker applied to their end (cut over, stopped, handed off)', () => stats.lanesEnded);
  counter('pgferry_worker_lane_errors_total', 'lanes of spread streams that failed on this worker', () => stats.laneErrors);
  counter('pgferry_worker_verify_part_errors_total', 'verify parts this worker could not sum', () => stats.partErrors);
  return registry;
}

/** Serves GET /metrics on host:port until closed. */
export async function serveWorkerMetrics(stats: WorkerStats, worker: string, host: string, port: number): Promise<FastifyInstance> {
  const registry = registryOf(stats, worker);
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_req, reply) => reply.header('content-type', registry.contentType).send(await registry.metrics()));
  await app.listen({ host, port }).catch(async (err: NodeJS.ErrnoException) => {
    await app.close();
    if (err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL')
      throw new PgferryError('PGFERRY_E_USAGE', `the worker's metrics cannot listen on ${host}:${port}: ${err.code}`, {
        fix: err.code === 'EADDRNOTAVAIL' ? 'give an address of this machine with --metrics-host' : 'pick another port with --metrics-port',
      });
    throw err;
  });
  return app;
}
