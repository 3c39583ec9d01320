/**
 * ANALYZE of parents. Regression: the plan analyzed leaf tables only, so a partitioned table (and
 * an inheritance parent without rows of its own) had no statistics over its partitions on the
 * target (pg_stats rows with inherited = true) where the source had them. Now the target has the
 * same parents' inherited statistics as the source, and no partition is analyzed twice (before
 * 18 the tree's top is analyzed instead of its partitions; 18 analyzes each parent ONLY).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { execSql, freshDatabase, referenceDatabase, server, type Major } from '../harness/servers.js';
import { migrateAndCompare } from '../harness/migrate-and-compare.js';

const SOURCE = `
  CREATE TABLE events (id int, day date, kind text, n int) PARTITION BY RANGE (day);
  CREATE TABLE events_h1 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2024-07-01');
  CREATE TABLE events_h2 PARTITION OF events FOR VALUES FROM ('2024-07-01') TO ('2025-01-01') PARTITION BY LIST (kind);
  CREATE TABLE events_h2_a PARTITION OF events_h2 FOR VALUES IN ('a');
  CREATE TABLE events_h2_rest PARTITION OF events_h2 DEFAULT;
  CREATE TABLE "Empty Part" PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
  CREATE INDEX events_lower_kind ON events (lower(kind));
  ALTER TABLE events ADD PRIMARY KEY (id, day, kind);
  INSERT INTO events SELECT i, date '2024-01-01' + i % 366, chr(97 + i % 4), i % 100 FROM generate_series(1, 40000) i;
  -- analyzed on the source leaf by leaf only: no statistics over the whole table
  CREATE TABLE quiet (id int, v text) PARTITION BY HASH (id);
  CREATE TABLE quiet_0 PARTITION OF quiet FOR VALUES WITH (MODULUS 2, REMAINDER 0);
  CREATE TABLE quiet_1 PARTITION OF quiet FOR VALUES WITH (MODULUS 2, REMAINDER 1);
  INSERT INTO quiet SELECT i, 'q' || i % 7 FROM generate_series(1, 3000) i;
  -- an inheritance parent without rows of its own
  CREATE TABLE animals (id int, name text);
  CREATE TABLE dogs (bark text) INHERITS (animals);
  INSERT INTO dogs SELECT i, 'dog ' || i % 50, 'woof' FROM generate_series(1, 2000) i;
  ANALYZE events; ANALYZE quiet_0; ANALYZE quiet_1; ANALYZE animals; ANALYZE dogs;`;

/** Relations with statistics, as `name inherited|own`, sorted. */
async function statistics(uri: string): Promise<string[]> {
  const r = await execSql(uri, `SELECT DISTINCT tablename || CASE WHEN inherited THEN ' inherited' ELSE ' own' END AS s FROM pg_stats WHERE schemaname = 'public' ORDER BY 1`);
  return r.rows.map((x) => x.s as string);
}

/** How often each table was analyzed, once the server's statistics show every one of `names`. */
async function analyzeCounts(uri: string, names: string[]): Promise<Record<string, number>> {
  for (let i = 0; ; i++) {
    const r = await execSql(uri, `SELECT relname, analyze_count::int AS n FROM pg_stat_user_tables WHERE schemaname = 'public' AND relname = ANY ($1)`, [names]);
    const counts = Object.fromEntries(r.rows.map((x) => [x.relname as string, x.n as number]));
    // the run's sessions report their counts as they exit, just after the run returns
    if (names.every((n) => counts[n] >= 1) || i === 50) return counts;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const PAIRS: [Major, Major][] = [
  ['15', '15'],
  ['13', '17'],
];

describe('partitioned and inheritance parents get their statistics over all partitions on the target', () => {
  for (const [from, to] of PAIRS) {
    it(`leaf-only ANALYZE left partitioned parents without inherited statistics (${from} → ${to})`, async () => {
      const src = await freshDatabase(await server(from, 'src'), 'analyze_parts');
      const dst = await freshDatabase(await server(to, 'dst'), 'analyze_parts');
      await execSql(src.uri, SOURCE);
      const expected = await statistics(src.uri);
      // the source has what the test is about
      for (const s of ['events inherited', 'events_h2 inherited', 'animals inherited', 'quiet_0 own', 'events_h2_a own', 'events_h1_lower_idx own'])
        assert.ok(expected.includes(s), `source lacks ${s}: ${expected.join(', ')}`);
      assert.ok(!expected.includes('quiet inherited'));

      await migrateAndCompare(src.uri, dst.uri, await referenceDatabase(from, to, 'analyze_parts'));
      assert.deepEqual(await statistics(dst.uri), expected);
      // every partition with rows analyzed once: by the tree's ANALYZE or on its own, never both
      const leaves = ['events_h1', 'events_h2_a', 'events_h2_rest', 'quiet_0', 'quiet_1', 'dogs'];
      const counts = await analyzeCounts(dst.uri, leaves);
      for (const leaf of leaves) assert.equal(counts[leaf], 1, `${leaf} analyzed ${counts[leaf]} times`);
    });
  }
});
