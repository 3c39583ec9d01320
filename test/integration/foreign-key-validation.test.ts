/**
 * Foreign keys of large tables are added NOT VALID and validated apart, so keys that point at the
 * same table check side by side; the target ends with the same, validated constraints.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import pg from 'pg';
import type { MigrationEvent } from '../../src/run/events.js';
import { execSql, freshDatabase, server } from '../harness/servers.js';
import { migrateAndCompare } from '../harness/migrate-and-compare.js';

it('large tables get NOT VALID foreign keys validated apart, and the target matches the source', async () => {
  const src = await freshDatabase(await server('15', 'src'), 'fkvalidate');
  const dst = await freshDatabase(await server('15', 'dst'), 'fkvalidate');
  await execSql(
    src.uri,
    `CREATE TABLE "Customer" (id int PRIMARY KEY, name text);
     INSERT INTO "Customer" SELECT i, 'c' || i FROM generate_series(1, 1000) i;
     CREATE TABLE orders (id int PRIMARY KEY, customer int NOT NULL, pad text,
       CONSTRAINT "orders→customer" FOREIGN KEY (customer) REFERENCES "Customer" ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED);
     INSERT INTO orders SELECT i, 1 + i % 1000, repeat(md5(i::text), 3) FROM generate_series(1, 70000) i;
     CREATE TABLE visits (customer int REFERENCES "Customer" MATCH FULL, at int, pad text);
     INSERT INTO visits SELECT 1 + i % 1000, i, repeat(md5(i::text), 3) FROM generate_series(1, 70000) i;
     CREATE TABLE notes (customer int REFERENCES "Customer", body text);
     INSERT INTO notes VALUES (1, 'small table: one ADD FOREIGN KEY');
     ALTER TABLE visits ADD CONSTRAINT visits_at_fkey FOREIGN KEY (at) REFERENCES orders NOT VALID;
     CREATE TABLE parted (customer int REFERENCES "Customer", v text) PARTITION BY RANGE (customer);
     CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (1) TO (501);
     CREATE TABLE parted_2 PARTITION OF parted FOR VALUES FROM (501) TO (1001);
     INSERT INTO parted SELECT 1 + i % 1000, repeat(md5(i::text), 3) FROM generate_series(1, 70000) i;`,
  );
  await execSql(src.uri, 'VACUUM ANALYZE');
  const events: MigrationEvent[] = [];
  await migrateAndCompare(src.uri, dst.uri, undefined, { onEvent: (e) => events.push(e) });
  const checks = events.filter((e) => e.type === 'step-done' && e.kind === 'foreign key check').map((e) => (e as { name: string }).name).sort();
  // orders and visits are over 8 MB; the partitioned table cannot take NOT VALID keys before 18,
  // and a key that is NOT VALID on the source stays so
  assert.deepEqual(checks, ['"orders→customer" on public.orders', 'visits_customer_fkey on public.visits']);

  const c = new pg.Client({ connectionString: dst.uri });
  await c.connect();
  try {
    const r = await c.query("SELECT conname, convalidated FROM pg_constraint WHERE contype = 'f' AND conrelid IN ('orders'::regclass, 'visits'::regclass) ORDER BY 1");
    assert.deepEqual(r.rows, [
      { conname: 'orders→customer', convalidated: true },
      { conname: 'visits_at_fkey', convalidated: false },
      { conname: 'visits_customer_fkey', convalidated: true },
    ]);
  } finally {
    await c.end();
  }
});
