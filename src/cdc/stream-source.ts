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
import { copySlot, type Lane } from './stream-lanes.js';

export interface StreamObjects {
  /** The slot's name, also the publication's when pgferry creates it (lane 0's, when there are lanes). */
  name: string;
  /** A publication the owner created (the run neither creates nor drops it; one lane). */
  userPublication?: string;
  /** The lanes, each with its tables: one, named `name`, unless the run streams through several. */
  lanes: Lane[];
  /** Tables to set REPLICA IDENTITY FULL on first (--set-replica-identity-full). */
  identityFull: { schema: string; name: string }[];
}

/** The publication the stream reads. */
export function publicationOf(o: Pick<StreamObjects, 'name' | 'userPublication'>): string {
  return o.userPublication ?? o.name;
}

/**
 * Drops what an earlier, unfinished setup left (its snapshot is gone with its process), then
 * creates the objects: every lane's publication, lane 0's slot with its snapshot, then the other
 * lanes' slots as copies of it (they start where it does). Returns the slot, and the replication
 * session that holds its snapshot: import the snapshot before that session runs anything else or
 * ends.
 */
export async function createStreamObjects(source: pg.ClientBase, info: ConnInfo, o: StreamObjects): Promise<{ repl: pg.Client; slot: CreatedSlot }> {
  await dropStreamObjects(source, o.name, { keepPublication: Boolean(o.userPublication) });
  for (const t of o.identityFull) await source.query(`ALTER TABLE ${qualified(t.schema, t.name)} REPLICA IDENTITY FULL`);
  if (!o.userPublication) for (const lane of o.lanes) await createPublication(source, lane.publication, lane.tables);
  const repl = await openReplication(info);
  try {
    const slot = await createSlot(repl, o.name);
    for (const lane of o.lanes.slice(1)) await copySlot(source, o.name, lane.slot);
    return { repl, slot };
  } catch (err) {
    await repl.end().catch(() => {});
    throw err;
  }
}
