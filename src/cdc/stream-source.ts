/**
 * What an incremental run sets up on the source before its copy, in this order: REPLICA IDENTITY
 * FULL where the user asked for it, the publication of the streamed tables (pgoutput reads it in
 * the WAL's own catalog view, so it must exist before the slot: a publication created or altered
 * afterwards would not cover the changes in between), then the slot with its exported snapshot.
 */
import type pg from 'pg';
import type { ConnInfo } from '../config/conninfo.js';
import { qualified } from '../pg/quote.js';
import { createPublication, dropStreamObjects } from './slot-lifecycle.js';
import { createSlot, openReplication, type CreatedSlot } from './replication-stream.js';

export interface StreamObjects {
  /** The slot's name, also the publication's when pgferry creates it. */
  name: string;
  /** A publication the owner created (the run neither creates nor drops it). */
  userPublication?: string;
  tables: { schema: string; name: string }[];
  /** Tables to set REPLICA IDENTITY FULL on first (--set-replica-identity-full). */
  identityFull: { schema: string; name: string }[];
}

/** The publication the stream reads. */
export function publicationOf(o: Pick<StreamObjects, 'name' | 'userPublication'>): string {
  return o.userPublication ?? o.name;
}

/**
 * Drops what an earlier, unfinished setup left (its snapshot is gone with its process), then
 * creates the objects. Returns the slot, and the replication session that holds its snapshot:
 * import the snapshot before that session runs anything else or ends.
 */
export async function createStreamObjects(source: pg.ClientBase, info: ConnInfo, o: StreamObjects): Promise<{ repl: pg.Client; slot: CreatedSlot }> {
  await dropStreamObjects(source, o.name, { keepPublication: Boolean(o.userPublication) });
  for (const t of o.identityFull) await source.query(`ALTER TABLE ${qualified(t.schema, t.name)} REPLICA IDENTITY FULL`);
  if (!o.userPublication) await createPublication(source, o.name, o.tables);
  const repl = await openReplication(info);
  try {
    return { repl, slot: await createSlot(repl, o.name) };
  } catch (err) {
    await repl.end().catch(() => {});
    throw err;
  }
}
