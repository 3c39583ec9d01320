/**
 * The source snapshot all readers share: a leader transaction exports it and stays open until
 * every reader has joined; each worker runs SET TRANSACTION SNAPSHOT first thing.
 */
import type pg from 'pg';
import { literal } from './quote.js';

/** Starts the leader's transaction and returns the snapshot id. */
export async function exportSnapshot(leader: pg.Client): Promise<string> {
  await leader.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const r = await leader.query<{ id: string }>('SELECT pg_catalog.pg_export_snapshot() AS id');
  return r.rows[0].id;
}

/** Puts a worker connection into the exported snapshot (read-only, repeatable read). */
export async function joinSnapshot(worker: pg.Client, snapshotId: string): Promise<void> {
  await worker.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  // SET TRANSACTION SNAPSHOT takes no bind parameters; the id comes from the server itself
  await worker.query(`SET TRANSACTION SNAPSHOT ${literal(snapshotId)}`);
}

