/** Client programs for tests: psql 15 (Debian) to load fixtures, pg_dump 17 as the schema oracle. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { DEBIAN_PG15_BIN, SHARED_DIR } from './servers.js';

const run = promisify(execFile);

/** Loads a SQL file with psql, stopping at the first error. */
export async function psqlFile(uri: string, file: string, extra: string[] = []): Promise<void> {
  await run(path.join(DEBIAN_PG15_BIN, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...extra, '-d', uri, '-f', file], {
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, PGOPTIONS: '-c client_min_messages=warning' },
  });
}

/** `pg_dump --schema-only` as printed, with its `-- Name: ...` headers (pg_dump 17 handles servers 10 to 17). */
export async function rawSchemaDump(uri: string, extra: string[] = []): Promise<string> {
  const { stdout } = await run(path.join(SHARED_DIR, 'tools', 'pg17'), ['pg_dump', '--schema-only', '--restrict-key=pgferrytest', ...extra, '-d', uri], {
    maxBuffer: 256 * 1024 * 1024,
  });
  return stdout;
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
 * defaults in its own words.
 */
export async function restoreSchemaReference(sourceUri: string, refUri: string): Promise<void> {
  const pg17 = path.join(SHARED_DIR, 'tools', 'pg17');
  await run('bash', ['-o', 'pipefail', '-c', `"${pg17}" pg_dump --schema-only -Fc -d "$1" | "${pg17}" pg_restore --exit-on-error -d "$2"`, 'restore', sourceUri, refUri], {
    maxBuffer: 64 * 1024 * 1024,
  });
}
