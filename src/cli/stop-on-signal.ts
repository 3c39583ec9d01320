/**
 * A foreground `migrate --incremental` streams until it is told to stop: SIGINT or SIGTERM asks
 * the run to stop (PGFERRY_E_STOPPED; the slot is kept, `migrate --incremental --resume`
 * continues), and a second signal leaves at once.
 */
import { RateLimiter } from '../copy/rate-limit.js';
import { ExitCode } from '../errors.js';
import type { RunControl } from '../run/run-options.js';

/** A run's control whose stopRequested() turns true on the first SIGINT/SIGTERM; `dispose` removes the handlers. */
export function stopOnSignal(o: { jobs: number; maxRateMBps?: number; note: (text: string) => void }): { control: RunControl; dispose: () => void } {
  let stop = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop) process.exit(ExitCode.stopped);
    stop = true;
    o.note(`${signal}: stopping; the replication slot is kept (migrate --incremental --resume continues), a second ${signal} leaves at once`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const control: RunControl = {
    stopRequested: () => stop,
    jobs: () => o.jobs,
    // the same limit the run would make itself from maxRateMBps (0: none)
    limiter: new RateLimiter((o.maxRateMBps ?? 0) * 1024 * 1024),
  };
  return {
    control,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
