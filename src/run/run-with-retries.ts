/**
 * Automatic resume: a run that fails for a transient reason (a connection lost, a server
 * restarting, a serialization failure or deadlock) is started again after a capped exponential
 * backoff, resuming from its marks, so finished steps and tables are not redone and no row is
 * lost or duplicated. Which failures are transient is src/retry-class.ts's table; connection
 * failures count only once a first connection succeeded: a wrong host or password fails at once.
 */
import crypto from 'node:crypto';
import { PgferryError, messageOf } from '../errors.js';
import { classifyError } from '../retry-class.js';
import { runMigration, type MigrateOptions } from './run-migration.js';
import type { MigrationSummary } from './events.js';

export interface RetryOptions {
  /** Attempts after the first (default 5). */
  retries?: number;
  /** First wait in ms (doubles each time, at most `maxDelayMs`). */
  baseDelayMs?: number;
  maxDelayMs?: number;
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
      const verdict = classifyError(err, { connectedOnce });
      if (attempt >= retries || !verdict.transient) throw err;
      if (opts.control?.stillOwner && !(await opts.control.stillOwner().catch(() => true)))
        throw new PgferryError('PGFERRY_E_TASK_STATE', `the run lost its task to another process (a takeover) and does not retry: ${messageOf(err)}`, {
          fix: 'nothing to do: the process that took the task over continues the run (pgferry task status shows it)',
          cause: err,
        });
      const delayMs = Math.min(cap, base * 2 ** attempt);
      const message = err instanceof PgferryError ? err.toLine() : messageOf(err);
      opts.logger?.log('warn', `attempt ${attempt + 1} failed (${message}), a transient failure (${verdict.reason}); resuming in ${(delayMs / 1000).toFixed(0)}s (${retries - attempt} attempts left)`);
      emit({ type: 'retry', attempt: attempt + 1, delaySeconds: delayMs / 1000, error: message, reason: verdict.reason });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
