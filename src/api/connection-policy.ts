/**
 * What a caller of the HTTP API may ask the server to connect with. The CLI follows libpq's
 * conventions because there the user is the operator; through the API the caller is someone
 * else, and the server must never lend its own credentials: no password from its environment
 * (PGPASSWORD, `passwordEnv`) or password files (~/.pgpass, `passfile=`), no files of its disk
 * (client certificates and keys, root certificates) and no unix sockets (where peer
 * authentication would log the caller in as the server's OS user), except those the operator
 * allows when starting `pgferry serve`. The operator can also restrict the database hosts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { parseConnString, type ConnInfo } from '../config/conninfo.js';
import { PgferryError } from '../errors.js';
import { connInfoFor, normalizeConn, type ConnSpecSchema, type StoredConn, type StoredSpec } from '../config/task-spec.js';

type ConnSpec = z.infer<typeof ConnSpecSchema>;

export interface ConnectionPolicy {
  /** Unix-socket directories callers may connect through (`serve --allow-socket-dir`). */
  socketDirs: string[];
  /** Folders whose files callers may name as sslrootcert, sslcert or sslkey (`serve --allow-file-dir`). */
  fileDirs: string[];
  /** When not empty, the only database hosts callers may reach (`serve --allow-db-host`). */
  dbHosts: string[];
}

export const DEFAULT_POLICY: ConnectionPolicy = { socketDirs: [], fileDirs: [], dbHosts: [] };

const FILE_KEYS = ['sslrootcert', 'sslcert', 'sslkey'] as const;

function refuse(field: string, message: string, fix: string): never {
  throw new PgferryError('PGFERRY_E_NOT_ALLOWED', message, { object: field, fix });
}

/** The real path of `p` (symlinks resolved) when it exists, else its absolute form. */
function realPath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

function inside(file: string, dirs: string[]): boolean {
  const real = realPath(file);
  return dirs.some((d) => {
    const dir = realPath(d);
    return real === dir || real.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);
  });
}

/** Throws PGFERRY_E_NOT_ALLOWED when resolved settings reach what the policy keeps to the server. */
function checkResolved(conn: Pick<StoredConn, 'host' | 'sslrootcert' | 'sslcert' | 'sslkey'>, policy: ConnectionPolicy, field: string): void {
  if (conn.host.startsWith('/')) {
    if (!policy.socketDirs.some((d) => realPath(d) === realPath(conn.host)))
      refuse(`${field}.host`, `unix-socket host ${conn.host} is not allowed through the API: the server's own OS user would log in`,
        'connect over TCP, or start pgferry serve with --allow-socket-dir for this folder');
  } else if (policy.dbHosts.length && !policy.dbHosts.some((h) => h.toLowerCase() === conn.host.toLowerCase())) {
    refuse(`${field}.host`, `database host ${conn.host} is not in the server's list of allowed hosts`,
      `use one of ${policy.dbHosts.join(', ')}, or ask the operator to add it (pgferry serve --allow-db-host)`);
  }
  for (const key of FILE_KEYS) {
    const file = conn[key];
    if (file === undefined || (key === 'sslrootcert' && file === 'system')) continue;
    if (!path.isAbsolute(file) || !inside(file, policy.fileDirs))
      refuse(`${field}.${key}`, `${key} ${file} is not allowed through the API: it names a file on the server`,
        key === 'sslrootcert' ? 'use sslrootcert=system, or ask the operator to allow the folder (pgferry serve --allow-file-dir)' : 'ask the operator to allow the folder (pgferry serve --allow-file-dir)');
  }
}

/**
 * Checks a connection spec from an API request and resolves it without anything of this process
 * (no PG* variables, no OS user name): host and user must be given. Returns the settings to store
 * and the password the caller gave.
 */
export function resolveApiConn(spec: ConnSpec, policy: ConnectionPolicy, field: string): { conn: StoredConn; password?: string } {
  if (typeof spec === 'string') {
    const given = parseConnString(spec);
    if (given.passfile !== undefined)
      refuse(`${field}.passfile`, 'passfile is not allowed through the API: it would read a password file on the server', 'give the password with the connection settings');
    if (given.host === undefined && given.hostaddr === undefined)
      throw new PgferryError('PGFERRY_E_USAGE', 'the host is missing', { object: field, fix: 'give the database host: postgresql://user@host:5432/db' });
  } else {
    if (spec.passwordEnv !== undefined)
      refuse(`${field}.passwordEnv`, "passwordEnv is not allowed through the API: it would read the server's environment",
        'give the password itself: it is stored sealed and never returned');
    if (spec.host === undefined) throw new PgferryError('PGFERRY_E_USAGE', 'the host is missing', { object: field, fix: 'give the database host' });
  }
  let resolved: { conn: StoredConn; password?: string };
  try {
    resolved = normalizeConn(spec, {}, false);
  } catch (err) {
    if (err instanceof PgferryError) throw new PgferryError(err.code, err.message, { object: field, fix: err.fix, cause: err });
    throw err;
  }
  checkResolved(resolved.conn, policy, field);
  return resolved;
}

/** ConnInfo for one request (Test Connectivity, the object list, a plan preview). */
export function apiConnInfo(spec: ConnSpec, policy: ConnectionPolicy, field: string): ConnInfo {
  const { conn, password } = resolveApiConn(spec, policy, field);
  return connInfoFor(conn, password, {}, false);
}

/**
 * Checks a stored task again before the API runs anything of it: the operator may have narrowed
 * the policy since the task was made. A task made at the CLI (no `origin`) is the operator's own
 * and keeps its settings.
 */
export function checkStoredTask(spec: StoredSpec, policy: ConnectionPolicy): void {
  if (spec.origin !== 'api') return;
  checkResolved(spec.source, policy, 'source');
  checkResolved(spec.target, policy, 'target');
}
