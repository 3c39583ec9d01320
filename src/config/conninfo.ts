/**
 * libpq-style connection settings: a URI (`postgresql://...`) or a key=value string, completed
 * from PG* environment variables and then defaults, in that order (as libpq and node-postgres do).
 */
import os from 'node:os';
import { PgferryError } from '../errors.js';

export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

/** Resolved settings for one side. The password never leaves this object except to the driver. */
export interface ConnInfo {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  sslmode: SslMode;
  sslrootcert?: string;
  sslcert?: string;
  sslkey?: string;
  applicationName: string;
  connectTimeoutSec: number;
  options?: string;
  /** A password file to read instead of ~/.pgpass (`passfile=`, PGPASSFILE). */
  passfile?: string;
  /**
   * Whether this process's own credentials may fill in a missing password (PGPASSWORD was
   * already applied by resolveConnInfo; this covers ~/.pgpass and the driver's own fallbacks).
   * False for settings that came through the HTTP API: the server never lends its credentials.
   */
  localCredentials: boolean;
  /** A walsender session for logical replication in the database (the change stream). */
  replication?: 'database';
}

const KNOWN_KEYS = new Set([
  'host', 'hostaddr', 'port', 'dbname', 'user', 'password', 'sslmode', 'sslrootcert', 'sslcert', 'sslkey',
  'application_name', 'connect_timeout', 'options', 'passfile', 'fallback_application_name',
]);
const SSL_MODES: SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

const ENV_KEYS: Record<string, string> = {
  host: 'PGHOST', port: 'PGPORT', dbname: 'PGDATABASE', user: 'PGUSER', password: 'PGPASSWORD',
  sslmode: 'PGSSLMODE', sslrootcert: 'PGSSLROOTCERT', sslcert: 'PGSSLCERT', sslkey: 'PGSSLKEY',
  application_name: 'PGAPPNAME', connect_timeout: 'PGCONNECT_TIMEOUT', options: 'PGOPTIONS', passfile: 'PGPASSFILE',
};

/** Parses `host=a port=5432 dbname='my db'` (libpq keyword/value syntax). */
export function parseKeywordValue(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  const n = text.length;
  const skipSpace = () => {
    while (i < n && /\s/.test(text[i])) i++;
  };
  while (true) {
    skipSpace();
    if (i >= n) break;
    const start = i;
    while (i < n && text[i] !== '=' && !/\s/.test(text[i])) i++;
    const key = text.slice(start, i);
    skipSpace();
    if (text[i] !== '=') throw usage(`missing "=" after "${key}" in connection string`);
    i++;
    skipSpace();
    let value = '';
    if (text[i] === "'") {
      i++;
      while (i < n && text[i] !== "'") {
        if (text[i] === '\\' && i + 1 < n) i++;
        value += text[i++];
      }
      if (i >= n) throw usage(`unterminated quoted value for "${key}" in connection string`);
      i++;
    } else {
      while (i < n && !/\s/.test(text[i])) {
        if (text[i] === '\\' && i + 1 < n) i++;
        value += text[i++];
      }
    }
    out[key] = value;
  }
  return out;
}

/** Parses a `postgres://` or `postgresql://` URI into libpq keywords. */
export function parseUri(text: string): Record<string, string> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usage('connection URI is not valid (expected postgresql://user@host:port/dbname)');
  }
  const out: Record<string, string> = {};
  const dec = (s: string) => decodeURIComponent(s);
  if (url.hostname) out.host = dec(url.hostname).replace(/^\[(.*)\]$/, '$1');
  if (url.port) out.port = url.port;
  if (url.username) out.user = dec(url.username);
  if (url.password) out.password = dec(url.password);
  const path = url.pathname.replace(/^\//, '');
  if (path) out.dbname = dec(path);
  for (const [k, v] of url.searchParams) out[k] = v;
  return out;
}

function usage(message: string): PgferryError {
  return new PgferryError('PGFERRY_E_USAGE', message, {
    fix: 'write it as postgresql://user@host:5432/dbname or "host=... port=... dbname=... user=..."',
  });
}

/** The keywords a connection string gives (URI, key=value, or a bare database name), checked. */
export function parseConnString(text: string | undefined): Record<string, string> {
  const trimmed = (text ?? '').trim();
  const given = /^postgres(ql)?:\/\//i.test(trimmed)
    ? parseUri(trimmed)
    : trimmed.includes('=')
      ? parseKeywordValue(trimmed)
      : trimmed
        ? { dbname: trimmed }
        : {};
  for (const key of Object.keys(given)) {
    if (!KNOWN_KEYS.has(key)) throw usage(`unknown connection option "${key}"`);
  }
  return given;
}

/**
 * Resolves a connection string (URI, key=value or empty) with PG* variables and defaults.
 * `env` is injectable for tests. With `local: false` nothing of this process fills a gap: no
 * variables, no OS user name (the HTTP API resolves a caller's settings this way).
 */
export function resolveConnInfo(text: string | undefined, env: NodeJS.ProcessEnv = process.env, local = true): ConnInfo {
  const given = parseConnString(text);
  if (!local) env = {};
  const pick = (key: string): string | undefined => {
    const v = given[key];
    if (v !== undefined && v !== '') return v;
    const e = ENV_KEYS[key] ? env[ENV_KEYS[key]] : undefined;
    return e !== undefined && e !== '' ? e : undefined;
  };
  const user = pick('user') ?? (local ? (env.USER ?? os.userInfo().username) : undefined);
  if (user === undefined) throw usage('the user name is missing');
  const portText = pick('port') ?? '5432';
  const port = Number(portText);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw usage(`port "${portText}" is not a valid port`);
  const sslmode = (pick('sslmode') ?? 'prefer') as SslMode;
  if (!SSL_MODES.includes(sslmode)) throw usage(`sslmode "${sslmode}" is not one of ${SSL_MODES.join(', ')}`);
  const host = pick('hostaddr') ?? pick('host') ?? 'localhost';
  const timeout = Number(pick('connect_timeout') ?? '10');
  return {
    host,
    port,
    database: pick('dbname') ?? user,
    user,
    password: pick('password'),
    sslmode,
    sslrootcert: pick('sslrootcert'),
    sslcert: pick('sslcert'),
    sslkey: pick('sslkey'),
    applicationName: pick('application_name') ?? 'pgferry',
    connectTimeoutSec: Number.isFinite(timeout) && timeout > 0 ? timeout : 10,
    options: pick('options'),
    passfile: pick('passfile'),
    localCredentials: local,
  };
}

/** `user@host:port/db` — what we show people; never the password. */
export function describeConnInfo(info: ConnInfo): string {
  return `${info.user}@${info.host.startsWith('/') ? `[${info.host}]` : info.host}:${info.port}/${info.database}`;
}
