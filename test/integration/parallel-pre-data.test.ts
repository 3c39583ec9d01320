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
