/**
 * Real sample databases migrated across servers: pg_dump --schema-only of source and target
 * identical, data digests and sequences equal. The databases are an optional input: the folder
 * named by PGFERRY_CORPUS, holding pagila/ (pagila-schema.sql, pagila-data.sql) and
 * chinook/Chinook_PostgreSql.sql. Without it these tests are skipped, with that reason.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { freshDatabase, server, type Major } from '../harness/servers.js';
import { psqlFile } from '../harness/tools.js';
import { migrateAndCompare } from '../harness/migrate-and-compare.js';

const CORPUS = process.env.PGFERRY_CORPUS ? path.resolve(process.env.PGFERRY_CORPUS) : undefined;
/** node:test's skip option: the reason when no corpus is configured (a configured one must be whole). */
const skip = CORPUS ? false : 'PGFERRY_CORPUS is not set (optional: a folder holding pagila/ and chinook/, see README "Tests")';

/** A file of the corpus; a configured corpus that lacks it fails the test. */
function corpusFile(...parts: string[]): string {
  const file = path.join(CORPUS!, ...parts);
  assert.ok(fs.existsSync(file), `PGFERRY_CORPUS=${CORPUS} has no ${path.join(...parts)}`);
  return file;
}

/** Chinook's script creates and connects to its own database: drop those three lines. */
function chinookScript(): string {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-chinook-')), 'chinook.sql');
  const text = fs
    .readFileSync(corpusFile('chinook', 'Chinook_PostgreSql.sql'), 'utf8')
    .split('\n')
    .filter((l) => !/^(DROP DATABASE|CREATE DATABASE|\\c )/.test(l))
    .join('\n');
  fs.writeFileSync(out, text);
  return out;
}

async function loadPagila(uri: string): Promise<void> {
  await psqlFile(uri, corpusFile('pagila', 'pagila-schema.sql'));
  await psqlFile(uri, corpusFile('pagila', 'pagila-data.sql'));
}

for (const [from, to] of [['15', '15'], ['13', '17']] as [Major, Major][]) {
  describe(`pagila ${from} → ${to}`, () => {
    it('moves schema, data and sequences exactly', { skip }, async () => {
      const src = await freshDatabase(await server(from, 'src'), 'pagila');
      const dst = await freshDatabase(await server(to, 'dst'), 'pagila');
      await loadPagila(src.uri);
      const summary = await migrateAndCompare(src.uri, dst.uri);
      assert.equal(summary.tablesCopied, 21);
      assert.equal(summary.rowsCopied, 49636);
      assert.equal(summary.sequencesSet, 13);
    });
  });
}

for (const [from, to] of [['15', '15'], ['10', '17']] as [Major, Major][]) {
  describe(`chinook ${from} → ${to}`, () => {
    it('moves schema and data exactly', { skip }, async () => {
      const src = await freshDatabase(await server(from, 'src'), 'chinook');
      const dst = await freshDatabase(await server(to, 'dst'), 'chinook');
      await psqlFile(src.uri, chinookScript());
      const summary = await migrateAndCompare(src.uri, dst.uri);
      assert.equal(summary.tablesCopied, 11);
      assert.equal(summary.rowsCopied, 15607);
    });
  });
}
