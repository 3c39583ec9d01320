/**
 * A fixture with at least one object of every kind pgferry migrates (test/fixtures/every-kind.sql,
 * guarded by server version), migrated 15→15, 10→17 and 17→17: pg_dump 17 output of the target
 * equals the source's (or, across majors, a pg_dump | pg_restore reference), data and sequences
 * equal, large objects equal, nothing skipped or rejected.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { execSql, freshDatabase, referenceDatabase, server, type Major } from '../harness/servers.js';
import { psqlFile } from '../harness/tools.js';
import { migrateAndCompare } from '../harness/migrate-and-compare.js';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/every-kind.sql');

for (const [from, to] of [['15', '15'], ['10', '17'], ['17', '17'], ['18', '18'], ['13', '18']] as [Major, Major][]) {
  describe(`every object kind ${from} → ${to}`, () => {
    it('migrates with pg_dump output, data, sequences and large objects equal', async () => {
      const src = await freshDatabase(await server(from, 'src'), 'kinds');
      const dst = await freshDatabase(await server(to, 'dst'), 'kinds');
      await psqlFile(src.uri, FIXTURE);
      // roles are cluster-wide: the fixture made them on the source's server, the target needs them too
      await psqlFile(dst.uri, FIXTURE.replace('every-kind.sql', 'every-kind-roles.sql'));
      const summary = await migrateAndCompare(src.uri, dst.uri, await referenceDatabase(from, to, 'kinds'), { publications: true });
      assert.deepEqual(summary.skipped, [], 'nothing in this fixture should be skipped');
      const los = await execSql(dst.uri, 'SELECT count(*)::int AS n FROM pg_catalog.pg_largeobject_metadata');
      assert.ok(los.rows[0].n >= 1, 'large objects arrived');
    });
  });
}
