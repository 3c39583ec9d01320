/**
 * Whether each server will give the run the connections it opens (task/run-connections.ts counts
 * them for the planned --jobs): a connection beyond a limit is refused mid-run. The limits are
 * the server's max_connections less the slots reserved for superusers (and, on 16+, for
 * pg_use_reserved_connections) and less the connections other sessions hold now, the role's
 * CONNECTION LIMIT and the database's; superusers are held to none but max_connections. When
 * source and target are one server, their connections add up. Fails when the run cannot get
 * them, warns with fewer than two to spare (other clients come and go; a session ended between
 * phases may still hold its slot for a moment).
 */
import type pg from 'pg';
import { runConnections } from '../plan/run-connections.js';
import type { PrecheckCheck } from './precheck-model.js';

const title = 'Connections';
const SPARE = 2;

export interface Limits {
  server: string;
  role: string;
  database: string;
  superuser: boolean;
  /** Slots this role may take on the server, besides the ones in use. */
  serverFree: number;
  maxConnections: number;
  reserved: number;
  inUse: number;
  /** The role's CONNECTION LIMIT (-1: none) and its connections now. */
  roleLimit: number;
  roleInUse: number;
  databaseLimit: number;
  databaseInUse: number;
}

/** The limits one side's role meets, counting this precheck's own session as closing before the run. */
export async function readLimits(client: pg.ClientBase): Promise<Limits> {
  const r = await client.query<{
    server: string; role: string; database: string; superuser: boolean; max: number; su_reserved: number; reserved: number; may_use_reserved: boolean;
    in_use: number; role_limit: number; role_in_use: number; db_limit: number; db_in_use: number;
  }>(
    `SELECT pg_catalog.pg_postmaster_start_time()::text || ':' || coalesce(pg_catalog.inet_server_port()::text, '') AS server,
            current_user AS role, pg_catalog.current_database() AS database, r.rolsuper AS superuser,
            pg_catalog.current_setting('max_connections')::int AS max,
            pg_catalog.current_setting('superuser_reserved_connections')::int AS su_reserved,
            coalesce(pg_catalog.current_setting('reserved_connections', true), '0')::int AS reserved,
            coalesce(pg_catalog.to_regrole('pg_use_reserved_connections') IS NOT NULL
                     AND pg_catalog.pg_has_role(pg_catalog.to_regrole('pg_use_reserved_connections'), 'USAGE'), false) AS may_use_reserved,
            (SELECT count(*) FROM pg_catalog.pg_stat_activity a WHERE a.backend_type = 'client backend')::int AS in_use,
            r.rolconnlimit AS role_limit,
            (SELECT count(*) FROM pg_catalog.pg_stat_activity a WHERE a.backend_type = 'client backend' AND a.usesysid = r.oid)::int AS role_in_use,
            d.datconnlimit AS db_limit,
            (SELECT count(*) FROM pg_catalog.pg_stat_activity a WHERE a.backend_type = 'client backend' AND a.datid = d.oid)::int AS db_in_use
       FROM pg_catalog.pg_roles r, pg_catalog.pg_database d
      WHERE r.rolname = current_user AND d.datname = pg_catalog.current_database()`,
  );
  const x = r.rows[0];
  const reserved = x.superuser ? 0 : x.su_reserved + (x.may_use_reserved ? 0 : x.reserved);
  return {
    server: x.server, role: x.role, database: x.database, superuser: x.superuser,
    maxConnections: x.max, reserved, inUse: x.in_use,
    serverFree: x.max - reserved - x.in_use,
    roleLimit: x.superuser ? -1 : x.role_limit, roleInUse: x.role_in_use,
    databaseLimit: x.superuser ? -1 : x.db_limit, databaseInUse: x.db_in_use,
  };
}

export const checkConnections: PrecheckCheck = async ({ source, target, plan, jobs }) => {
  const need = runConnections(jobs, plan.units.length, plan.largeObjects.length);
  const [s, t] = await Promise.all([readLimits(source), readLimits(target)]);
  const sameServer = s.server === t.server;
  const shortages: string[] = [];
  const tight: string[] = [];
  // this precheck's own sessions end before the run starts: they free what they hold
  const judge = (what: string, wanted: number, free: number, numbers: string) => {
    const text = `${what}: the run needs ${wanted}, ${free} available (${numbers})`;
    if (wanted > free) shortages.push(text);
    else if (wanted + SPARE > free) tight.push(text);
  };
  const own = sameServer ? 2 : 1;
  if (sameServer) judge(`server of both sides`, need.source + need.target, s.serverFree + own, `max_connections ${s.maxConnections}, ${s.reserved} reserved, ${s.inUse - own} used by other sessions`);
  for (const [side, l, wanted] of [['source', s, need.source], ['target', t, need.target]] as const) {
    if (!sameServer) judge(`${side} server`, wanted, l.serverFree + 1, `max_connections ${l.maxConnections}, ${l.reserved} reserved${l.superuser ? '' : ' for superusers'}, ${l.inUse - 1} used by other sessions`);
    const roleWanted = sameServer && s.role === t.role ? need.source + need.target : wanted;
    const mine = sameServer && s.role === t.role ? own : 1;
    if (l.roleLimit >= 0) judge(`${side} role ${l.role}`, roleWanted, l.roleLimit - (l.roleInUse - mine), `CONNECTION LIMIT ${l.roleLimit}, ${l.roleInUse - mine} in use by other sessions`);
    if (l.databaseLimit >= 0) judge(`${side} database ${l.database}`, wanted, l.databaseLimit - (l.databaseInUse - 1), `CONNECTION LIMIT ${l.databaseLimit}, ${l.databaseInUse - 1} in use by other sessions`);
  }
  const counted = `with --jobs ${jobs}: up to ${need.source} on the source (leader, catalog readers, copy pairs) and ${need.target} on the target (leader, the run's lock, pre-data/copy/post-data sessions); verify opens up to ${jobs + 1} on each`;
  if (shortages.length)
    return {
      id: 'connections', title, status: 'fail',
      detail: `the run cannot get the connections it opens ${counted}`,
      fix: 'run with fewer --jobs, raise the limit named (ALTER ROLE ... CONNECTION LIMIT n, ALTER DATABASE ... CONNECTION LIMIT n, max_connections), or end other sessions',
      objects: [...shortages, ...tight],
    };
  if (tight.length)
    return {
      id: 'connections', title, status: 'warn',
      detail: `fewer than ${SPARE} connections to spare ${counted}`,
      fix: 'run with fewer --jobs, or raise the limit named, so that another client connecting meanwhile does not make the run fail',
      objects: tight,
    };
  return { id: 'connections', title, status: 'pass', detail: `the servers have room for the run ${counted}` };
};
