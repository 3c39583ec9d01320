/**
 * Copies large objects' contents: small objects many to a transaction (one query reads a batch
 * with lo_get over an array of OIDs, one writes it with lo_put over a VALUES list of bind
 * parameters), objects over 1 MB one to a transaction in 1 MB chunks; batches are spread over the
 * data phase's worker pairs, whose source sessions all sit in the run's snapshot. The bytes only
 * ever travel as bind parameters, never as SQL text. In a full run the objects themselves (same
 * OID, owner, privileges, comment) are pre-data steps.
 *
 * Exactly once: a batch is one transaction on the target, so it is wholly written or not at all.
 * Writing the same bytes at the same offsets gives the same object; a resumed run also empties
 * each object of the batch first, so contents an earlier attempt wrote from an older snapshot
 * leave no tail behind. Nothing is lost or doubled whichever attempt a batch committed in.
 *
 * A data-only run writes into a target that may hold the objects already (made by an earlier
 * schema migration or by the user): such an object is emptied in place, so its owner, ACL (both
 * in pg_largeobject_metadata) and comment (pg_description, by OID) stay as the target has them.
 * An object the target lacks is made with pre-data's renderer: its OID, then the source's owner
 * (when the target user may give it to that role), privileges and comment. Objects only the
 * target has are not touched.
 */
import type pg from 'pg';
import { PgferryError, messageOf } from '../errors.js';
import type { LargeObjectMeta } from '../catalog/model.js';
import type { OwnershipContext } from '../ddl/common.js';
import { OwnerRights } from '../ddl/owner-rights.js';
import { readTargetAccount, type TargetAccount } from '../pg/target-account.js';
import { renderLargeObject } from '../ddl/render-database-objects.js';
import { isConnectionLoss } from '../pg/session.js';
import { runPool } from '../worker-pool.js';
import type { RateLimiter } from './rate-limit.js';

/** Objects larger than this move alone, one chunk of this size per round trip. */
const CHUNK = 1024 * 1024;
/**
 * A batch of small objects: at most this many objects and bytes. 20,000 objects of up to 4 kB
 * and three of 3 MB took a data phase of 10–37 s one transaction an object (four round trips
 * each, one pair), 1.1–4.3 s in batches of 1,000 over two pairs (scripts/bench-large-objects.ts);
 * 4 MB bounds what one batch holds in memory (twice that while the reply's hex text is decoded).
 */
const BATCH_OBJECTS = 1000;
const BATCH_BYTES = 4 * 1024 * 1024;
/** How many OIDs one size query takes. */
const SIZE_QUERY_OIDS = 10_000;
/** lo_open's modes (INV_READ and INV_WRITE in libpq-fs.h). */
const INV_READ = 0x40000;
const INV_WRITE = 0x20000;

/** A data-only run's choices for objects it creates: --no-owner and --no-privileges turn these off. */
export interface DataOnlyLargeObjects {
  applyOwners: boolean;
  applyPrivileges: boolean;
}

/** How the objects are to be written. */
export interface LargeObjectCopyOptions {
  /**
   * Set for data-only runs: the target may hold the objects already, and what it lacks is
   * created here rather than by pre-data.
   */
  dataOnly?: DataOnlyLargeObjects;
  /** An earlier attempt of this run may have written contents already: objects are emptied before they are written. */
  resumed?: boolean;
  /** Called before each batch (a task's stop request throws here, between transactions). */
  beforeBatch?: () => void;
  /** The --max-rate limit shared with the table copies. */
  limiter?: RateLimiter;
}

/** One side of a worker pair each: the source session sits in the run's snapshot. */
export interface LargeObjectPair {
  s: pg.ClientBase;
  t: pg.ClientBase;
}

interface Sized {
  meta: LargeObjectMeta;
  size: number;
}

/**
 * What the target offers the objects a data-only run creates: its roles, and the account's
 * rights, decided by the same OwnerRights as pre-data's owners (ddl/owner-rights.ts).
 */
interface TargetRoles {
  account: TargetAccount;
  rights: OwnerRights;
}

async function readTargetRoles(target: pg.ClientBase): Promise<TargetRoles> {
  // inside the batch's transaction: no query that may fail
  const account = await readTargetAccount(target, { extensions: false });
  return { account, rights: new OwnerRights(account) };
}

/**
 * Each object's size in the snapshot, without reading its contents: opened for reading, the end
 * sought, closed (the target list runs left to right). pg_largeobject itself is readable by
 * superusers only; lo_open needs no more than SELECT on the object, as lo_get does.
 */
async function readSizes(source: pg.ClientBase, objects: LargeObjectMeta[]): Promise<Sized[]> {
  const size = new Map<number, number>();
  for (let i = 0; i < objects.length; i += SIZE_QUERY_OIDS) {
    const oids = objects.slice(i, i + SIZE_QUERY_OIDS).map((o) => o.oid);
    const r = await source.query<{ oid: string; size: string }>(
      `SELECT f.o::int8 AS oid, pg_catalog.lo_lseek64(f.fd, 0, 2) AS size, pg_catalog.lo_close(f.fd) AS closed
         FROM (SELECT u.o, pg_catalog.lo_open(u.o, $2) AS fd FROM pg_catalog.unnest($1::oid[]) AS u(o) OFFSET 0) AS f`,
      [oids, INV_READ],
    );
    for (const row of r.rows) size.set(Number(row.oid), Number(row.size));
  }
  return objects.map((meta) => ({ meta, size: size.get(meta.oid) ?? 0 }));
}

/** Large objects alone, largest first; then the rest in batches of up to 1,000 objects and 4 MB. */
function makeBatches(objects: Sized[]): Sized[][] {
  const large = objects.filter((o) => o.size > CHUNK).sort((a, b) => b.size - a.size);
  const batches: Sized[][] = large.map((o) => [o]);
  let batch: Sized[] = [];
  let bytes = 0;
  for (const o of objects) {
    if (o.size > CHUNK) continue;
    if (batch.length && (batch.length >= BATCH_OBJECTS || bytes + o.size > BATCH_BYTES)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(o);
    bytes += o.size;
  }
  if (batch.length) batches.push(batch);
  return batches;
}

/**
 * Readies a batch's objects on the target before their contents: empties those the target has
 * (keeping their metadata) and, in a data-only run, creates the others with the source's metadata.
 */
async function prepareTargetObjects(batch: Sized[], target: pg.ClientBase, opts: LargeObjectCopyOptions, roles: (target: pg.ClientBase) => Promise<TargetRoles>): Promise<void> {
  const r = await target.query<{ oid: string }>(
    `SELECT m.oid::int8 AS oid, pg_catalog.lo_truncate(pg_catalog.lo_open(m.oid, $2), 0) AS emptied
       FROM pg_catalog.pg_largeobject_metadata m WHERE m.oid = ANY ($1::oid[])`,
    [batch.map((o) => o.meta.oid), INV_WRITE],
  );
  if (!opts.dataOnly) return;
  const present = new Set(r.rows.map((row) => Number(row.oid)));
  const missing = batch.filter((o) => !present.has(o.meta.oid));
  if (!missing.length) return;
  const { account, rights } = await roles(target);
  // an owner the target user may not give objects to is left out, as a missing role is
  const ctx: OwnershipContext = { applyOwners: opts.dataOnly.applyOwners, applyPrivileges: opts.dataOnly.applyPrivileges, targetUser: account.user, targetRoles: account.roles, rights };
  const sql: string[] = [];
  for (const { meta } of missing) sql.push(...renderLargeObject(meta, ctx));
  // pre-data's own DDL text (OIDs, role names through ident, comments through literal)
  await target.query(sql.join(';\n'));
}

/** Copies a batch of small objects: one read, one write. Returns the bytes moved. */
async function copySmall(batch: Sized[], source: pg.ClientBase, target: pg.ClientBase): Promise<number> {
  const withData = batch.filter((o) => o.size > 0);
  if (!withData.length) return 0;
  const r = await source.query<{ data: Buffer }>(
    `SELECT pg_catalog.lo_get(u.o) AS data FROM pg_catalog.unnest($1::oid[]) WITH ORDINALITY AS u(o, n) ORDER BY u.n`,
    [withData.map((o) => o.meta.oid)],
  );
  const values: unknown[] = [];
  const rows: string[] = [];
  withData.forEach((o, i) => {
    values.push(o.meta.oid, r.rows[i].data);
    rows.push(`($${2 * i + 1}::oid, $${2 * i + 2}::bytea)`);
  });
  await target.query(`SELECT pg_catalog.lo_put(v.o, 0, v.d) FROM (VALUES ${rows.join(', ')}) AS v(o, d)`, values);
  return r.rows.reduce((a, row) => a + row.data.length, 0);
}

/** Copies one object over 1 MB, a chunk per round trip. Returns the bytes moved. */
async function copyLarge(o: Sized, source: pg.ClientBase, target: pg.ClientBase, limiter: RateLimiter | undefined): Promise<number> {
  let bytes = 0;
  for (let offset = 0; ; offset += CHUNK) {
    const r = await source.query<{ chunk: Buffer }>('SELECT pg_catalog.lo_get($1, $2, $3) AS chunk', [o.meta.oid, offset, CHUNK]);
    const chunk = r.rows[0].chunk;
    await limiter?.take(chunk.length);
    if (chunk.length) await target.query('SELECT pg_catalog.lo_put($1, $2, $3)', [o.meta.oid, offset, chunk]);
    bytes += chunk.length;
    if (chunk.length < CHUNK) return bytes;
  }
}

/** Copies one batch in one target transaction. */
async function copyBatch(batch: Sized[], pair: LargeObjectPair, opts: LargeObjectCopyOptions, roles: (target: pg.ClientBase) => Promise<TargetRoles>): Promise<number> {
  const { s: source, t: target } = pair;
  try {
    await target.query('BEGIN');
    if (opts.dataOnly || opts.resumed) await prepareTargetObjects(batch, target, opts, roles);
    let bytes: number;
    if (batch.length === 1 && batch[0].size > CHUNK) bytes = await copyLarge(batch[0], source, target, opts.limiter);
    else {
      await opts.limiter?.take(batch.reduce((a, o) => a + o.size, 0));
      bytes = await copySmall(batch, source, target);
    }
    await target.query('COMMIT');
    return bytes;
  } catch (err) {
    await target.query('ROLLBACK').catch(() => {});
    const first = batch[0].meta.oid;
    const last = batch[batch.length - 1].meta.oid;
    const lost = isConnectionLoss(err);
    throw new PgferryError(lost ? 'PGFERRY_E_CONNECTION_LOST' : 'PGFERRY_E_COPY', `copying large object${batch.length > 1 ? `s ${first} to ${last} (${batch.length})` : ` ${first}`} failed: ${messageOf(err)}`, {
      object: batch.length > 1 ? `large objects ${first}..${last}` : `large object ${first}`,
      fix: lost
        ? 'a server went away mid-copy; the batch was rolled back on the target — once both servers are up, run the same command with --resume'
        : 'check the error above; the batch was rolled back on the target and nothing partial is left',
      cause: err,
    });
  }
}

/**
 * Copies every large object's contents over the worker pairs (each source in the run's snapshot);
 * returns the bytes moved.
 */
export async function copyLargeObjects(objects: LargeObjectMeta[], pairs: LargeObjectPair[], opts: LargeObjectCopyOptions = {}): Promise<number> {
  if (!objects.length || !pairs.length) return 0;
  let sized: Sized[];
  try {
    sized = await readSizes(pairs[0].s, objects);
  } catch (err) {
    throw new PgferryError(isConnectionLoss(err) ? 'PGFERRY_E_CONNECTION_LOST' : 'PGFERRY_E_COPY', `reading large objects' sizes failed: ${messageOf(err)}`, {
      object: 'large objects',
      fix: "the source role needs SELECT on every large object (or lo_compat_privileges); with --resume the run continues where it stopped",
      cause: err,
    });
  }
  // read once, by the first batch that creates an object, on its own connection
  let roles: Promise<TargetRoles> | undefined;
  const targetRoles = (target: pg.ClientBase) => (roles ??= readTargetRoles(target));
  let bytes = 0;
  await runPool(makeBatches(sized), pairs.length, async (batch, w) => {
    opts.beforeBatch?.();
    bytes += await copyBatch(batch, pairs[w], opts, targetRoles);
  });
  return bytes;
}
