/** Replication slots in tests: every slot a test makes is dropped, or it would hold WAL on a shared server. */
import pg from 'pg';
import { resolveConnInfo } from '../../src/config/conninfo.js';
import { RateLimiter } from '../../src/copy/rate-limit.js';
import { runMigration } from '../../src/run/run-migration.js';
import type { MigrationEvent, MigrationSummary } from '../../src/run/events.js';
import type { CutoverRequest, MigrateOptions } from '../../src/run/run-options.js';

/** Drops `slot` once no walsender uses it (waits up to 5 s for a closed stream's walsender to exit). */
export async function dropSlot(uri: string, slot: string): Promise<void> {
  const c = new pg.Client({ connectionString: uri });
  await c.connect();
  try {
    for (let i = 0; i < 50; i++) {
      const r = await c.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]);
      if (!r.rowCount) return;
      if (!r.rows[0].active) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    await c.query('SELECT pg_drop_replication_slot($1)', [slot]);
  } finally {
    await c.end();
  }
}

/** How a test steers an incremental run: when to cut over, when to stop, where its events and log lines go. */
export interface IncrementalSteer {
  cutover: () => CutoverRequest | null;
  stop?: () => boolean;
  onEvent: (e: MigrationEvent) => void;
  logger?: MigrateOptions['logger'];
}

/** The options of an incremental migration through the engine (PGFERRY_TEST_LOG=1 prints its log lines unless `logger` is given). */
export function incrementalOptions(srcUri: string, dstUri: string, steer: IncrementalSteer): MigrateOptions {
  return {
    source: resolveConnInfo(srcUri),
    target: resolveConnInfo(dstUri),
    jobs: 2,
    schemaOnly: false,
    dataOnly: false,
    incremental: true,
    control: { stopRequested: steer.stop ?? (() => false), jobs: () => 2, limiter: new RateLimiter(0), cutoverRequested: steer.cutover },
    logger: steer.logger ?? (process.env.PGFERRY_TEST_LOG ? { log: (level: string, msg: string) => process.stderr.write(`[${level}] ${msg}\n`) } as never : undefined),
    onEvent: steer.onEvent,
  };
}

/** An incremental migration, cut over once `cutover()` returns a request. */
export function incrementalRun(srcUri: string, dstUri: string, cutover: () => CutoverRequest | null, onEvent: (e: MigrationEvent) => void): Promise<MigrationSummary> {
  return runMigration(incrementalOptions(srcUri, dstUri, { cutover, onEvent }));
}

/**
 * Transactions pgferry's slots in `uri`'s database received streamed before their commit
 * (pgoutput protocol 2; the slot's statistics, 14+), waiting up to `ms` for the walsender to
 * report them: its statistics are flushed now and then, not at once.
 */
export async function streamedTransactions(uri: string, ms = 30_000): Promise<number> {
  const c = new pg.Client({ connectionString: uri });
  await c.connect();
  try {
    for (const t0 = Date.now(); ; ) {
      const r = await c.query<{ n: number }>("SELECT coalesce(sum(stream_txns), 0)::int AS n FROM pg_stat_replication_slots WHERE slot_name LIKE 'pgferry%'");
      if (r.rows[0].n > 0 || Date.now() - t0 > ms) return r.rows[0].n;
      await new Promise((res) => setTimeout(res, 200));
    }
  } finally {
    await c.end();
  }
}
