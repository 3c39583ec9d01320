/**
 * ANALYZE after the copy: tables are analyzed in the post-data pool once their indexes exist
 * (expression indexes get statistics), tables with extended statistics and materialized views
 * at the end (their statistics objects exist, their rows are in).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import pg from 'pg';
import type { MigrationEvent } from '../../src/run/events.js';
import { execSql, freshDatabase, server } from '../harness/servers.js';
import { migrateAndCompare } from '../harness/migrate-and-compare.js';

it('every copied table, expression index and extended statistics object has statistics on the target', async () => {
  const src = await freshDatabase(await server('15', 'src'), 'analyze');
  const dst = await freshDatabase(await server('15', 'dst'), 'analyze');
  await execSql(
    src.uri,
    `CREATE TABLE people (id int PRIMARY KEY, name text, born date);
     CREATE INDEX people_lower_name ON people (lower(name));
     INSERT INTO people SELECT i, 'Name ' || (i % 500), date '2000-01-01' + i % 3000 FROM generate_series(1, 50000) i;
     CREATE TABLE "Odd ""Table"" Ä" (a int, b int);
     INSERT INTO "Odd ""Table"" Ä" SELECT i % 10, i % 10 FROM generate_series(1, 5000) i;
     CREATE STATISTICS odd_ab (dependencies) ON a, b FROM "Odd ""Table"" Ä";
     CREATE MATERIALIZED VIEW people_per_year AS SELECT extract(year FROM born) AS y, count(*) AS n FROM people GROUP BY 1;
     CREATE TABLE no_rows (x int);
     ${Array.from({ length: 120 }, (_, i) => `CREATE TABLE small_${i} (id int PRIMARY KEY, v text); INSERT INTO small_${i} VALUES (1, 'a'), (2, 'b');`).join('\n')}`,
  );
  const events: MigrationEvent[] = [];
  await migrateAndCompare(src.uri, dst.uri, undefined, { onEvent: (e) => events.push(e) });

  // only the table with extended statistics and the materialized view wait for the last phase
  const analyzePhase = events.find((e) => e.type === 'phase-start' && e.phase === 'analyze');
  assert.deepEqual(analyzePhase && 'steps' in analyzePhase ? analyzePhase.steps : undefined, 2);

  const c = new pg.Client({ connectionString: dst.uri });
  await c.connect();
  try {
    const withStats = await c.query<{ rel: string; cols: number }>(
      `SELECT format('%I.%I', schemaname, tablename) AS rel, count(*)::int AS cols FROM pg_stats
       WHERE schemaname = 'public' GROUP BY 1 ORDER BY 1`,
    );
    const byRel = new Map(withStats.rows.map((r) => [r.rel, r.cols]));
    assert.equal(byRel.get('public.people'), 3);
    assert.equal(byRel.get('public.people_lower_name'), 1, 'the expression index has statistics');
    assert.equal(byRel.get('public."Odd ""Table"" Ä"'), 2);
    assert.equal(byRel.get('public.people_per_year'), 2);
    for (let i = 0; i < 120; i++) assert.equal(byRel.get(`public.small_${i}`), 2, `small_${i}`);
    assert.equal(byRel.has('public.no_rows'), false, 'a table without rows is not analyzed');
    const ext = await c.query(`SELECT dependencies IS NOT NULL AS built FROM pg_stats_ext WHERE statistics_name = 'odd_ab'`);
    assert.deepEqual(ext.rows, [{ built: true }]);
  } finally {
    await c.end();
  }
});
