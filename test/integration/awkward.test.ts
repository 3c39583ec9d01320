/**
 * Awkward identifiers and values (test/fixtures/awkward.sql) migrate bit-exactly, 15 → 15,
 * 15 → 17 and 17 → 18, and verify notices a single changed value and names the table.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { resolveConnInfo } from '../../src/config/conninfo.js';
import { runVerify } from '../../src/verify/run-verify.js';
import { execSql, freshDatabase, referenceDatabase, server, type Major } from '../harness/servers.js';
import { psqlFile } from '../harness/tools.js';
import { migrateAndCompare } from '../harness/migrate-and-compare.js';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/awkward.sql');

const sources = new Map<Major, Promise<string>>();

/**
 * The fixture loaded once on a source server (its 50 MB value takes seconds): the pairs from one
 * source migrate the same database, which nothing below changes.
 */
function loadedSource(major: Major): Promise<string> {
  let uri = sources.get(major);
  if (!uri) {
    uri = (async () => {
      const db = await freshDatabase(await server(major, 'src'), 'awkward');
      await psqlFile(db.uri, FIXTURE);
      return db.uri;
    })();
    sources.set(major, uri);
  }
  return uri;
}

/** md5 of a table's rows as text, in text order. */
async function rowsDigest(uri: string, table: string): Promise<string> {
  const r = await execSql(uri, `SELECT md5(string_agg(x::text, '|' ORDER BY x::text)) AS s FROM (SELECT * FROM ${table}) x`);
  return r.rows[0].s as string;
}

for (const [from, to] of [['15', '15'], ['15', '17'], ['17', '18']] as [Major, Major][]) {
  describe(`awkward identifiers and values ${from} → ${to}`, () => {
    it('migrate bit-exactly and verify catches one changed value', async () => {
      const srcUri = await loadedSource(from);
      const dst = await freshDatabase(await server(to, 'dst'), 'awkward');
      // across versions the target words views its own way: compare with pg_dump | pg_restore there
      await migrateAndCompare(srcUri, dst.uri, await referenceDatabase(from, to, 'awkward'));

      // the 50 MB value and the U+0001..U+00FF text arrive byte for byte
      for (const t of ['public.big_bytea', 'public.chars', 'public.scalars']) {
        assert.equal(await rowsDigest(dst.uri, t), await rowsDigest(srcUri, t), t);
      }
      const bytes = await execSql(dst.uri, 'SELECT length(data) AS n, md5(data) AS m FROM public.big_bytea');
      const srcBytes = await execSql(srcUri, 'SELECT length(data) AS n, md5(data) AS m FROM public.big_bytea');
      assert.equal(bytes.rows[0].n, 50 * 1024 * 1024);
      assert.deepEqual(bytes.rows[0], srcBytes.rows[0]);
      const floats = await execSql(dst.uri, "SELECT c_float8::text AS f, c_numeric::text AS n FROM public.scalars ORDER BY id");
      assert.deepEqual(floats.rows.map((r) => r.f), ['NaN', 'Infinity', '-Infinity', '2.2250738585072014e-308']);

      // one changed character in one value is caught, and the report names the table
      await execSql(dst.uri, `UPDATE "Ünïcode ✓"."Tàblé 表" SET "值" = '値!' WHERE "ключ" = 1`);
      const report = await runVerify({ source: resolveConnInfo(srcUri), target: resolveConnInfo(dst.uri), jobs: 2 });
      assert.equal(report.ok, false);
      const bad = report.tables.filter((t) => !t.ok);
      assert.deepEqual(bad.map((t) => t.table), ['"Ünïcode ✓"."Tàblé 表"']);
      assert.match(bad[0].problems[0], /same count, different content/);
    });
  });
}
