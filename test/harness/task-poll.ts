/** Reading a task from its store while its background process runs it (the kill-and-resume tests). */
import assert from 'node:assert/strict';
import { openStore } from '../../src/task/open-store.js';
import type { TaskRecord } from '../../src/task/task-store.js';

export type StoredTask = TaskRecord;

/** `task(id)` reads the task now; `until` waits until `cond` holds for it, failing at once if the task fails. */
export function taskPoller(storeFile: string) {
  const task = async (id: string): Promise<StoredTask> => {
    const store = await openStore(storeFile);
    try {
      return await store.get(id);
    } finally {
      await store.close();
    }
  };
  const until = async (id: string, what: string, cond: (t: StoredTask) => boolean, ms = 120_000): Promise<StoredTask> => {
    const t0 = Date.now();
    for (;;) {
      const t = await task(id);
      if (cond(t)) return t;
      if (Date.now() - t0 > ms) assert.fail(`task did not get to ${what}: state ${t.state}, phase ${t.phase}, error ${t.error}`);
      if (t.state === 'failed') assert.fail(`task failed while waiting for ${what}: ${t.error}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { task, until };
}
