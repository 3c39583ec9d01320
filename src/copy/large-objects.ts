/**
 * Copies large objects' contents in chunks: read with lo_get in the source snapshot, written
 * with lo_put at the same offset (bind parameters, so the bytes are never turned into SQL). The
 * objects themselves (same OID, owner, privileges, comment) are pre-data steps; writing the same
 * chunk twice gives the same object, so a repeated run loses and duplicates nothing.
 */
import type pg from 'pg';
import { PgferryError, messageOf } from '../errors.js';
import type { LargeObjectMeta } from '../catalog/model.js';

const CHUNK = 1024 * 1024;

/** Copies every large object; returns the bytes moved. `recreate` (data-only runs) makes each object afresh first. */
export async function copyLargeObjects(
  objects: LargeObjectMeta[],
  source: pg.ClientBase,
  target: pg.ClientBase,
  recreate: boolean,
): Promise<number> {
  let bytes = 0;
  for (const lo of objects) {
    try {
      await target.query('BEGIN');
      if (recreate) {
        await target.query('SELECT pg_catalog.lo_unlink(m.oid) FROM pg_catalog.pg_largeobject_metadata m WHERE m.oid = $1', [lo.oid]);
        await target.query('SELECT pg_catalog.lo_create($1)', [lo.oid]);
      }
      for (let offset = 0; ; offset += CHUNK) {
        const r = await source.query<{ chunk: Buffer }>('SELECT pg_catalog.lo_get($1, $2, $3) AS chunk', [lo.oid, offset, CHUNK]);
        const chunk = r.rows[0].chunk;
        if (chunk.length) await target.query('SELECT pg_catalog.lo_put($1, $2, $3)', [lo.oid, offset, chunk]);
        bytes += chunk.length;
        if (chunk.length < CHUNK) break;
      }
      await target.query('COMMIT');
    } catch (err) {
      await target.query('ROLLBACK').catch(() => {});
      throw new PgferryError('PGFERRY_E_COPY', `copying large object ${lo.oid} failed: ${messageOf(err)}`, {
        object: `large object ${lo.oid}`,
        cause: err,
      });
    }
  }
  return bytes;
}
