/**
 * Whether the source account may open the replication connection an incremental run streams
 * through. The attributes that allow it (superuser, REPLICATION, a provider's role such as
 * rds_replication) are read for the detail, but the proof is opening one and running
 * IDENTIFY_SYSTEM: pg_hba.conf, a provider's own rules or a full max_wal_senders refuse a
 * connection no catalog shows.
 */
import type { ConnInfo } from '../config/conninfo.js';
import { messageOf } from '../errors.js';
import { connect } from '../pg/connect.js';
import { displayIdent } from '../pg/quote.js';
import type { PrecheckCheck } from './precheck-model.js';

/** Provider roles whose members may replicate without the REPLICATION attribute (Amazon RDS and Aurora). */
const PROVIDER_ROLES = ['rds_replication'];

/** Opens a replication connection and identifies the system; the server's refusal, if any. */
async function tryReplication(info: ConnInfo): Promise<{ ok: true; systemId: string; timeline: number } | { ok: false; message: string }> {
  let client;
  try {
    client = await connect({ ...info, replication: 'database' }, 'source');
  } catch (err) {
    // the diagnosed error names the step; the server's own words are in its cause
    const cause = (err as { cause?: unknown }).cause;
    return { ok: false, message: cause === undefined ? messageOf(err) : messageOf(cause) };
  }
  try {
    const r = await client.query<{ systemid: string; timeline: number }>('IDENTIFY_SYSTEM');
    return { ok: true, systemId: r.rows[0].systemid, timeline: Number(r.rows[0].timeline) };
  } catch (err) {
    return { ok: false, message: messageOf(err) };
  } finally {
    await client.end().catch(() => {});
  }
}

export const checkReplicationRole: PrecheckCheck = async ({ source, sourceInfo }) => {
  const r = await source.query<{ role: string; superuser: boolean; replication: boolean; via: string[] }>(
    `SELECT r.rolname AS role, r.rolsuper AS superuser, r.rolreplication AS replication,
            ARRAY(SELECT p.rolname::text FROM pg_catalog.pg_roles p
                   WHERE p.rolname = ANY($1::text[]) AND pg_catalog.pg_has_role(r.oid, p.oid, 'MEMBER') ORDER BY 1) AS via
       FROM pg_catalog.pg_roles r WHERE r.rolname = current_user`,
    [PROVIDER_ROLES],
  );
  const x = r.rows[0];
  const role = displayIdent(x.role);
  const grounds = x.superuser ? 'a superuser' : x.replication ? 'has REPLICATION' : x.via.length ? `a member of ${x.via.join(', ')}` : 'neither a superuser nor REPLICATION nor a member of a provider role (rds_replication)';
  const tried = await tryReplication(sourceInfo);
  const title = 'Source replication connection';
  if (tried.ok)
    return {
      id: 'replication-role', title, status: 'pass',
      detail: `the source role ${role} (${grounds}) opened a replication connection to ${sourceInfo.database}: IDENTIFY_SYSTEM answered system ${tried.systemId}, timeline ${tried.timeline}`,
    };
  const missingAttribute = !x.superuser && !x.replication && !x.via.length;
  return {
    id: 'replication-role', title, status: 'fail',
    detail: `the source role ${role} (${grounds}) cannot open a replication connection to ${sourceInfo.database}: ${tried.message}`,
    fix: missingAttribute
      ? `as a superuser: ALTER ROLE ${role} REPLICATION; on Amazon RDS or Aurora: GRANT rds_replication TO ${role}; on Cloud SQL or Azure: ALTER ROLE ${role} WITH REPLICATION as the provider's admin role`
      : /max_wal_senders|too many|remaining connection slots/i.test(tried.message)
        ? 'free a WAL sender (see replication-slots): raise max_wal_senders (ALTER SYSTEM SET max_wal_senders = n; restart) or end another replication client'
        : `allow the role a replication connection to this database in pg_hba.conf (a line such as "host ${sourceInfo.database} ${x.role} <client address>/32 scram-sha-256"; the keyword replication matches physical replication only), then SELECT pg_reload_conf()`,
  };
};
