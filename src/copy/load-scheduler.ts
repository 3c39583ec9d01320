/**
 * Schedules the data phase: copy units, largest first, and each table's index builds as soon as
 * its last unit is in, so index builds overlap other tables' copies. A free worker takes a ready
 * index build (largest table first) before the next copy unit. The first failure stops new work.
 */
import type { CopyUnit, DdlStep } from '../plan/plan-model.js';

export interface LoadWork<W> {
  workers: W[];
  units: CopyUnit[];
  /** Index steps, each with `table` naming a table that has units here. */
  indexSteps: DdlStep[];
  copy: (unit: CopyUnit, worker: W) => Promise<void>;
  build: (step: DdlStep, worker: W) => Promise<void>;
  /** How many workers may take new work now (--jobs lowered on a running task); default all. */
  activeWorkers?: () => number;
}

/** Runs every copy unit and the index steps that wait on them; rejects with the first failure. */
export async function runLoad<W>(work: LoadWork<W>): Promise<void> {
  const unitsLeft = new Map<string, number>();
  for (const u of work.units) unitsLeft.set(u.tableId, (unitsLeft.get(u.tableId) ?? 0) + 1);
  const waiting = new Map<string, DdlStep[]>();
  for (const s of work.indexSteps) {
    if (!s.table || !unitsLeft.has(s.table)) throw new Error(`index step ${s.name} has no table to wait for`);
    if (!waiting.has(s.table)) waiting.set(s.table, []);
    waiting.get(s.table)!.push(s);
  }
  const ready: DdlStep[] = [];
  let nextUnit = 0;
  let inFlight = 0;
  let failure: { err: unknown } | null = null;
  let wake: () => void = () => {};
  let woken = new Promise<void>((r) => (wake = r));
  const signal = () => {
    wake();
    woken = new Promise<void>((r) => (wake = r));
  };
  const tableDone = (table: string) => {
    const left = unitsLeft.get(table)! - 1;
    unitsLeft.set(table, left);
    if (left === 0) {
      ready.push(...(waiting.get(table) ?? []));
      ready.sort((a, b) => (b.weight ?? 0) - (a.weight ?? 0));
    }
  };
  const attempt = async (fn: () => Promise<void>) => {
    inFlight++;
    try {
      await fn();
    } catch (err) {
      failure ??= { err };
    } finally {
      inFlight--;
      signal();
    }
  };
  const lane = async (worker: W, index: number) => {
    while (!failure) {
      // a lane above the current job count finishes what it has and then waits
      if (work.activeWorkers && index >= Math.max(1, work.activeWorkers())) {
        if (nextUnit >= work.units.length && ready.length === 0 && inFlight === 0) break;
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      const step = ready.shift();
      if (step) {
        await attempt(() => work.build(step, worker));
        continue;
      }
      if (nextUnit < work.units.length) {
        const unit = work.units[nextUnit++];
        await attempt(async () => {
          await work.copy(unit, worker);
          tableDone(unit.tableId);
        });
        continue;
      }
      if (inFlight === 0) break;
      await woken;
    }
  };
  await Promise.all(work.workers.map((w, i) => lane(w, i)));
  if (failure) throw (failure as { err: unknown }).err;
}
