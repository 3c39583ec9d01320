/**
 * ANALYZE on the target: planner statistics for the copied tables. Most tables are analyzed in
 * the post-data pool as soon as their last key or index is built (an AnalyzeQueue feeds the
 * next free connection; a partition tree's top waits for every partition's); the rest at the end
 * (analyzeTables), partitioned tables after the others.
 */
import type pg from 'pg';
import type { AnalyzeTarget, DdlStep } from '../plan/plan-model.js';
import { displayName, qualified } from '../pg/quote.js';
import { PgferryError } from '../errors.js';
import { runPool } from '../worker-pool.js';

/** Tables this large are analyzed one to a round trip; smaller ones go 100 to a round trip. */
const LARGE_TABLE_BYTES = 8 * 1024 * 1024;
const SMALL_TABLES_PER_TRIP = 100;

/** One round trip of ANALYZE (several statements run in the implicit transaction of one query). */
export async function analyzeBatch(client: pg.Client, batch: AnalyzeTarget[]): Promise<void> {
  try {
    await client.query(batch.map((t) => `ANALYZE ${t.only ? 'ONLY ' : ''}${qualified(t.schema, t.name)}`).join(';\n'));
  } catch (err) {
    const names = batch.map((t) => displayName(t.schema, t.name));
    throw new PgferryError('PGFERRY_E_DDL', `ANALYZE failed: ${(err as Error).message}`, {
      object: names.length === 1 ? `table ${names[0]}` : `tables ${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''}`,
      cause: err,
    });
  }
}

/** Takes the next round trip's tables off the front of `ready`: one large table, or up to 100 small ones. */
function takeBatch(ready: AnalyzeTarget[]): AnalyzeTarget[] | undefined {
  if (!ready.length) return undefined;
  if (ready[0].bytes >= LARGE_TABLE_BYTES) return ready.splice(0, 1);
  const batch: AnalyzeTarget[] = [];
  for (let i = 0; i < ready.length && batch.length < SMALL_TABLES_PER_TRIP; ) {
    if (ready[i].bytes < LARGE_TABLE_BYTES) batch.push(...ready.splice(i, 1));
    else i++;
  }
  return batch;
}

/**
 * ANALYZEs `tables` on the connections of `pool`, in parallel; partitioned tables after the
 * others, so that their partitions have their own statistics first.
 */
export async function analyzeTables(pool: pg.Client[], tables: AnalyzeTarget[]): Promise<void> {
  for (const round of [tables.filter((t) => !t.partitioned), tables.filter((t) => t.partitioned)]) {
    const batches: AnalyzeTarget[][] = [];
    for (let b = takeBatch(round); b; b = takeBatch(round)) batches.push(b);
    await runPool(batches, pool.length, (batch, w) => analyzeBatch(pool[w], batch));
  }
}

/**
 * The tables whose ANALYZE waits for their keys and indexes (a partition tree's top, for those of
 * every partition): `indexDone` after each index step (built, failed or skipped alike), `next`
 * for the next ready round trip. A table that failed to be created is dropped when it would
 * become ready.
 */
export class AnalyzeQueue {
  /** Index steps not done yet, per target (by key). */
  private readonly pending = new Map<string, number>();
  /** The targets waiting on each table's index steps (by display name). */
  private readonly waitingOn = new Map<string, AnalyzeTarget[]>();
  private readonly ready: AnalyzeTarget[] = [];
  /** Keys of the tables handed out by `next`. */
  readonly taken = new Set<string>();

  constructor(
    tables: AnalyzeTarget[],
    indexSteps: DdlStep[],
    private readonly failed: (key: string) => boolean,
  ) {
    const steps = new Map<string, number>();
    for (const s of indexSteps) if (s.table) steps.set(s.table, (steps.get(s.table) ?? 0) + 1);
    for (const t of tables) {
      const waitFor = (t.waitFor ?? [t.table]).filter((name) => steps.has(name));
      const count = waitFor.reduce((a, name) => a + steps.get(name)!, 0);
      if (count === 0) {
        this.release(t);
        continue;
      }
      this.pending.set(t.key, count);
      for (const name of waitFor) this.waitingOn.set(name, [...(this.waitingOn.get(name) ?? []), t]);
    }
  }

  indexDone(step: DdlStep): void {
    if (!step.table) return;
    for (const t of this.waitingOn.get(step.table) ?? []) {
      const left = this.pending.get(t.key)! - 1;
      this.pending.set(t.key, left);
      if (left === 0) {
        this.pending.delete(t.key);
        this.release(t);
      }
    }
  }

  next(): AnalyzeTarget[] | undefined {
    const batch = takeBatch(this.ready);
    for (const t of batch ?? []) this.taken.add(t.key);
    return batch;
  }

  left(): boolean {
    return this.ready.length > 0 || this.pending.size > 0;
  }

  private release(t: AnalyzeTarget): void {
    if (!this.failed(t.key)) this.ready.push(t);
  }
}
