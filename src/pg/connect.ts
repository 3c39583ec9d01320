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
const pgpass = requireCjs('pgpass/lib/helper.js') as {
  getFileName(env: NodeJS.ProcessEnv): string;
  getPassword(conn: object, stream: NodeJS.ReadableStream, cb: (pass: string | undefined) => void): void;
};

export type Side = 'source' | 'target';
/** Who a session is for, as errors name it: a side of the migration, or the task store. */
export type Party = Side | 'store';

/**
 * Reads the password for these settings from `passfile=`, PGPASSFILE or ~/.pgpass, as libpq does:
 * only a plain file that group and others cannot read (libpq ignores others, with a warning).
 */
function passwordFromPgpass(info: ConnInfo): Promise<string | undefined> {
  const file = info.passfile ?? pgpass.getFileName(process.env);
  return new Promise((resolve) =>
    fs.stat(file, (err, stats) => {
      if (err || !stats.isFile() || (process.platform !== 'win32' && (stats.mode & 0o077) !== 0)) return resolve(undefined);
      pgpass.getPassword({ host: info.host, port: info.port, database: info.database, user: info.user }, fs.createReadStream(file), resolve);
    }),
  );
}

/**
 * The password, asked for only when the server wants one. node-postgres would otherwise fall back
 * to PGPASSWORD and ~/.pgpass by itself; here the fallbacks are ours, and settings that came
 * through the HTTP API (`localCredentials` false) get none: the server never lends its own.
 */
function passwordSource(info: ConnInfo, side: Party): () => Promise<string> {
  return async () => {
    const password = info.password ?? (info.localCredentials ? await passwordFromPgpass(info) : undefined);
    if (password !== undefined) return password;
    throw new PgferryError('PGFERRY_E_AUTH', `the server asks for a password for user ${ident(info.user)} and none was given`, {
      object: `${side} ${describeConnInfo(info)}`,
      fix: info.localCredentials
        ? 'put it in ~/.pgpass (or PGPASSFILE, passfile=), in PGPASSWORD, or in the connection string'
        : 'give the password with the connection settings (it is stored sealed, never in plain text)',
    });
  };
}

/**
 * What every pgferry session sets first: no server-side timeout may cut a long COPY, an index
 * build or the idle snapshot holder short (role or database defaults often set them on managed
 * services), and the server probes an idle client after 30 s, so a vanished client's session
 * (and the run lock it holds) goes within about 90 s. Only settings this server has are set
 * (idle_session_timeout is 14+, transaction_timeout 17+).
 */
const SESSION_BASICS = `SELECT pg_catalog.set_config(s.name, v.value, false) FROM pg_catalog.pg_settings s
  JOIN (VALUES ('statement_timeout', '0'), ('lock_timeout', '0'), ('idle_in_transaction_session_timeout', '0'),
               ('idle_session_timeout', '0'), ('transaction_timeout', '0'), ('tcp_keepalives_idle', '30'),
               ('tcp_keepalives_interval', '10'), ('tcp_keepalives_count', '6')) AS v (name, value) ON v.name = s.name`;

/** TCP keepalive probes start after this long idle (NATs and firewalls drop silent connections). */
export const KEEPALIVE_DELAY_MS = 30_000;

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

/** node-postgres settings for one attempt (exported for the test that pins keepalive). */
export function clientConfig(info: ConnInfo, ssl: ConnectionOptions | undefined, password: () => Promise<string>): pg.ClientConfig {
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
    keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
    ...(info.replication ? { replication: info.replication } : {}),
  };
}

/** Connects one client; the error, if any, is a diagnosed PgferryError. */
export async function connect(info: ConnInfo, side: Party): Promise<pg.Client> {
  const password = passwordSource(info, side);
  const attempt = async (ssl: ConnectionOptions | undefined): Promise<pg.Client> => {
    const client = new pg.Client(clientConfig(info, ssl, password));
    try {
      await client.connect();
      await client.query(SESSION_BASICS);
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
export function diagnoseConnectError(err: unknown, info: ConnInfo, side: Party): PgferryError {
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
      side === 'source' ? 'check the database name' : 'create it first: CREATE DATABASE ...');
  if (code === '42501')
    return make('PGFERRY_E_PERMISSION', `permission denied: ${msg}`, 'grant CONNECT on the database to this role');
  if (code === '53300')
    return make('PGFERRY_E_CONNECT_REFUSED', `server refused more connections: ${msg}`, 'lower --jobs or raise max_connections');
  return make('PGFERRY_E_CONNECT_REFUSED', `could not connect: ${msg}`, 'check the connection settings');
}

/**
 * Settings for a pg.Pool whose sessions connect as `connect` does. One probe connects first: it
 * gives the diagnosed error of a wrong setting, and settles sslmode=prefer's fallback to plain
 * TCP once (a pool cannot retry a session without TLS by itself).
 */
export async function poolSettings(info: ConnInfo, side: Party): Promise<pg.PoolConfig> {
  const probe = await connect(info, side);
  const tls = Boolean((probe as unknown as { ssl?: unknown }).ssl);
  await probe.end().catch(() => {});
  return clientConfig(info, tls ? tlsOptions(info) : undefined, passwordSource(info, side));
}

/** Server major version, e.g. 150004 → 15. */
export async function serverVersionNum(client: pg.Client): Promise<number> {
  const r = await client.query<{ v: string }>("SELECT pg_catalog.current_setting('server_version_num') AS v");
  return Number(r.rows[0].v);
}
