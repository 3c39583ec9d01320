/** Extensions come along: created on the target before the objects that use their types. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { execSql, freshDatabase, referenceDatabase, server, type Major } from '../harness/servers.js';
import { psqlFile } from '../harness/tools.js';
import { migrateAndCompare } from '../harness/migrate-and-compare.js';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/extensions.sql');

for (const [from, to] of [['15', '15'], ['13', '17']] as [Major, Major][]) {
  describe(`extensions ${from} → ${to}`, () => {
    it('citext, hstore, pgcrypto, uuid-ossp and pg_trgm columns, defaults and indexes migrate', async () => {
      const src = await freshDatabase(await server(from, 'src'), 'ext');
      const dst = await freshDatabase(await server(to, 'dst'), 'ext');
      await psqlFile(src.uri, FIXTURE);
      await migrateAndCompare(src.uri, dst.uri, await referenceDatabase(from, to, 'ext'));
      const r = await execSql(dst.uri, "SELECT count(*)::int AS n FROM people WHERE mail::ext.citext OPERATOR(ext.=) 'user7@example.COM'::ext.citext");
      assert.equal(r.rows[0].n, 1, 'citext compares case-insensitively on the target');
    });
  });
}
