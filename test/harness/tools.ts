/**
 * Client programs for tests: psql 15 (Debian) to load fixtures, pg_dump 17 or 18 as the schema
 * oracle (Debian's newer clients, fetched by scripts/pg-client.sh). pg_dump 17 handles servers 10
 * to 17; 18 handles 18 too, and is the oracle whenever a compared server is 18: both sides of a
 * comparison are dumped by the same client, since each major prints some things its own way.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { DEBIAN_PG15_BIN } from './servers.js';

const run = promisify(execFile);

/** The project's script that runs PostgreSQL client programs of a newer major. */
export const PG_CLIENT = path.resolve(import.meta.dirname, '../../scripts/pg-client.sh');

/** The majors of pg_dump the tests use as their schema oracle. */
export type OracleClient = '17' | '18';
/** Every oracle client, for the prerequisite check. */
export const ORACLE_CLIENTS: OracleClient[] = ['17', '18'];

const clientReady = new Map<OracleClient, Promise<void>>();

/**
 * Resolves when pg_dump `major` is installed; otherwise rejects with the command that installs
 * it, so that a test never fetches packages halfway nor passes without its oracle.
 */
export function requirePgClient(major: OracleClient): Promise<void> {
  let ready = clientReady.get(major);
  if (!ready) {
    ready = run('bash', [PG_CLIENT, major, '--prefix']).then(
      () => undefined,
      (err: { code?: number; stderr?: string }) => {
        clientReady.delete(major);
        const why = err.code === 3 ? 'is not installed' : `cannot be checked (${(err.stderr ?? '').trim()})`;
        throw new Error(`pg_dump ${major}, the tests' schema oracle, ${why}: run "scripts/pg-client.sh ${major} --fetch" as root (or with sudo), or scripts/test-all.sh, which installs everything the tests need`);
      },
    );
    clientReady.set(major, ready);
  }
  return ready;
}

/** requirePgClient('17'), kept for the tests that name it. */
export function requirePg17(): Promise<void> {
  return requirePgClient('17');
}

/** The oracle client for servers of these majors: 18 when any of them is 18 or newer. */
export function oracleClientFor(...majors: number[]): OracleClient {
  return majors.some((m) => m >= 18) ? '18' : '17';
}

/** The major version of the server behind `uri`. */
export async function serverMajor(uri: string): Promise<number> {
  const c = new pg.Client({ connectionString: uri });
  await c.connect();
  try {
    const r = await c.query<{ v: number }>("SELECT current_setting('server_version_num')::int AS v");
    return Math.floor(r.rows[0].v / 10000);
  } finally {
    await c.end();
  }
}

/** The oracle client that can dump every one of these databases (see oracleClientFor). */
export async function oracleClientOf(...uris: string[]): Promise<OracleClient> {
  return oracleClientFor(...(await Promise.all(uris.map(serverMajor))));
}

/** Runs a PostgreSQL client program (pg_dump, pg_restore) of `major` through scripts/pg-client.sh. */
async function pgClient(major: OracleClient, program: string, args: string[]): Promise<string> {
  await requirePgClient(major);
  const { stdout } = await run('bash', [PG_CLIENT, major, program, ...args], { maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

/** Loads a SQL file with psql, stopping at the first error. */
export async function psqlFile(uri: string, file: string, extra: string[] = []): Promise<void> {
  await run(path.join(DEBIAN_PG15_BIN, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...extra, '-d', uri, '-f', file], {
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, PGOPTIONS: '-c client_min_messages=warning' },
  });
}

/**
 * `pg_dump --schema-only` as printed, with its `-- Name: ...` headers, by pg_dump `client` (17
 * handles servers 10 to 17, 18 every one of them).
 */
export async function rawSchemaDump(uri: string, extra: string[] = [], client: OracleClient = '17'): Promise<string> {
  return pgClient(client, 'pg_dump', ['--schema-only', '--restrict-key=pgferrytest', ...extra, '-d', uri]);
}

/** Normalised `pg_dump --schema-only` (by pg_dump `client`). */
export async function schemaDump(uri: string, extra: string[] = [], client: OracleClient = '17'): Promise<string> {
  return normaliseDump(await rawSchemaDump(uri, extra, client));
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
 * The schema pg_dump | pg_restore (both of major `client`) makes of `sourceUri` in the empty
 * database `refUri`: the reference for a cross-version migration, where the newer server deparses
 * views and defaults in its own words (and 18 names the NOT NULL constraints an older source
 * never named). With `tolerant`, pg_restore goes on past errors and its output (stdout and
 * stderr) is returned for the caller to judge.
 */
export async function restoreSchemaReference(sourceUri: string, refUri: string, tolerant = false, client: OracleClient = '17'): Promise<string> {
  await requirePgClient(client);
  // tolerant: the status is pg_dump's alone
  const script = tolerant
    ? 'bash "$3" "$4" pg_dump --schema-only -Fc -d "$1" | bash "$3" "$4" pg_restore -d "$2" 2>&1; exit "${PIPESTATUS[0]}"'
    : 'bash "$3" "$4" pg_dump --schema-only -Fc -d "$1" | bash "$3" "$4" pg_restore --exit-on-error -d "$2"';
  const { stdout } = await run('bash', ['-o', 'pipefail', '-c', script, 'restore', sourceUri, refUri, PG_CLIENT, client], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}
