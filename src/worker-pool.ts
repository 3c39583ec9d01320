/** Runs async work over items with at most `jobs` in flight; the first failure stops new starts. */

/** Runs `work` over `items`, `jobs` at a time; rejects with the first failure. */
export async function runPool<T>(items: T[], jobs: number, work: (item: T, worker: number) => Promise<void>): Promise<void> {
  await runPoolWithFillers(items, Math.max(1, Math.min(jobs, items.length)), work, NO_FILLERS);
}

const NO_FILLERS: Fillers<never> = { next: () => undefined, left: () => false, work: async () => {} };

/** Work that may start only once some items are done. */
export interface Fillers<F> {
  /** The next filler that may start now, or undefined. */
  next: () => F | undefined;
  /** Whether any filler is still waiting to start. */
  left: () => boolean;
  work: (filler: F, worker: number) => Promise<void>;
}

/**
 * Like runPool, and a lane takes a ready filler before the next item, so that fillers run while
 * items are still going (beside the short items at the end, not after them). A lane with no item
 * left waits for a running item or filler to end and looks again. Fillers that are still not
 * ready when nothing runs any more are left for the caller.
 */
export async function runPoolWithFillers<T, F>(
  items: T[],
  jobs: number,
  work: (item: T, worker: number) => Promise<void>,
  fillers: Fillers<F>,
): Promise<void> {
  let next = 0;
  let running = 0;
  let failed: unknown;
  let hasFailed = false;
  let wake: () => void = () => {};
  let woken = new Promise<void>((resolve) => (wake = resolve));
  const run = async (job: () => Promise<void>) => {
    running++;
    try {
      await job();
    } catch (err) {
      if (!hasFailed) {
        hasFailed = true;
        failed = err;
      }
    } finally {
      running--;
      const done = wake;
      woken = new Promise<void>((resolve) => (wake = resolve));
      done();
    }
  };
  const lane = async (worker: number) => {
    while (!hasFailed) {
      const filler = fillers.next();
      if (filler !== undefined) {
        await run(() => fillers.work(filler, worker));
        continue;
      }
      if (next < items.length) {
        const item = items[next++];
        await run(() => work(item, worker));
        continue;
      }
      if (running === 0 || !fillers.left()) return;
      await woken;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, (_, i) => lane(i)));
  if (hasFailed) throw failed;
}
