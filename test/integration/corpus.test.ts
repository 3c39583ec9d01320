/**
 * Real sample databases (shared/corpus) migrated across servers: pg_dump --schema-only of source
 * and target identical, data digests and sequences equal.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SHARED_DIR, freshDatabase, server, type Major } from '../harness/servers.js';
import { psqlFile } from '../harness/tools.js';
import { migrateAndCompare } from '../harness/migrate-and-compare.js';

const PAGILA = path.join(SHARED_DIR, 'corpus', 'pagila');
const CHINOOK = path.join(SHARED_DIR, 'corpus', 'chinook', 'Chinook_PostgreSql.sql');

/** Chinook's script creates and connects to its own database: drop those three lines. */
function chinookScript(): string {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-chinook-')), 'chinook.sql');
  const text = fs
    .readFileSync(CHINOOK, 'utf8')
    .split('\n')
    .filter((l) => !/^(DROP DATABASE|CREATE DATABASE|\\c )/.test(l))
    .join('\n');
  fs.writeFileSync(out, text);
  return out;
}

async function loadPagila(uri: string): Promise<void> {
  await psqlFile(uri, path.join(PAGILA, 'pagila-schema.sql'));
  await psqlFile(uri, path.join(PAGILA, 'pagila-data.sql'));
}

for (const [from, to] of [['15', '15'], ['13', '17']] as [Major, Major][]) {
  describe(`pagila ${from} → ${to}`, () => {
    it('moves schema, data and sequences exactly', async () => {
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
    it('moves schema and data exactly', async () => {
      const src = await freshDatabase(await server(from, 'src'), 'chinook');
      const dst = await freshDatabase(await server(to, 'dst'), 'chinook');
      await psqlFile(src.uri, chinookScript());
      const summary = await migrateAndCompare(src.uri, dst.uri);
      assert.equal(summary.tablesCopied, 11);
      assert.equal(summary.rowsCopied, 15607);
    });
  });
}
