/**
 * A PostgreSQL installation the server's OS user can run. As root, servers run as `postgres`,
 * which cannot enter a clone under a folder only root may enter (root's home, `mktemp -d`); the
 * installation (bin/, lib/, share/ beside each other, found relative to the binaries) is then
 * copied once into a cache folder every user can read, and run from there.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PgferryError, messageOf } from '../errors.js';
import { isRoot, serverUserPasses } from './server-user.js';

const CACHE_ROOTS = ['/var/cache/pgferry', path.join(os.tmpdir(), 'pgferry-cache')];
const resolved = new Map<string, Promise<string>>();

/**
 * `binDir` itself when the server's OS user can run its programs, else the bin folder of a
 * cached copy of its installation. Looked up once per bin folder and process.
 */
export function runnableBinDir(binDir: string): Promise<string> {
  if (!isRoot()) return Promise.resolve(binDir);
  let found = resolved.get(binDir);
  if (!found) {
    found = resolveForPostgresUser(binDir);
    resolved.set(binDir, found);
    found.catch(() => resolved.delete(binDir));
  }
  return found;
}

const canRun = (binDir: string) => serverUserPasses(['-x', path.join(binDir, 'initdb'), '-a', '-x', path.join(binDir, 'pg_ctl')]);

async function resolveForPostgresUser(binDir: string): Promise<string> {
  if (await canRun(binDir)) return binDir;
  const install = path.dirname(binDir);
  const name = cacheName(install);
  const failures: string[] = [];
  for (const root of CACHE_ROOTS) {
    try {
      const copy = copyOnce(install, root, name);
      const copiedBin = path.join(copy, path.basename(binDir));
      if (await canRun(copiedBin)) return copiedBin;
      failures.push(`${copy}: still closed to it`);
    } catch (err) {
      failures.push(`${root}: ${messageOf(err)}`);
    }
  }
  throw new PgferryError('PGFERRY_E_SERVER_START',
    `the postgres OS user cannot run ${binDir} (a parent folder is closed to it), and no copy it can run could be made (${failures.join('; ')})`, {
      object: binDir,
      fix: `move the installation (or the pgferry clone) to a folder every user may enter, or make ${CACHE_ROOTS[0]} writable by root`,
    });
}

/** `postgres-<package>-<version>` for an npm build, else a name derived from the folder's path. */
function cacheName(install: string): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(install, '..', 'package.json'), 'utf8')) as { name?: string; version?: string };
    if (pkg.name && pkg.version) return `postgres-${pkg.name.replace(/^@/, '').replace(/[^A-Za-z0-9.-]+/g, '-')}-${pkg.version}`;
  } catch {
    // not an npm package: fall through
  }
  const hash = crypto.createHash('sha256').update(fs.realpathSync(install)).digest('hex').slice(0, 16);
  return `postgres-${hash}`;
}

/**
 * Copies `install` to `root/name` unless a copy is there: into a temporary name first, renamed
 * when whole, so concurrent processes never run half a copy. Returns the copy's path.
 */
function copyOnce(install: string, root: string, name: string): string {
  fs.mkdirSync(root, { recursive: true, mode: 0o755 });
  // a cache root someone else owns or may write to could hand us their binaries
  const st = fs.lstatSync(root);
  if (!st.isDirectory() || st.uid !== 0 || (st.mode & 0o022) !== 0) {
    throw new Error(`${root} is not a folder owned by root and closed to writes by others`);
  }
  fs.chmodSync(root, 0o755);
  const final = path.join(root, name);
  if (fs.existsSync(final)) return final;
  const tmp = path.join(root, `.${name}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`);
  try {
    fs.cpSync(install, tmp, { recursive: true, verbatimSymlinks: true });
    openToAll(tmp);
    fs.renameSync(tmp, final);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    // another process renamed its copy first: use that one
    if (!fs.existsSync(final)) throw err;
  }
  return final;
}

/** Folders 0755, files readable by all (executable by all where the owner may execute). */
function openToAll(dir: string): void {
  fs.chmodSync(dir, 0o755);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) openToAll(p);
    else {
      const mode = fs.statSync(p).mode & 0o777;
      fs.chmodSync(p, mode | 0o444 | (mode & 0o100 ? 0o111 : 0));
    }
  }
}
