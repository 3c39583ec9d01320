/** Session settings pgferry applies on each side, and a helper to run DDL steps with clear errors. */
import type pg from 'pg';
import { PgferryError, messageOf } from '../errors.js';
import { isConnectionLoss } from '../retry-class.js';

/**
 * Settings for every target session of a run: plain DDL semantics, fast commits, quiet notices
 * (connect() has already lifted the timeouts), and the run's tag as application_name.
 */
export async function prepareTargetSession(client: pg.Client, tag: string): Promise<void> {
  await client.query(
    "SELECT pg_catalog.set_config('search_path', '', false), pg_catalog.set_config('standard_conforming_strings', 'on', false)," +
      " pg_catalog.set_config('check_function_bodies', 'off', false), pg_catalog.set_config('synchronous_commit', 'off', false)," +
      " pg_catalog.set_config('client_min_messages', 'warning', false), pg_catalog.set_config('application_name', $1, false)",
    [tag],
  );
}

/**
 * Waits until everything the target committed is on disk. Target sessions commit with
 * synchronous_commit off (a unit and its completion mark are one transaction, so a crash loses
 * both or neither); a run reports success only after one synchronous commit, which flushes the
 * WAL of every commit before it.
 */
export async function flushTargetCommits(client: pg.Client): Promise<void> {
  await client.query("BEGIN; SET LOCAL synchronous_commit = on; SELECT pg_catalog.txid_current(); COMMIT");
}

/**
 * Settings for every source session of a run (connect() has already lifted the timeouts).
 * row_security off, as pg_dump sets it: a table whose policies would hide rows from this role
 * makes the COPY fail instead of copying fewer rows (the run refuses such tables up front; this
 * covers a policy added while it runs).
 */
export async function prepareSourceSession(client: pg.Client, tag: string): Promise<void> {
  await client.query(
    "SELECT pg_catalog.set_config('client_min_messages', 'warning', false), pg_catalog.set_config('application_name', $1, false)," +
      " pg_catalog.set_config('row_security', 'off', false)," +
      // reg* values (regclass, regtype, ...) print schema-qualified, so the target resolves them the same way
      " pg_catalog.set_config('search_path', 'pg_catalog', false)",
    [tag],
  );
}

/** The suffix that marks a session as one of run `runId`'s: `pgferry/<run id>`. */
export function runTagSuffix(runId: string): string {
  return `pgferry/${runId}`;
}

/**
 * application_name for a run's sessions: `pgferry/<run id>`, after the user's own
 * application_name when they set one (cut so the tag fits the server's 63 bytes). A resumed run
 * ends only sessions with its own tag (endOrphanedSessions), never another program's.
 */
export function runTag(applicationName: string, runId: string): string {
  const suffix = runTagSuffix(runId);
  if (!applicationName || applicationName === 'pgferry') return suffix;
  let prefix = applicationName;
  while (Buffer.byteLength(`${prefix}/${suffix}`) > 63) prefix = prefix.slice(0, -1);
  return prefix ? `${prefix}/${suffix}` : suffix;
}

/** Wraps an error from the target while creating an object into a PgferryError naming it. */
export function ddlError(err: unknown, kind: string, name: string, sql: string): PgferryError {
  if (err instanceof PgferryError) return err;
  const e = err as { code?: string; detail?: string; hint?: string };
  if (isConnectionLoss(err)) {
    return new PgferryError('PGFERRY_E_CONNECTION_LOST', `lost the target connection while creating it: ${messageOf(err)}`, {
      object: `${kind} ${name}`, fix: 'check the target server, then run the same command with --resume (finished steps are kept)', cause: err, sql,
    });
  }
  const detail = [e.detail, e.hint].filter(Boolean).join(' ');
  return new PgferryError('PGFERRY_E_DDL', `rejected by the target: ${messageOf(err)}${e.code ? ` (SQLSTATE ${e.code})` : ''}${detail ? ` — ${detail}` : ''}`, {
    object: `${kind} ${name}`,
    fix: 'fix or drop the object on the source, or make the target able to take it (extension, role, version); the DDL is shown with --debug',
    sql,
    cause: err,
  });
}

/** True for a broken connection or a server going away (the rows of src/retry-class.ts that say so). */
export { isConnectionLoss };
