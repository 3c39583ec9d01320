/**
 * Pre-data levels with many independent objects run on several connections: hundreds of tables,
 * two partitioned parents with many partitions each, inheritance children and views, all exact.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { execSql, freshDatabase, server } from '../harness/servers.js';
import { migrateAndCompare } from '../harness/migrate-and-compare.js';

it('many independent objects created in parallel give the same schema', async () => {
  const src = await freshDatabase(await server('15', 'src'), 'levels');
  const dst = await freshDatabase(await server('15', 'dst'), 'levels');
  await execSql(
    src.uri,
    `CREATE TYPE color AS ENUM ('red', 'green');
     CREATE TABLE p1 (id int, d date, c color) PARTITION BY RANGE (id);
     CREATE TABLE p2 (id int, note text) PARTITION BY LIST (id);
     CREATE TABLE base (id int, v text);
     DO $$ BEGIN
       FOR i IN 1..150 LOOP
         EXECUTE format('CREATE TABLE t%s (id serial PRIMARY KEY, c color DEFAULT %L, v text)', i, 'red');
         EXECUTE format('CREATE INDEX ON t%s (v)', i);
         EXECUTE format('INSERT INTO t%s (v) SELECT md5(g::text) FROM generate_series(1, 20) g', i);
         EXECUTE format('CREATE VIEW v%s AS SELECT id, v FROM t%s WHERE c = %L', i, i, 'red');
       END LOOP;
       FOR i IN 0..79 LOOP
         EXECUTE format('CREATE TABLE p1_%s PARTITION OF p1 FOR VALUES FROM (%s) TO (%s)', i, i * 10, i * 10 + 10);
         EXECUTE format('CREATE TABLE p2_%s PARTITION OF p2 FOR VALUES IN (%s)', i, i);
         EXECUTE format('INSERT INTO p1 VALUES (%s, %L, %L)', i * 10 + 1, '2024-01-01', 'green');
       END LOOP;
       FOR i IN 1..70 LOOP
         EXECUTE format('CREATE TABLE child%s (extra int) INHERITS (base)', i);
       END LOOP;
     END $$;`,
  );
  const summary = await migrateAndCompare(src.uri, dst.uri);
  assert.equal(summary.rowsCopied, 150 * 20 + 80);
});

// regression: small tables' keys are built in pre-data, and ADD CONSTRAINT holds ACCESS EXCLUSIVE
// until its level commits; views reading tables keyed on other connections of the same level
// deadlocked (found by kill-and-resume.test.ts)
it('views over small tables wait for the keys built before the data, without deadlocks', async () => {
  const src = await freshDatabase(await server('15', 'src'), 'smallkeys');
  const dst = await freshDatabase(await server('15', 'dst'), 'smallkeys');
  await execSql(
    src.uri,
    `DO $$ BEGIN
       FOR i IN 1..120 LOOP
         EXECUTE format('CREATE TABLE s%s (id int PRIMARY KEY, code text UNIQUE, v int)', i);
         EXECUTE format('CREATE INDEX s%s_v ON s%s (v)', i, i);
         EXECUTE format('CREATE INDEX s%s_lower ON s%s (lower(code))', i, i);
         EXECUTE format('INSERT INTO s%s SELECT g, %L || g, g %% 7 FROM generate_series(1, 300) g', i, 'c');
       END LOOP;
       FOR i IN 1..120 LOOP
         EXECUTE format('CREATE VIEW pair%s AS SELECT a.id, a.code, b.v FROM s%s a JOIN s%s b USING (id)', i, i, i % 120 + 1);
       END LOOP;
     END $$;`,
  );
  const preDataKeys: string[] = [];
  const postDataIndexes: string[] = [];
  const summary = await migrateAndCompare(src.uri, dst.uri, undefined, {
    onEvent: (e) => {
      if (e.type !== 'step-done') return;
      if (e.phase === 'pre-data' && (e.kind === 'constraint' || e.kind === 'index')) preDataKeys.push(e.name);
      if (e.phase === 'post-data' && e.kind === 'index') postDataIndexes.push(e.name);
    },
  });
  assert.equal(summary.failures.length, 0);
  assert.equal(summary.rowsCopied, 120 * 300);
  // primary key, unique key and the plain index before the rows; the expression index after them
  assert.equal(preDataKeys.length, 120 * 3);
  assert.deepEqual(postDataIndexes.sort(), Array.from({ length: 120 }, (_, i) => `public.s${i + 1}_lower`).sort());
});
