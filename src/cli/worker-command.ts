/**
 * `pgferry worker`: runs one machine's share of a fleet over a PostgreSQL task store until
 * SIGTERM or SIGINT (docs/fleet.md); `pgferry workers`: the fleet's workers as the store knows
 * them (name, host, runs, heartbeat age).
 */
import type { Command } from 'commander';
import { ExitCode, PgferryError } from '../errors.js';
import { parseJobsLike, parsePort } from './flags.js';
import { jsonLine } from './output.js';
import { command, storeOption, withStore, type Common } from './task-action.js';

type WorkerFlags = Common & { concurrency: number; copySlots?: number; name?: string; metricsPort?: number; metricsHost: string };

export function registerWorkerCommands(program: Command): void {
  storeOption(program.command('worker'))
    .description("run tasks from a fleet's queue on this machine (needs a postgresql:// store shared by the fleet); stops on SIGTERM, handing its runs back to the queue")
    .option('--concurrency <n>', 'runs at once on this machine', parseJobsLike, 2)
    .option('--copy-slots <n>', "copy units of spread runs (other workers' large tasks) this machine copies at once (default: --concurrency)", parseJobsLike)
    .option('--name <name>', 'the name the fleet knows this worker by (default: host-pid)')
    .option('--metrics-port <port>', "serve this worker's own Prometheus metrics on GET /metrics (runs, units copied, process figures)", parsePort)
    .option('--metrics-host <host>', 'the address --metrics-port listens on', '127.0.0.1')
    .action(
      command<WorkerFlags>(program, (o) =>
        withStore(o, async (store) => {
          const { FleetWorker, defaultWorkerName } = await import('../fleet/worker.js');
          const say = (line: string) => process.stdout.write(`${line}\n`);
          const name = o.name ?? defaultWorkerName();
          const worker = await FleetWorker.start(store, { name, concurrency: o.concurrency, copySlots: o.copySlots, say });
          let metrics: { close: () => Promise<void> } | undefined;
          if (o.metricsPort !== undefined) {
            const { serveWorkerMetrics } = await import('../fleet/worker-metrics.js');
            metrics = await serveWorkerMetrics(worker.stats, name, o.metricsHost, o.metricsPort).catch(async (err: unknown) => {
              await worker.stop();
              throw err;
            });
            say(`worker ${name}: metrics on http://${o.metricsHost}:${o.metricsPort}/metrics`);
          }
          await new Promise<void>((resolve) => {
            process.once('SIGTERM', resolve);
            process.once('SIGINT', resolve);
          });
          await metrics?.close();
          await worker.stop();
          return ExitCode.ok;
        }),
      ),
    );

  storeOption(program.command('workers'))
    .description('the workers of the fleet over this store: name, host, runs, heartbeat age')
    .option('--json', 'JSON')
    .action(
      command<Common>(program, (o) =>
        withStore(o, async (store) => {
          const { WORKER_SILENCE_SECONDS } = await import('../fleet/dispatch.js');
          const workers = (await store.workers()).map((w) => ({ ...w, live: w.heartbeatAge < WORKER_SILENCE_SECONDS }));
          if (o.json) jsonLine({ event: 'workers', workers });
          else if (!workers.length) process.stdout.write('no workers have reported to this store (start one: pgferry worker --store postgresql://...)\n');
          else
            for (const w of workers)
              process.stdout.write(`${w.name}  ${w.host}  pid ${w.pid}  ${w.tasks.length}/${w.concurrency} run(s)  ${jobsHeld(w.units)}  seen ${w.heartbeatAge.toFixed(1)} s ago${w.live ? '' : ' (silent: gone?)'}\n`);
          return ExitCode.ok;
        }),
      ),
    );

  storeOption(program.command('host-limit'))
    .description('limit the table copies at once from or into one database server, over every task and worker of the store (fleet mode); no arguments: list the limits')
    .argument('[server]', 'HOST or HOST:PORT (port 5432 when left out), as the tasks name it')
    .argument('[limit]', "the most copies at once, or 'off'")
    .option('--json', 'JSON')
    .action(
      command<Common & { json?: boolean }>(program, (o, server?: string, limit?: string) =>
        withStore(o, async (store) => {
          const { hostLimits, parseServer, setHostLimit } = await import('../task/host-limits.js');
          let all: Record<string, number>;
          if (server === undefined) all = await hostLimits(store);
          else {
            if (limit === undefined) throw new PgferryError('PGFERRY_E_USAGE', `give the limit for ${server}: a number of copies at once, or 'off'`, { fix: 'pgferry host-limit db1.internal:5432 4' });
            all = await setHostLimit(store, parseServer(server), limit === 'off' ? null : parseJobsLike(limit));
          }
          if (o.json) jsonLine({ event: 'host-limits', limits: all });
          else if (!Object.keys(all).length) process.stdout.write('no server is limited: each task copies with its own --jobs\n');
          else for (const [k, n] of Object.entries(all)) process.stdout.write(`${k}  at most ${n} table cop${n === 1 ? 'y' : 'ies'} at once\n`);
          return ExitCode.ok;
        }),
      ),
    );
}

/** What a worker holds for other tasks' runs: copy units by id, verify parts as `part:ID`, stream lanes as `lane:ID`. */
function jobsHeld(listed: string[]): string {
  const parts = listed.filter((u) => u.startsWith('part:')).length;
  const lanes = listed.filter((u) => u.startsWith('lane:')).length;
  return [`${listed.length - parts - lanes} unit(s)`, ...(parts ? [`${parts} verify part(s)`] : []), ...(lanes ? [`${lanes} lane(s)`] : [])].join(', ');
}
