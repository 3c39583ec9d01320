/**
 * Extensions' configuration tables and sequences. Regression: pgferry skipped extension member
 * tables entirely, so the rows a user had put into an extension's configuration table (marked with
 * pg_extension_config_dump) were lost, and its configuration sequences started over. Now the rows
 * the extension's filter selects are copied after the extension exists (its own rows, which
 * CREATE EXTENSION makes on the target, are neither copied nor doubled), in foreign-key order, and
 * the sequences keep their positions; a --data-only run replaces the filter's rows.
 *
 * The fixture extension is written into the Debian 15 server's share folder for the test and
 * removed after it; the npm builds' share folders lie inside the main checkout's node_modules,
 * so the test runs 15 → 15 only.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveConnInfo } from '../../src/config/conninfo.js';
import { runMigration } from '../../src/run/run-migration.js';
import { execSql, freshDatabase, server, uriOf } from '../harness/servers.js';
import { migrateAndCompare } from '../harness/migrate-and-compare.js';

const EXT = `pgferry_cfg_${crypto.randomBytes(3).toString('hex')}`;
/** An extension whose filter tries to run statements of its own on the target. */
const EVIL = `${EXT}_evil`;
const EVIL_SCRIPT = `
CREATE TABLE evil_cfg (id int);
SELECT pg_catalog.pg_extension_config_dump('evil_cfg', 'WHERE true; COMMIT; CREATE TABLE public.injected (x int)');
`;

// settings: the extension's two standard rows, the user's rows after them (filter WHERE NOT
// standard_entry); notes: every row is the user's, each points at a setting (so settings must be
// in first, although "notes" sorts before it); cache: a member table that is not configuration
const SCRIPT = `
CREATE TABLE settings (id serial PRIMARY KEY, name text NOT NULL UNIQUE, value text, standard_entry boolean NOT NULL DEFAULT false);
INSERT INTO settings (name, value, standard_entry) VALUES ('default_a', '1', true), ('default_b', '2', true);
SELECT pg_catalog.pg_extension_config_dump('settings', 'WHERE NOT standard_entry');
SELECT pg_catalog.pg_extension_config_dump('settings_id_seq', '');
CREATE TABLE notes (id int PRIMARY KEY, setting_id int NOT NULL REFERENCES settings (id), "Body ""text""" text, twice int GENERATED ALWAYS AS (id * 2) STORED);
SELECT pg_catalog.pg_extension_config_dump('notes', '');
CREATE SEQUENCE ticket_seq;
SELECT pg_catalog.pg_extension_config_dump('ticket_seq', '');
CREATE TABLE cache (k int);
`;

/** The extension's rows and sequence positions, read with the schema qualified. */
async function extensionState(uri: string): Promise<Record<string, unknown>> {
  const q = async (sql: string) => (await execSql(uri, sql)).rows;
  return {
    settings: await q(`SELECT id, name, value, standard_entry FROM "Cfg Ext".settings ORDER BY id`),
    notes: await q(`SELECT id, setting_id, "Body ""text""" AS body, twice FROM "Cfg Ext".notes ORDER BY id`),
    cache: await q(`SELECT count(*)::int AS n FROM "Cfg Ext".cache`),
    sequences: await q(`SELECT last_value::text, is_called FROM "Cfg Ext".settings_id_seq UNION ALL SELECT last_value::text, is_called FROM "Cfg Ext".ticket_seq`),
  };
}

describe('extension configuration tables and sequences', () => {
  let extensionDir = '';
  before(async () => {
    const r = await execSql(uriOf(await server('15', 'src'), 'postgres'), `SELECT setting FROM pg_config WHERE name = 'SHAREDIR'`);
    extensionDir = path.join(r.rows[0].setting as string, 'extension');
    fs.writeFileSync(path.join(extensionDir, `${EXT}.control`), `comment = 'pgferry test: configuration tables'\ndefault_version = '1.0'\nrelocatable = false\n`);
    fs.writeFileSync(path.join(extensionDir, `${EXT}--1.0.sql`), SCRIPT);
    fs.writeFileSync(path.join(extensionDir, `${EVIL}.control`), `default_version = '1.0'\nrelocatable = false\n`);
    fs.writeFileSync(path.join(extensionDir, `${EVIL}--1.0.sql`), EVIL_SCRIPT);
  });
  after(() => {
    for (const f of [`${EXT}.control`, `${EXT}--1.0.sql`, `${EVIL}.control`, `${EVIL}--1.0.sql`]) fs.rmSync(path.join(extensionDir, f), { force: true });
  });

  it('rows the filter selects and sequence positions were lost; now they arrive after CREATE EXTENSION, once (15 → 15)', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'ext_config');
    const dst = await freshDatabase(await server('15', 'dst'), 'ext_config');
    await execSql(
      src.uri,
      `CREATE SCHEMA "Cfg Ext";
       CREATE EXTENSION ${EXT} WITH SCHEMA "Cfg Ext";
       INSERT INTO "Cfg Ext".settings (name, value) VALUES ('mine', 'x'), ('it''s "quoted"', E'tab\\there');
       INSERT INTO "Cfg Ext".notes (id, setting_id, "Body ""text""") SELECT i, 3 + i % 2, 'note ' || i FROM generate_series(1, 50) i;
       SELECT nextval('"Cfg Ext".ticket_seq') FROM generate_series(1, 7);
       CREATE TABLE public.plain (id int PRIMARY KEY, setting text);
       INSERT INTO public.plain VALUES (1, 'mine');`,
    );
    // schema, every table's digest (the extension's tables too), sequences and pgferry verify agree
    await migrateAndCompare(src.uri, dst.uri);
    const target = await extensionState(dst.uri);
    assert.deepEqual(target, await extensionState(src.uri));
    assert.deepEqual((target.settings as { name: string }[]).map((s) => s.name), ['default_a', 'default_b', 'mine', `it's "quoted"`]);

    // data-only: the filter's rows are replaced; the standard ones are neither copied nor doubled
    // (a change to one stays behind, as with pg_dump), nor are rows of a table that is not configuration
    await execSql(
      src.uri,
      `INSERT INTO "Cfg Ext".settings (name, value) VALUES ('later', 'y');
       UPDATE "Cfg Ext".settings SET value = 'changed by the user' WHERE name = 'default_b';
       DELETE FROM "Cfg Ext".notes WHERE id > 40;
       INSERT INTO "Cfg Ext".notes (id, setting_id) VALUES (100, 5);
       SELECT nextval('"Cfg Ext".ticket_seq');
       INSERT INTO "Cfg Ext".cache SELECT generate_series(1, 10);`,
    );
    const summary = await runMigration({ source: resolveConnInfo(src.uri), target: resolveConnInfo(dst.uri), jobs: 2, schemaOnly: false, dataOnly: true });
    assert.deepEqual(summary.failures, []);
    const now = await extensionState(src.uri);
    const again = await extensionState(dst.uri);
    assert.deepEqual(again.notes, now.notes);
    assert.deepEqual(again.sequences, now.sequences);
    assert.deepEqual(again.cache, [{ n: 0 }], 'a member table that is not configuration stays as CREATE EXTENSION made it');
    assert.deepEqual(again.settings, [
      { id: 1, name: 'default_a', value: '1', standard_entry: true },
      { id: 2, name: 'default_b', value: '2', standard_entry: true },
      { id: 3, name: 'mine', value: 'x', standard_entry: false },
      { id: 4, name: `it's "quoted"`, value: 'tab\there', standard_entry: false },
      { id: 5, name: 'later', value: 'y', standard_entry: false },
    ]);
  });

  it('a filter cannot run statements of its own on the target', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'ext_config_evil');
    const dst = await freshDatabase(await server('15', 'dst'), 'ext_config_evil');
    await execSql(src.uri, `CREATE EXTENSION ${EVIL}; INSERT INTO evil_cfg VALUES (1)`);
    await assert.rejects(
      runMigration({ source: resolveConnInfo(src.uri), target: resolveConnInfo(dst.uri), jobs: 2, schemaOnly: false, dataOnly: false }),
      (err: Error & { code?: string }) => err.code === 'PGFERRY_E_COPY' && /multiple commands/.test(err.message),
    );
    const r = await execSql(dst.uri, `SELECT to_regclass('public.injected') IS NULL AS absent`);
    assert.deepEqual(r.rows, [{ absent: true }]);
  });
});
