/**
 * --split-tables and --early-indexes: a table copied as several block ranges in parallel, and
 * indexes built while other tables copy, still give an exact copy without duplicates.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { resolveConnInfo } from '../../src/config/conninfo.js';
import { runMigration } from '../../src/run/run-migration.js';
import type { MigrationEvent } from '../../src/run/events.js';
import { execSql, freshDatabase, server } from '../harness/servers.js';
import { sequenceStates, tableDigests } from '../harness/data-oracle.js';
import { dumpDiff, schemaDump } from '../harness/tools.js';

it('split tables and early index builds give an exact copy', async () => {
  const src = await freshDatabase(await server('15', 'src'), 'split');
  const dst = await freshDatabase(await server('15', 'dst'), 'split');
  await execSql(
    src.uri,
    `CREATE TABLE big (id bigserial PRIMARY KEY, k int, pad text);
     CREATE INDEX big_k ON big (k);
     INSERT INTO big (k, pad) SELECT i % 1000, repeat(md5(i::text), 3) FROM generate_series(1, 200000) i;
     DELETE FROM big WHERE id % 7 = 0;
     CREATE TABLE nokey AS SELECT i % 10 AS a, repeat('x', 100) AS b FROM generate_series(1, 100000) i;
     CREATE TABLE small (id int PRIMARY KEY REFERENCES big (id));
     INSERT INTO small SELECT id FROM big WHERE id < 100;`,
  );
  await execSql(src.uri, 'VACUUM ANALYZE');
  const events: MigrationEvent[] = [];
  await runMigration({
    source: resolveConnInfo(src.uri),
    target: resolveConnInfo(dst.uri),
    jobs: 2,
    schemaOnly: false,
    dataOnly: false,
    splitTables: true,
    earlyIndexes: true,
    minSliceBytes: 1024 * 1024,
    onEvent: (e) => events.push(e),
  });
  const slices = events.filter((e) => e.type === 'unit-done' && / \[\d+\/\d+\]$/.test(e.unit));
  assert.ok(slices.length >= 4, `expected slices, got ${slices.length}`);
  const early = events.findIndex((e) => e.type === 'step-done' && e.kind !== 'trigger');
  const lastCopy = events.map((e) => e.type).lastIndexOf('unit-done');
  assert.ok(early >= 0 && early < lastCopy, 'an index was built before the last copy finished');
  const [a, b] = await Promise.all([schemaDump(src.uri), schemaDump(dst.uri)]);
  assert.equal(dumpDiff(a, b), '');
  assert.deepEqual([...(await tableDigests(dst.uri))], [...(await tableDigests(src.uri))]);
  assert.deepEqual([...(await sequenceStates(dst.uri))], [...(await sequenceStates(src.uri))]);
});
