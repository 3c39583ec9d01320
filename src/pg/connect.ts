/**
 * Opens node-postgres clients from ConnInfo with libpq semantics (sslmode, .pgpass,
 * application_name) and turns every connection failure into a PgferryError that names the step
 * that failed and a fix.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import { createRequire } from 'node:module';
import { type ConnInfo, describeConnInfo } from '../config/conninfo.js';
import { PgferryError, messageOf } from '../errors.js';
import { ident } from './quote.js';

const requireCjs = createRequire(import.meta.url);
const pgpass = requireCjs('pgpass') as (conn: object, cb: (pass: string | undefined) => void) => void;

export type Side = 'source' | 'target';

/** Reads the password from ~/.pgpass (or PGPASSFILE) for these settings, as libpq does. */
function passwordFromPgpass(info: ConnInfo): Promise<string | undefined> {
  return new Promise((resolve) =>
    pgpass({ host: info.host, port: info.port, database: info.database, user: info.user }, (p) => resolve(p)),
  );
}

function readIfSet(file: string | undefined): Buffer | undefined {
  return file ? fs.readFileSync(file) : undefined;
}

/** node's TLS options for a libpq sslmode; `undefined` means plain TCP. */
export function tlsOptions(info: ConnInfo, mode = info.sslmode): ConnectionOptions | undefined {
  if (mode === 'disable' || mode === 'allow') return undefined;
  const cert = readIfSet(info.sslcert);
  const key = readIfSet(info.sslkey);
  const client = cert && key ? { cert, key } : {};
  if (mode === 'prefer' || mode === 'require') {
    // libpq: require with a root certificate given behaves like verify-ca
    if (mode === 'require' && info.sslrootcert) return tlsOptions(info, 'verify-ca');
    return { rejectUnauthorized: false, ...client };
  }
  const rootFile = info.sslrootcert ?? path.join(os.homedir(), '.postgresql', 'root.crt');
  const ca = rootFile === 'system' ? undefined : fs.existsSync(rootFile) ? fs.readFileSync(rootFile) : undefined;
  if (rootFile !== 'system' && !ca) {
    throw new PgferryError('PGFERRY_E_TLS', `sslmode=${mode} needs a root certificate and ${rootFile} does not exist`, {
      object: describeConnInfo(info),
      fix: 'pass sslrootcert=/path/to/ca.crt (or sslrootcert=system to trust the system store)',
    });
  }
  const base: ConnectionOptions = { rejectUnauthorized: true, ca, ...client };
  if (mode === 'verify-ca') return { ...base, checkServerIdentity: () => undefined };
  // verify-full: node checks the certificate against the host pg connects to (SNI set by pg)
  return base;
}

function clientConfig(info: ConnInfo, ssl: ConnectionOptions | undefined, password: string | undefined): pg.ClientConfig {
  return {
    host: info.host,
    port: info.port,
    database: info.database,
    user: info.user,
    password,
    ssl: ssl ?? false,
    application_name: info.applicationName,
    connectionTimeoutMillis: info.connectTimeoutSec * 1000,
    options: info.options,
    keepAlive: true,
  };
}

/** Connects one client; the error, if any, is a diagnosed PgferryError. */
export async function connect(info: ConnInfo, side: Side): Promise<pg.Client> {
  const password = info.password ?? (await passwordFromPgpass(info));
  const attempt = async (ssl: ConnectionOptions | undefined): Promise<pg.Client> => {
    const client = new pg.Client(clientConfig(info, ssl, password));
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    return client;
  };
  const unixSocket = info.host.startsWith('/');
  try {
    if (unixSocket) return await attempt(undefined);
    return await attempt(tlsOptions(info));
  } catch (err) {
    // sslmode=prefer (libpq's default) falls back to plain TCP when the server has no TLS
    if (!unixSocket && info.sslmode === 'prefer' && /does not support SSL/i.test(messageOf(err))) {
      try {
        return await attempt(undefined);
      } catch (err2) {
        throw diagnoseConnectError(err2, info, side);
      }
    }
    throw diagnoseConnectError(err, info, side);
  }
}

/** Maps a driver or socket error to the step that failed, with a fix. */
export function diagnoseConnectError(err: unknown, info: ConnInfo, side: Side): PgferryError {
  if (err instanceof PgferryError) return err;
  const e = err as { code?: string; message?: string };
  const code = e.code ?? '';
  const msg = messageOf(err);
  const object = `${side} ${describeConnInfo(info)}`;
  const make = (c: ConstructorParameters<typeof PgferryError>[0], message: string, fix: string) =>
    new PgferryError(c, message, { object, fix, cause: err });
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return make('PGFERRY_E_DNS', `host name ${info.host} could not be resolved (${code})`, 'check the host name or use an IP address');
  if (code === 'ECONNREFUSED' || code === 'ENOENT')
    return make('PGFERRY_E_CONNECT_REFUSED', `connection refused: no server listens on ${info.host}:${info.port}`,
      'start the server, or check host and port (and listen_addresses on the server)');
  if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || /timeout/i.test(msg))
    return make('PGFERRY_E_CONNECT_TIMEOUT', `no answer from ${info.host}:${info.port} within ${info.connectTimeoutSec}s (${code || 'timeout'})`,
      'check that the host is reachable and no firewall drops the port; raise connect_timeout if the network is slow');
  if (/SSL|TLS|certificate|CERT_|self.signed|altname/i.test(code + ' ' + msg))
    return make('PGFERRY_E_TLS', `TLS failed: ${msg}`,
      info.sslmode.startsWith('verify')
        ? 'give the right CA with sslrootcert=..., or check that the host name matches the certificate'
        : 'use sslmode=disable or prefer if the server has no TLS, or enable ssl on the server');
  if (/password must be a string|no password/i.test(msg))
    return make('PGFERRY_E_AUTH', `the server asks for a password for user ${ident(info.user)} and none was given`,
      'put it in ~/.pgpass (or PGPASSFILE), in PGPASSWORD, or in the connection string');
  if (code === '28P01' || code === '28000')
    return make('PGFERRY_E_AUTH', `authentication failed for user ${ident(info.user)}: ${msg}`,
      'check the user name and password (PGPASSWORD, ~/.pgpass) and the server\'s pg_hba.conf');
  if (code === '3D000')
    return make('PGFERRY_E_DATABASE_MISSING', `database ${ident(info.database)} does not exist`,
      side === 'target' ? 'create it first: CREATE DATABASE ...' : 'check the database name');
  if (code === '42501')
    return make('PGFERRY_E_PERMISSION', `permission denied: ${msg}`, 'grant CONNECT on the database to this role');
  if (code === '53300')
    return make('PGFERRY_E_CONNECT_REFUSED', `server refused more connections: ${msg}`, 'lower --jobs or raise max_connections');
  return make('PGFERRY_E_CONNECT_REFUSED', `could not connect: ${msg}`, 'check the connection settings');
}

/** Server major version, e.g. 150004 → 15. */
export async function serverVersionNum(client: pg.Client): Promise<number> {
  const r = await client.query<{ v: string }>("SELECT pg_catalog.current_setting('server_version_num') AS v");
  return Number(r.rows[0].v);
}
