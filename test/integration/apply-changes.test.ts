/**
 * Exact apply of streamed changes: a writer workload on the source (inserts, updates that leave
 * a TOASTed value unchanged and that change it, key changes, deletes, duplicate rows under
 * REPLICA IDENTITY FULL, identity and serial columns, a stored generated column, a row moving
 * between partitions, TRUNCATE ... RESTART IDENTITY, a renamed table and column, a table left
 * out, one transaction of 100,000 rows, 300 rows that go in by COPY with values it must escape)
 * streamed from a slot and applied to a target that held the same rows: afterwards every table's
 * digest equals the source's. A second run stops in the middle of the large transaction and starts
 * again from the slot's confirmed position and the target's recorded one: still exact, nothing
 * applied twice.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { resolveConnInfo } from '../../src/config/conninfo.js';
import { ChangeStream, openReplication } from '../../src/cdc/replication-stream.js';
import { ChangeApplier, type ApplyRouter } from '../../src/cdc/apply-changes.js';
import { StreamingApplier } from '../../src/cdc/streamed-transactions.js';
import { parseLsn } from '../../src/cdc/lsn.js';
import { tableDigests } from '../harness/data-oracle.js';
import { execSql, freshDatabase, server, type Major } from '../harness/servers.js';
import { dropSlot } from '../harness/slots.js';

const SCHEMA = `
  CREATE TABLE items (id int PRIMARY KEY, big text, n int);
  ALTER TABLE items ALTER big SET STORAGE EXTERNAL;
  CREATE TABLE keyless (a int, b text);
  ALTER TABLE keyless REPLICA IDENTITY FULL;
  CREATE TABLE ident (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text);
  CREATE TABLE ser (id serial PRIMARY KEY, v text);
  CREATE TABLE parted (k int NOT NULL, v text) PARTITION BY RANGE (k);
  CREATE TABLE parted_low PARTITION OF parted (PRIMARY KEY (k)) FOR VALUES FROM (0) TO (1000);
  CREATE TABLE parted_high PARTITION OF parted (PRIMARY KEY (k)) FOR VALUES FROM (1000) TO (10000000);
  CREATE TABLE trunc_me (id serial PRIMARY KEY, v text);
  CREATE TABLE marker (id int PRIMARY KEY);
  CREATE TABLE left_out (id int PRIMARY KEY);`;
/** Stored generated columns exist from 12: a source 10 gets a plain table of that name. */
const genTable = (major: Major) =>
  Number(major) >= 12 ? 'CREATE TABLE gen (id int PRIMARY KEY, a int, b int GENERATED ALWAYS AS (a * 2) STORED); INSERT INTO gen (id, a) VALUES (1, 1);'
  : 'CREATE TABLE gen (id int PRIMARY KEY, a int, b int); INSERT INTO gen (id, a, b) VALUES (1, 1, 2);';
const SOURCE_ONLY = 'CREATE TABLE old_name (id int PRIMARY KEY, x text);';
const TARGET_ONLY = 'CREATE TABLE new_name (id int PRIMARY KEY, y text);';
const ROWS = `
  INSERT INTO items SELECT i, repeat(md5(i::text), 200), i FROM generate_series(1, 50) i;
  INSERT INTO keyless VALUES (1, 'dup'), (1, 'dup'), (2, 'two');
  INSERT INTO ident (v) VALUES ('a'), ('b');
  INSERT INTO ser (v) VALUES ('a'), ('b');
  INSERT INTO parted VALUES (5, 'low'), (1500, 'high');
  INSERT INTO trunc_me (v) VALUES ('x');`;
const TRUNCATE_WORK = "INSERT INTO trunc_me (v) VALUES ('y'); TRUNCATE trunc_me RESTART IDENTITY; INSERT INTO trunc_me (v) VALUES ('after')";
const workFor = (major: Major) => WORK.map((sql) => (sql === TRUNCATE_WORK && major === '10' ? "INSERT INTO trunc_me (v) VALUES ('y')" : sql));
const WORK = [
  "INSERT INTO items VALUES (100, repeat('toast', 2000), 1), (101, NULL, 2)",
  'UPDATE items SET n = n + 1 WHERE id BETWEEN 1 AND 10', // TOASTed value unchanged
  "UPDATE items SET big = repeat('new', 3000) WHERE id = 11",
  'UPDATE items SET id = 1000 WHERE id = 12', // key change
  'DELETE FROM items WHERE id IN (13, 14)',
  "INSERT INTO keyless VALUES (1, 'dup')",
  "DELETE FROM keyless WHERE ctid = (SELECT min(ctid) FROM keyless WHERE a = 1)",
  "UPDATE keyless SET b = 'changed' WHERE ctid = (SELECT max(ctid) FROM keyless WHERE a = 1)",
  "INSERT INTO ident (v) VALUES ('c'), ('d'); INSERT INTO ser (v) VALUES ('c')",
  // a row moving between partitions (11+) arrives as a delete from one and an insert into the other
  "DELETE FROM parted WHERE k = 5; INSERT INTO parted VALUES (2500, 'low'); INSERT INTO parted VALUES (7, 'new low'); DELETE FROM parted WHERE k = 1500; UPDATE parted SET v = 'seven' WHERE k = 7",
  'UPDATE gen SET a = 21 WHERE id = 1; INSERT INTO gen (id, a) VALUES (2, 5)',
  // a source 10 does not decode TRUNCATE (11+): there the table only takes a row
  TRUNCATE_WORK,
  "INSERT INTO old_name VALUES (1, 'one'), (2, 'two'); UPDATE old_name SET x = 'uno' WHERE id = 1",
  'INSERT INTO left_out VALUES (1)',
  "INSERT INTO items SELECT i, NULL, i FROM generate_series(200000, 299999) i",
  // many rows of one table go in by COPY: values it must escape, NULLs, an identity column ALWAYS
  "INSERT INTO ident (v) SELECT CASE i % 5 WHEN 0 THEN E'tab\\there' WHEN 1 THEN E'line\\nbreak\\r' WHEN 2 THEN 'back\\slash \\N' WHEN 3 THEN NULL ELSE 'ünï ' || i END FROM generate_series(1, 300) i",
  'INSERT INTO marker VALUES (1)',
];

/** Selection and mapping as a task gives them: old_name → new_name (x → y), left_out not migrated. */
const route: ApplyRouter = (schema, name) => {
  if (name === 'left_out') return undefined;
  if (name === 'old_name') return { schema, name: 'new_name', column: (c) => (c === 'x' ? 'y' : c) };
  return { schema, name, column: (c) => c };
};

/**
 * Streams from the slot's confirmed position and applies until the marker row, or until
 * `stopAfterRows`. `streaming`: protocol 2, large transactions sent before they commit, each
 * applied on a session of its own.
 */
async function applyFrom(srcUri: string, dstUri: string, slot: string, stopAfterRows?: number, streaming = false): Promise<{ transactions: number; rows: number; done: boolean; chunks: number; aborts: { whole: number; sub: number } }> {
  const admin = new pg.Client({ connectionString: srcUri });
  await admin.connect();
  const from = parseLsn((await admin.query<{ l: string }>('SELECT confirmed_flush_lsn::text AS l FROM pg_replication_slots WHERE slot_name = $1', [slot])).rows[0].l);
  await admin.end();
  const sessions: pg.Client[] = [];
  const session = async () => {
    const c = new pg.Client({ connectionString: dstUri });
    await c.connect();
    sessions.push(c);
    return c;
  };
  const applier = new StreamingApplier(new ChangeApplier(await session(), slot, route), async () => {
    const own = new ChangeApplier(await session(), slot, route);
    await own.prepare();
    return own;
  });
  await applier.prepare();
  const stream = new ChangeStream(await openReplication(resolveConnInfo(srcUri)), { slot, publication: 'p', from, highWater: 2000, protoVersion: streaming ? 2 : 1 });
  stream.start();
  let done = false;
  let markerSeen = false;
  let chunks = 0;
  const aborts = { whole: 0, sub: 0 };
  try {
    for await (const { message } of stream) {
      if (message.tag === 'stream-start') chunks++;
      if (message.tag === 'stream-abort') aborts[message.subXid === message.xid ? 'whole' : 'sub']++;
      if (message.tag === 'relation' && message.name === 'marker') markerSeen = true;
      const committed = await applier.apply(message);
      if (committed) {
        stream.confirm(committed.endLsn, true);
        if (markerSeen) {
          done = true;
          break;
        }
      }
      if (stopAfterRows !== undefined && applier.counts.rows >= stopAfterRows) break;
    }
  } finally {
    await applier.abort();
    await stream.close();
    for (const c of sessions) await c.end();
  }
  return { ...applier.counts, done, chunks, aborts };
}

/**
 * Large transactions as protocol 2 streams them (the source's logical_decoding_work_mem is 64 kB
 * in that database): subtransactions rolled back, released and nested, a transaction rolled back
 * whole, two that run at once and are streamed in turns, a TRUNCATE inside one, and one that
 * changes rows a transaction just before it changed. Returns how many of them commit.
 */
async function streamedWork(uri: string): Promise<number> {
  await execSql(uri, "UPDATE items SET n = 77 WHERE id = 1");
  await execSql(uri, `BEGIN;
    UPDATE items SET n = n + 1 WHERE id <= 50;
    INSERT INTO items SELECT i, NULL, 1 FROM generate_series(300000, 301999) i;
    SAVEPOINT a; INSERT INTO items SELECT i, NULL, 2 FROM generate_series(302000, 303999) i; ROLLBACK TO a;
    SAVEPOINT b; UPDATE items SET n = 3 WHERE id BETWEEN 300000 AND 300999; RELEASE b;
    SAVEPOINT c; DELETE FROM items WHERE id BETWEEN 301000 AND 301499;
      SAVEPOINT d; INSERT INTO items SELECT i, NULL, 4 FROM generate_series(304000, 305999) i; RELEASE d;
    ROLLBACK TO c;
    SAVEPOINT e; INSERT INTO items SELECT i, NULL, 5 FROM generate_series(306000, 307999) i;
      SAVEPOINT f; DELETE FROM items WHERE id BETWEEN 306000 AND 306499; ROLLBACK TO f;
    RELEASE e;
    INSERT INTO trunc_me (v) SELECT 'row ' || i FROM generate_series(1, 3000) i; TRUNCATE trunc_me RESTART IDENTITY; INSERT INTO trunc_me (v) VALUES ('after');
    COMMIT`);
  await execSql(uri, 'BEGIN; INSERT INTO items SELECT i, NULL, 6 FROM generate_series(310000, 314999) i; ROLLBACK');
  const [a, b] = [new pg.Client({ connectionString: uri }), new pg.Client({ connectionString: uri })];
  await Promise.all([a.connect(), b.connect()]);
  try {
    await a.query('BEGIN; INSERT INTO items SELECT i, NULL, 7 FROM generate_series(320000, 322999) i');
    await b.query('BEGIN; INSERT INTO items SELECT i, NULL, 8 FROM generate_series(330000, 332999) i');
    await a.query('INSERT INTO items SELECT i, NULL, 7 FROM generate_series(323000, 325999) i');
    await b.query('UPDATE items SET n = 88 WHERE id BETWEEN 330000 AND 330500; COMMIT');
    await a.query("UPDATE items SET big = 'a' WHERE id BETWEEN 320000 AND 320100; DELETE FROM items WHERE id BETWEEN 325000 AND 325999; COMMIT");
  } finally {
    await Promise.all([a.end(), b.end()]);
  }
  return 4;
}

async function setUp(major: Major, targetMajor: Major, label: string, streamed?: (uri: string) => Promise<number>) {
  const src = await freshDatabase(await server(major, 'src'), label);
  // the smallest value: a transaction of a few thousand rows is streamed before its commit
  if (streamed) await execSql(src.uri, `ALTER DATABASE ${src.name} SET logical_decoding_work_mem = '64kB'`);
  const dst = await freshDatabase(await server(targetMajor, 'dst'), label);
  await execSql(src.uri, SCHEMA + genTable(major) + SOURCE_ONLY + ROWS + ' CREATE PUBLICATION p FOR TABLE items, keyless, ident, ser, parted_low, parted_high, gen, trunc_me, marker, left_out, old_name;');
  // the target's tables as pgferry makes them from the source's
  await execSql(dst.uri, SCHEMA + genTable(major) + TARGET_ONLY + ROWS);
  const slot = `pgferry_test_apply_${label}_${process.pid}`;
  await execSql(src.uri, `SELECT pg_create_logical_replication_slot('${slot}', 'pgoutput')`);
  const commits = streamed ? await streamed(src.uri) : 0;
  for (const sql of workFor(major)) await execSql(src.uri, sql);
  return { src, dst, slot, commits };
}

async function expectEqual(srcUri: string, dstUri: string, floatDigits = 3): Promise<void> {
  const [s, d] = await Promise.all([tableDigests(srcUri, floatDigits), tableDigests(dstUri, floatDigits)]);
  for (const t of ['public.left_out', 'public.old_name', 'public.new_name', 'pgferry_state.stream_position']) {
    s.delete(t);
    d.delete(t);
  }
  assert.deepEqual(Object.fromEntries(d), Object.fromEntries(s));
  const c = new pg.Client({ connectionString: dstUri });
  await c.connect();
  try {
    assert.deepEqual((await c.query('SELECT id, y FROM new_name ORDER BY id')).rows, [{ id: 1, y: 'uno' }, { id: 2, y: 'two' }]);
    assert.equal((await c.query('SELECT count(*)::int AS n FROM left_out')).rows[0].n, 0);
  } finally {
    await c.end();
  }
}

describe('apply of streamed changes', () => {
  for (const [major, targetMajor] of [['15', '15'], ['10', '17']] as [Major, Major][]) {
    it(`${major} → ${targetMajor}: the target ends equal to the source`, async () => {
      const { src, dst, slot } = await setUp(major, targetMajor, `apply${major}`);
      try {
        const r = await applyFrom(src.uri, dst.uri, slot);
        assert.ok(r.done, JSON.stringify(r));
        assert.equal(r.transactions, WORK.length);
        await expectEqual(src.uri, dst.uri, major === '10' ? 0 : 3);
      } finally {
        await dropSlot(src.uri, slot);
      }
    });
  }

  for (const [major, targetMajor] of [['15', '15'], ['17', '18']] as [Major, Major][]) {
    it(`${major} → ${targetMajor}, protocol 2: large transactions applied while they stream, with their subtransactions' aborts, whole aborts and two at once`, async () => {
      const { src, dst, slot, commits } = await setUp(major, targetMajor, `applystream${major}`, streamedWork);
      try {
        const r = await applyFrom(src.uri, dst.uri, slot, undefined, true);
        assert.ok(r.done, JSON.stringify(r));
        assert.ok(r.chunks >= 10, `the source streamed ${r.chunks} chunks`);
        // the workload's rolled back subtransactions and transaction were streamed before they ended
        assert.ok(r.aborts.whole >= 1 && r.aborts.sub >= 2, JSON.stringify(r.aborts));
        assert.equal(r.transactions, WORK.length + commits);
        await expectEqual(src.uri, dst.uri);
      } finally {
        await dropSlot(src.uri, slot);
      }
    });
  }

  it('protocol 2, stopped inside a streamed transaction and started again: exact, nothing applied twice', async () => {
    const { src, dst, slot, commits } = await setUp('15', '15', 'applystreamrestart', streamedWork);
    try {
      // inside the 100,000-row transaction, after the streamed ones before it have committed
      const first = await applyFrom(src.uri, dst.uri, slot, 60_000, true);
      assert.equal(first.done, false);
      assert.ok(first.chunks > 0);
      const c = new pg.Client({ connectionString: dst.uri });
      await c.connect();
      assert.equal((await c.query('SELECT count(*)::int AS n FROM items WHERE id BETWEEN 200000 AND 299999')).rows[0].n, 0);
      await c.end();
      const second = await applyFrom(src.uri, dst.uri, slot, undefined, true);
      assert.ok(second.done);
      assert.equal(first.transactions + second.transactions, WORK.length + commits, 'no transaction applied twice');
      await expectEqual(src.uri, dst.uri);
    } finally {
      await dropSlot(src.uri, slot);
    }
  });

  it('stopped inside a large transaction and started again: exact, nothing applied twice', async () => {
    const { src, dst, slot } = await setUp('15', '15', 'applyrestart');
    try {
      const first = await applyFrom(src.uri, dst.uri, slot, 50_000);
      assert.equal(first.done, false);
      // the large transaction was rolled back: the transactions before it are on the target
      const c = new pg.Client({ connectionString: dst.uri });
      await c.connect();
      assert.equal((await c.query('SELECT count(*)::int AS n FROM items WHERE id >= 200000')).rows[0].n, 0);
      await c.end();
      const second = await applyFrom(src.uri, dst.uri, slot);
      assert.ok(second.done);
      assert.equal(first.transactions + second.transactions, WORK.length, 'no transaction applied twice');
      await expectEqual(src.uri, dst.uri);
    } finally {
      await dropSlot(src.uri, slot);
    }
  });
});
