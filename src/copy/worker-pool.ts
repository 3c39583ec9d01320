/** Runs async work over items with at most `jobs` in flight; the first failure stops new starts. */

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

/**
 * Opens two connections at once; if one fails, the other is closed before the error is thrown
 * (a connection left open would keep the process alive).
 */
export async function openBoth<A extends { end(): Promise<void> }, B extends { end(): Promise<void> }>(
  a: () => Promise<A>,
  b: () => Promise<B>,
): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a(), b()]);
  if (ra.status === 'fulfilled' && rb.status === 'fulfilled') return [ra.value, rb.value];
  if (ra.status === 'fulfilled') await ra.value.end().catch(() => {});
  if (rb.status === 'fulfilled') await rb.value.end().catch(() => {});
  throw ra.status === 'rejected' ? ra.reason : (rb as PromiseRejectedResult).reason;
}
