/** Runs async work over items with at most `jobs` in flight; the first failure stops new starts. */

/** Runs `work` over `items`, `jobs` at a time; rejects with the first failure. */
export async function runPool<T>(items: T[], jobs: number, work: (item: T, worker: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  let hasFailed = false;
  const lane = async (worker: number) => {
    while (!hasFailed && next < items.length) {
      const item = items[next++];
      try {
        await work(item, worker);
      } catch (err) {
        if (!hasFailed) {
          hasFailed = true;
          failed = err;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, (_, i) => lane(i)));
  if (hasFailed) throw failed;
}

