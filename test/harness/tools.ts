/**
 * Client programs for tests: psql 15 (Debian) to load fixtures, pg_dump 17 as the schema oracle
 * (Debian 13's client, fetched by scripts/pg-client.sh; it handles servers 10 to 17).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { DEBIAN_PG15_BIN } from './servers.js';

const run = promisify(execFile);

/** The project's script that runs PostgreSQL client programs of a newer major. */
export const PG_CLIENT = path.resolve(import.meta.dirname, '../../scripts/pg-client.sh');
let pg17Ready: Promise<void> | undefined;

/**
 * Resolves when pg_dump 17 is installed; otherwise rejects with the command that installs it, so
 * that a test never fetches packages halfway nor passes without its oracle.
 */
export function requirePg17(): Promise<void> {
  pg17Ready ??= run('bash', [PG_CLIENT, '17', '--prefix']).then(
    () => undefined,
    (err: { code?: number; stderr?: string }) => {
      pg17Ready = undefined;
      const why = err.code === 3 ? 'is not installed' : `cannot be checked (${(err.stderr ?? '').trim()})`;
      throw new Error(`pg_dump 17, the tests' schema oracle, ${why}: run "scripts/pg-client.sh 17 --fetch" as root (or with sudo), or scripts/test-all.sh, which installs everything the tests need`);
    },
  );
  return pg17Ready;
}

/** Runs a PostgreSQL 17 client program (pg_dump, pg_restore) through scripts/pg-client.sh. */
async function pg17(program: string, args: string[]): Promise<string> {
  await requirePg17();
  const { stdout } = await run('bash', [PG_CLIENT, '17', program, ...args], { maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

/** Loads a SQL file with psql, stopping at the first error. */
export async function psqlFile(uri: string, file: string, extra: string[] = []): Promise<void> {
  await run(path.join(DEBIAN_PG15_BIN, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...extra, '-d', uri, '-f', file], {
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, PGOPTIONS: '-c client_min_messages=warning' },
  });
}

/** `pg_dump --schema-only` as printed, with its `-- Name: ...` headers (pg_dump 17 handles servers 10 to 17). */
export async function rawSchemaDump(uri: string, extra: string[] = []): Promise<string> {
  return pg17('pg_dump', ['--schema-only', '--restrict-key=pgferrytest', ...extra, '-d', uri]);
}

/** Normalised `pg_dump --schema-only`. */
export async function schemaDump(uri: string, extra: string[] = []): Promise<string> {
  return normaliseDump(await rawSchemaDump(uri, extra));
}

/** Drops lines that differ between any two dumps: comments, SET lines, restrict keys, blanks. */
export function normaliseDump(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/^--/.test(l) && !/^SET /.test(l) && !/^SELECT pg_catalog\.set_config/.test(l) && !/^\\(un)?restrict/.test(l) && l.trim() !== '')
    .join('\n');
}

/** A line diff of two dumps (first lines of each side that differ), '' when equal. */
export function dumpDiff(a: string, b: string, max = 40): string {
  if (a === b) return '';
  const al = a.split('\n');
  const bl = b.split('\n');
  const bs = new Set(bl);
  const as = new Set(al);
  const onlyA = al.filter((l) => !bs.has(l)).slice(0, max).map((l) => `- ${l}`);
  const onlyB = bl.filter((l) => !as.has(l)).slice(0, max).map((l) => `+ ${l}`);
  return [...onlyA, ...onlyB].join('\n') || '(same lines, different order)';
}

/**
 * The schema pg_dump | pg_restore (both 17) makes of `sourceUri` in the empty database `refUri`:
 * the reference for a cross-version migration, where the newer server deparses views and
 * defaults in its own words. With `tolerant`, pg_restore goes on past errors and its output
 * (stdout and stderr) is returned for the caller to judge.
 */
export async function restoreSchemaReference(sourceUri: string, refUri: string, tolerant = false): Promise<string> {
  await requirePg17();
  // tolerant: the status is pg_dump's alone
  const script = tolerant
    ? 'bash "$3" 17 pg_dump --schema-only -Fc -d "$1" | bash "$3" 17 pg_restore -d "$2" 2>&1; exit "${PIPESTATUS[0]}"'
    : 'bash "$3" 17 pg_dump --schema-only -Fc -d "$1" | bash "$3" 17 pg_restore --exit-on-error -d "$2"';
  const { stdout } = await run('bash', ['-o', 'pipefail', '-c', script, 'restore', sourceUri, refUri, PG_CLIENT], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}
