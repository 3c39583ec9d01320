/**
 * Automatic resume: a run that fails for a transient reason (a connection lost, a server
 * restarting, a serialization failure or deadlock) is started again after a capped exponential
 * backoff, resuming from its marks, so finished steps and tables are not redone and no row is
 * lost or duplicated. Connection failures count as transient only once a first connection
 * succeeded: a wrong host or password fails at once.
 */
import crypto from 'node:crypto';
import { PgferryError, isRetryableSqlState, messageOf } from '../errors.js';
import { isConnectionLoss } from '../pg/session.js';
import { runMigration, type MigrateOptions } from './run-migration.js';
import type { MigrationSummary } from './events.js';

export interface RetryOptions {
  /** Attempts after the first (default 5). */
  retries?: number;
  /** First wait in ms (doubles each time, at most `maxDelayMs`). */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

const CONNECT_CODES = new Set(['PGFERRY_E_CONNECT_REFUSED', 'PGFERRY_E_CONNECT_TIMEOUT', 'PGFERRY_E_CONNECTION_LOST']);

/** Whether `err`, or anything it wraps, is worth another attempt. */
function transient(err: unknown, connectedOnce: boolean): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if (e instanceof PgferryError && e.code === 'PGFERRY_E_CONNECTION_LOST') return true;
    if (e instanceof PgferryError && CONNECT_CODES.has(e.code) && connectedOnce) return true;
    if (!(e instanceof PgferryError) && (isConnectionLoss(e) || isRetryableSqlState((e as { code?: string }).code))) return true;
  }
  return false;
}

/** runMigration, started again with --resume semantics after transient failures. */
export async function runWithRetries(opts: MigrateOptions, retry: RetryOptions = {}): Promise<MigrationSummary> {
  const retries = retry.retries ?? 5;
  const base = retry.baseDelayMs ?? 1000;
  const cap = retry.maxDelayMs ?? 30_000;
  // with --resume the first attempt finds the run to continue; later attempts keep that id
  let runId = opts.runId ?? (opts.resume ? undefined : crypto.randomUUID());
  const emit = opts.onEvent ?? (() => {});
  let connectedOnce = false;
  for (let attempt = 0; ; attempt++) {
    try {
      return await runMigration({
        ...opts,
        runId,
        // later attempts continue this run (and end what the failed attempt left working)
        resume: opts.resume || attempt > 0,
        onEvent: (e) => {
          if (e.type === 'phase-end' && e.phase === 'connect') connectedOnce = true;
          if (e.type === 'run') runId = e.runId;
          emit(e);
        },
      });
    } catch (err) {
      if (attempt >= retries || !transient(err, connectedOnce)) throw err;
      const delayMs = Math.min(cap, base * 2 ** attempt);
      const message = err instanceof PgferryError ? err.toLine() : messageOf(err);
      opts.logger?.log('warn', `attempt ${attempt + 1} failed (${message}); resuming in ${(delayMs / 1000).toFixed(0)}s (${retries - attempt} attempts left)`);
      emit({ type: 'retry', attempt: attempt + 1, delaySeconds: delayMs / 1000, error: message });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
