/**
 * --block-writes at cutover: the source database becomes read-only for new transactions
 * (ALTER DATABASE ... SET default_transaction_read_only), then every other client session in it
 * is ended, so that no write can commit after the cutover position. Set first and ended second:
 * a session that connects in between starts read-only already. The setting stays after cutover
 * (the application now writes to the target); `unblockWrites` undoes it.
 */
import type pg from 'pg';
import { ident } from '../pg/quote.js';
import { PgferryError } from '../errors.js';

export interface EndedSession {
  pid: number;
  user: string;
  application: string;
  client: string | null;
}

/** Blocks writes to `database`; `ownTag` marks the run's own sessions (application_name suffix), which stay. */
export async function blockWrites(source: pg.ClientBase, database: string, ownTag: string): Promise<EndedSession[]> {
  try {
    await source.query(`ALTER DATABASE ${ident(database)} SET default_transaction_read_only = on`);
  } catch (err) {
    throw new PgferryError('PGFERRY_E_PERMISSION', `cannot make the source database read-only: ${(err as Error).message}`, {
      object: `database ${database}`,
      fix: 'connect as the database owner, or stop the application\'s writes yourself and cut over without --block-writes',
      cause: err,
    });
  }
  const r = await source.query<{ pid: number; usename: string; application_name: string; client_addr: string | null }>(
    `SELECT pid, usename, application_name, client_addr::text AS client_addr FROM pg_catalog.pg_stat_activity
      WHERE datname = $1 AND pid <> pg_catalog.pg_backend_pid() AND backend_type = 'client backend'
        AND pg_catalog.right(application_name, pg_catalog.length($2)) <> $2`,
    [database, ownTag],
  );
  const refused: string[] = [];
  for (const s of r.rows) {
    const ended = await source.query<{ ok: boolean }>('SELECT pg_catalog.pg_terminate_backend($1) AS ok', [s.pid]).then(
      (x) => x.rows[0].ok,
      () => false,
    );
    if (!ended) refused.push(`${s.pid} (${s.usename})`);
  }
  if (refused.length) {
    await unblockWrites(source, database).catch(() => {});
    throw new PgferryError('PGFERRY_E_PERMISSION', `cannot end source session(s) ${refused.join(', ')}: writes could go on after cutover, so the database was made writable again`, {
      object: `database ${database}`,
      fix: 'grant pg_signal_backend to the source role (or connect as the sessions\' role), or stop the application\'s writes yourself and cut over without --block-writes',
    });
  }
  return r.rows.map((s) => ({ pid: s.pid, user: s.usename, application: s.application_name, client: s.client_addr }));
}

/** Makes the database writable again for new sessions. */
export async function unblockWrites(source: pg.ClientBase, database: string): Promise<void> {
  await source.query(`ALTER DATABASE ${ident(database)} RESET default_transaction_read_only`);
}
