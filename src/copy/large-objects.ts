/**
 * Copies large objects' contents in chunks: read with lo_get in the source snapshot, written
 * with lo_put at the same offset (bind parameters, so the bytes are never turned into SQL). In a
 * full run the objects themselves (same OID, owner, privileges, comment) are pre-data steps;
 * writing the same chunk twice gives the same object, so a repeated run loses and duplicates
 * nothing.
 *
 * A data-only run writes into a target that may hold the objects already (made by an earlier
 * schema migration or by the user): such an object is emptied in place, so its owner, ACL (both
 * in pg_largeobject_metadata) and comment (pg_description, by OID) stay as the target has them.
 * An object the target lacks is made with pre-data's renderer: its OID, then the source's owner
 * (when the target user may give it to that role), privileges and comment. Objects only the
 * target has are not touched. Each object is one transaction.
 */
import type pg from 'pg';
import { PgferryError, messageOf } from '../errors.js';
import type { LargeObjectMeta } from '../catalog/model.js';
import type { OwnershipContext } from '../ddl/common.js';
import { renderLargeObject } from '../ddl/render-database-objects.js';

const CHUNK = 1024 * 1024;
/** lo_open's mode for writing (INV_WRITE in libpq-fs.h). */
const INV_WRITE = 0x20000;

/** A data-only run's choices for objects it creates: --no-owner and --no-privileges turn these off. */
export interface DataOnlyLargeObjects {
  applyOwners: boolean;
  applyPrivileges: boolean;
}

/** What the target offers the objects a data-only run creates: its roles, and those it may give objects to. */
interface TargetRoles {
  targetUser: string;
  targetRoles: Set<string>;
  assignable: Set<string>;
}

/**
 * The target's roles. ALTER ... OWNER TO needs the right to SET ROLE to the new owner from
 * PostgreSQL 16, membership before (superusers have both).
 */
async function readTargetRoles(target: pg.ClientBase): Promise<TargetRoles> {
  const r = await target.query<{ me: string; roles: string[]; assignable: string[] }>(
    `SELECT current_user AS me,
            array(SELECT rolname::text FROM pg_catalog.pg_roles) AS roles,
            array(SELECT rolname::text FROM pg_catalog.pg_roles
                   WHERE pg_catalog.pg_has_role(current_user, oid,
                           CASE WHEN pg_catalog.current_setting('server_version_num')::int >= 160000 THEN 'SET' ELSE 'MEMBER' END)) AS assignable`,
  );
  const row = r.rows[0];
  return { targetUser: row.me, targetRoles: new Set(row.roles), assignable: new Set(row.assignable) };
}

/**
 * Readies one object of a data-only run for its contents: empties it when the target has it
 * (keeping its metadata), creates it with the source's metadata when not.
 */
async function prepareTargetObject(lo: LargeObjectMeta, target: pg.ClientBase, opts: DataOnlyLargeObjects, roles: () => Promise<TargetRoles>): Promise<void> {
  const r = await target.query(
    `SELECT pg_catalog.lo_truncate(pg_catalog.lo_open(m.oid, $2), 0) FROM pg_catalog.pg_largeobject_metadata m WHERE m.oid = $1`,
    [lo.oid, INV_WRITE],
  );
  if (r.rowCount) return;
  const { targetUser, targetRoles, assignable } = await roles();
  // an owner the target user may not give objects to is left out, as a missing role is
  const ctx: OwnershipContext = { applyOwners: opts.applyOwners && assignable.has(lo.owner), applyPrivileges: opts.applyPrivileges, targetUser, targetRoles };
  for (const sql of renderLargeObject(lo, ctx)) await target.query(sql);
}

/**
 * Copies every large object; returns the bytes moved. `dataOnly` (set for data-only runs): the
 * target may hold the objects already, and what it lacks is created here rather than by pre-data.
 */
export async function copyLargeObjects(
  objects: LargeObjectMeta[],
  source: pg.ClientBase,
  target: pg.ClientBase,
  dataOnly?: DataOnlyLargeObjects,
): Promise<number> {
  let bytes = 0;
  let roles: Promise<TargetRoles> | undefined;
  const targetRoles = () => (roles ??= readTargetRoles(target));
  for (const lo of objects) {
    try {
      await target.query('BEGIN');
      if (dataOnly) await prepareTargetObject(lo, target, dataOnly, targetRoles);
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
