/**
 * The OS user local PostgreSQL servers run as: the caller itself, or, when pgferry runs as root
 * (which PostgreSQL refuses), the `postgres` user, created when missing.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** True when this process runs as root, so servers must run as `postgres`. */
export const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/** Makes sure the `postgres` OS user exists when we run as root. */
export function ensurePostgresUser(): void {
  if (!isRoot()) return;
  try {
    execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/bin/sh', 'postgres'], { stdio: 'ignore' });
  }
}

/** Runs a command as the server's OS user; rejects with its stderr when it fails. */
export async function asServerUser(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  const fullEnv = { ...process.env, LC_ALL: 'C.UTF-8', ...env };
  // from `/`: our own working folder may be closed to the server's user (every path is absolute)
  if (isRoot()) await run('runuser', ['-u', 'postgres', '--', cmd, ...args], { env: fullEnv, cwd: '/' });
  else await run(cmd, args, { env: fullEnv, cwd: '/' });
}

/**
 * Whether `test EXPR` holds for the server's OS user, e.g. `['-x', '/x/bin/initdb']`: folder
 * modes, owners, groups and ACLs are all the kernel's to judge, so ask it rather than read modes.
 */
export async function serverUserPasses(testArgs: string[]): Promise<boolean> {
  try {
    await asServerUser('test', testArgs);
    return true;
  } catch {
    return false;
  }
}
