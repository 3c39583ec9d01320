/**
 * Verify compares each range by its row count, bytes and a hash: a keyed table's parts stream in
 * key order and are hashed whole, an unkeyed table's rows are hashed one by one and summed, and a
 * large range or table is read in parts on several lanes. What a sorted checksum caught, these
 * catch too: a duplicated row in place of another (a plain XOR would cancel the pair), rows
 * swapped between two ranges, a missing or an extra row in a table summed by runs of pages; and
 * the same rows in another physical order still pass, between servers that split tables by pages
 * (14 and later) and servers that do not, and between servers that order a key differently.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { execSql, freshDatabase, server, type Major } from '../harness/servers.js';
import { resolveConnInfo } from '../../src/config/conninfo.js';
import { runVerify, type VerifyReport } from '../../src/verify/run-verify.js';

// tiny parts, so a few thousand rows make many of them
const TINY = { rows: 2, pages: 2, maxPageParts: 64, exactBoundsRows: 1_000_000 };

async function pair(from: Major, to: Major, label: string): Promise<{ src: string; dst: string }> {
  const src = await freshDatabase(await server(from, 'src'), label);
  const dst = await freshDatabase(await server(to, 'dst'), label);
  return { src: src.uri, dst: dst.uri };
}

const verify = (src: string, dst: string, rowsPerRange = 1_000_000) =>
  runVerify({ source: resolveConnInfo(src), target: resolveConnInfo(dst), jobs: 2, rowsPerRange, partSize: TINY });

const problems = (r: VerifyReport, table: string) => r.tables.find((t) => t.table === table)!.problems;
const hideSums = (p: string) => p.replace(/checksum source=[0-9a-f]{12} target=[0-9a-f]{12}/, 'checksum …');

// an unkeyed table of 3000 rows (pairs of equal rows, as a log would have) over many pages, and a keyed one
const TABLES = `
  CREATE TABLE log (at int, kind text, detail text, score float8);
  CREATE TABLE item (id int PRIMARY KEY, v text, w float4);`;
const LOG_ROWS = (order: 'ASC' | 'DESC') =>
  `INSERT INTO log SELECT i / 2, 'k' || ((i / 2) % 7), repeat(md5((i / 2)::text), 4), (i / 2) / 3.0 FROM generate_series(1, 3000) i ORDER BY i ${order};`;
const ITEM_ROWS = (order: 'ASC' | 'DESC') => `INSERT INTO item SELECT i, 'v' || i, i / 7.0 FROM generate_series(1, 10) i ORDER BY i ${order};`;

// source and target majors: page parts on neither side, on one side only (so not used), on both
const PAIRS: [Major, Major][] = [['10', '17'], ['13', '18'], ['17', '18'], ['15', '15']];

describe('verify sums instead of sorting', () => {
  for (const [from, to] of PAIRS) {
    it(`the same rows in another physical order pass, and every change is caught (${from} → ${to})`, async () => {
      const { src, dst } = await pair(from, to, `vs_${from}_${to}`);
      await execSql(src, `${TABLES} ${LOG_ROWS('ASC')} ${ITEM_ROWS('ASC')}`);
      // the target's rows go in backwards, then one in five is rewritten in place (to new pages)
      await execSql(dst, `${TABLES} ${LOG_ROWS('DESC')} ${ITEM_ROWS('DESC')} UPDATE log SET at = at WHERE at % 5 = 0; UPDATE item SET v = v WHERE id % 3 = 0;`);
      const same = await verify(src, dst, 5);
      assert.ok(same.ok, JSON.stringify(same.tables.filter((t) => !t.ok)));
      assert.deepEqual(same.tables.map((t) => [t.table, t.sourceRows, t.targetRows, t.ranges]), [['public.item', 10, 10, 3], ['public.log', 3000, 3000, 1]]);

      // a duplicated row in place of another (A,A against A,B): same count, other content
      await execSql(dst, "UPDATE log SET at = 7, kind = 'k0', detail = repeat(md5('7'), 4), score = 7 / 3.0 WHERE ctid = (SELECT min(ctid) FROM log WHERE at = 8)");
      assert.equal((await execSql(dst, 'SELECT count(*)::int AS n FROM log WHERE at = 7')).rows[0].n, 3);
      const dup = await verify(src, dst, 5);
      assert.equal(dup.ok, false);
      assert.deepEqual(problems(dup, 'public.log').map(hideSums), ['all rows: rows source=3000 target=3000, checksum … (same count, different content)']);
      await execSql(dst, "UPDATE log SET at = 8, kind = 'k1', detail = repeat(md5('8'), 4), score = 8 / 3.0 WHERE ctid = (SELECT max(ctid) FROM log WHERE at = 7)");
      assert.ok((await verify(src, dst, 5)).ok, 'put back, the rows are the same again');

      // a missing row and an extra row: the counts say so
      await execSql(dst, 'DELETE FROM log WHERE ctid = (SELECT max(ctid) FROM log WHERE at = 1000)');
      assert.deepEqual(problems(await verify(src, dst, 5), 'public.log'), ['all rows: rows source=3000 target=2999']);
      await execSql(dst, "INSERT INTO log VALUES (1000, 'k' || (1000 % 7), repeat(md5('1000'), 4), 1000 / 3.0), (1000, 'k0', 'extra', 0)");
      assert.deepEqual(problems(await verify(src, dst, 5), 'public.log'), ['all rows: rows source=3000 target=3001']);
      await execSql(dst, "DELETE FROM log WHERE detail = 'extra'");

      // values swapped between two key ranges: the table holds the same values, each range other rows
      await execSql(dst, "UPDATE item SET v = CASE id WHEN 2 THEN 'v9' ELSE 'v2' END WHERE id IN (2, 9)");
      const swapped = await verify(src, dst, 5);
      assert.deepEqual(problems(swapped, 'public.item').map(hideSums), [
        'id < 6: rows source=5 target=5, checksum … (same count, different content)',
        'id >= 6 and id < 10: rows source=4 target=4, checksum … (same count, different content)',
      ]);
      assert.equal(problems(swapped, 'public.log').length, 0);
    });
  }

  it('a keyed table within one range is one range however many parts it is read in, and rows exchanged between two ranges are caught', async () => {
    const { src, dst } = await pair('17', '17', 'vs_whole');
    // a key that sorts alike everywhere (in byte order) is split into ranges
    const table = 'CREATE TABLE t (a int, b text COLLATE "C", PRIMARY KEY (a, b));';
    await execSql(src, `${table} INSERT INTO t SELECT i % 50, md5(i::text) FROM generate_series(1, 2000) i`);
    await execSql(dst, `${table} INSERT INTO t SELECT i % 50, md5(i::text) FROM generate_series(2000, 1, -1) i`);
    await execSql(src, 'ANALYZE t');
    const whole = await verify(src, dst);
    assert.ok(whole.ok);
    assert.equal(whole.tables[0].ranges, 1);
    // a row of each of two ranges moved to the other range's key: each range holds another row
    await execSql(dst, "UPDATE t SET a = CASE a WHEN 1 THEN 40 ELSE 1 END WHERE (a, b) IN ((1, md5('1')), (40, md5('1990')))");
    const r = await verify(src, dst, 1000);
    assert.equal(r.tables[0].ranges, 3);
    const [first, second, ...rest] = r.tables[0].problems.map(hideSums);
    assert.match(first, /^\(a, b\) < \(24, [0-9a-f]{32}\): rows source=999 target=999, checksum … \(same count, different content\)$/);
    assert.match(second, /^\(a, b\) >= \(24, [0-9a-f]{32}\) and \(a, b\) < \(49, [0-9a-f]{32}\): rows source=1000 target=1000, checksum … \(same count, different content\)$/);
    assert.deepEqual(rest, []);
  });

  it('a text key under a linguistic collation is read row by row, not in key ranges: the servers may order it differently', async () => {
    const { src, dst } = await pair('17', '17', 'vs_collation');
    // byte order on the source ('B' < 'a'), ICU's root order on the target ('a' < 'B')
    await execSql(src, 'CREATE TABLE k (name text COLLATE "C" PRIMARY KEY, n int)');
    await execSql(dst, 'CREATE TABLE k (name text COLLATE "und-x-icu" PRIMARY KEY, n int)');
    const rows = "INSERT INTO k SELECT CASE WHEN i % 2 = 0 THEN lower(chr(ascii('A') + i % 26)) ELSE chr(ascii('A') + i % 26) END || i, i FROM generate_series(1, 400) i";
    await execSql(src, `${rows}; ANALYZE k`);
    await execSql(dst, rows);
    const order = async (uri: string) => (await execSql(uri, 'SELECT string_agg(name, \',\' ORDER BY name) AS o FROM k')).rows[0].o;
    assert.notEqual(await order(src), await order(dst), 'the servers order the key differently');
    const same = await verify(src, dst);
    assert.ok(same.ok, JSON.stringify(same.tables));
    assert.deepEqual(same.tables.map((t) => [t.sourceRows, t.targetRows, t.ranges]), [[400, 400, 1]]);
    await execSql(dst, "UPDATE k SET n = 0 WHERE name = 'B1'");
    const changed = await verify(src, dst);
    assert.deepEqual(problems(changed, 'public.k').map(hideSums), ['all rows: rows source=400 target=400, checksum … (same count, different content)']);
  });

  it('rows of megabytes, each read over many socket reads, hash alike in any order and a one-byte change is caught', async () => {
    const { src, dst } = await pair('15', '17', 'vs_big_rows');
    const rows = (order: 'ASC' | 'DESC') =>
      `CREATE TABLE b (n int, v text, w bytea); INSERT INTO b SELECT i, repeat(md5(i::text), 1 + (i % 5) * 40000), decode(repeat(md5(i::text), 2000), 'hex') FROM generate_series(1, 24) i ORDER BY i ${order};
       CREATE TABLE k (id int PRIMARY KEY, v text); INSERT INTO k SELECT i, repeat(md5(i::text), 1 + (i % 5) * 40000) FROM generate_series(1, 24) i ORDER BY i ${order};`;
    await execSql(src, rows('ASC'));
    await execSql(dst, rows('DESC'));
    const same = await verify(src, dst);
    assert.ok(same.ok, JSON.stringify(same.tables.filter((t) => !t.ok)));
    await execSql(dst, "UPDATE b SET v = overlay(v placing 'x' from 1000000) WHERE n = 24; UPDATE k SET v = overlay(v placing 'x' from 1000000) WHERE id = 24");
    const changed = await verify(src, dst);
    assert.deepEqual(changed.tables.map((t) => [t.table, t.problems.map(hideSums)]), [
      ['public.b', ['all rows: rows source=24 target=24, checksum … (same count, different content)']],
      ['public.k', ['all rows: rows source=24 target=24, checksum … (same count, different content)']],
    ]);
  });

  it('a primary key that INCLUDEs a column of a type with no ordering is split and ordered by its key columns only', async () => {
    const { src, dst } = await pair('15', '18', 'vs_include');
    const table = (order: 'ASC' | 'DESC') =>
      `CREATE TABLE t (id int, b box, PRIMARY KEY (id) INCLUDE (b)); INSERT INTO t SELECT i, box(point(i, i), point(0, 0)) FROM generate_series(1, 50) i ORDER BY i ${order}; ANALYZE t;`;
    await execSql(src, table('ASC'));
    await execSql(dst, table('DESC'));
    const same = await verify(src, dst, 20);
    assert.ok(same.ok, JSON.stringify(same.tables));
    assert.equal(same.tables[0].ranges, 3);
    await execSql(dst, 'UPDATE t SET b = box(point(1, 1), point(0, 0)) WHERE id = 45');
    assert.deepEqual(problems(await verify(src, dst, 20), 'public.t').map(hideSums), ['id >= 40: rows source=11 target=11, checksum … (same count, different content)']);
  });

  it('a keyed table above the exact-bounds size is cut at sampled key values: ranges of about the asked size, a change named by its range', async () => {
    const { src, dst } = await pair('17', '18', 'vs_sampled');
    const table = (order: 'ASC' | 'DESC') =>
      `CREATE TABLE s (id bigint PRIMARY KEY, v text); INSERT INTO s SELECT i * 3, md5(i::text) FROM generate_series(1, 20000) i ORDER BY i ${order}; ANALYZE s;`;
    await execSql(src, table('ASC'));
    await execSql(dst, table('DESC'));
    const sampled = (rowsPerRange: number) =>
      runVerify({ source: resolveConnInfo(src), target: resolveConnInfo(dst), jobs: 2, rowsPerRange, partSize: { rows: 1_000, pages: 2, maxPageParts: 64, exactBoundsRows: 5_000 } });
    const same = await sampled(5_000);
    assert.ok(same.ok, JSON.stringify(same.tables));
    assert.deepEqual([same.tables[0].sourceRows, same.tables[0].targetRows], [20_000, 20_000]);
    assert.ok(same.tables[0].ranges >= 3 && same.tables[0].ranges <= 5, `about 4 ranges, got ${same.tables[0].ranges}`);
    await execSql(dst, "UPDATE s SET v = 'changed' WHERE id = 30000");
    const changed = await sampled(5_000);
    const [only, ...rest] = problems(changed, 'public.s').map(hideSums);
    assert.match(only, /^id >= \d+ and id < \d+: rows source=\d+ target=\d+, checksum … \(same count, different content\)$/);
    const [, from, to] = /id >= (\d+) and id < (\d+)/.exec(only)!.map(Number);
    assert.ok(from <= 30_000 && 30_000 < to, only);
    assert.deepEqual(rest, []);
  });

  it('a regclass or regtype column compares by the names it stands for, not by the OIDs that differ between the servers', async () => {
    const { src, dst } = await pair('15', '17', 'vs_reg');
    // OIDs taken on the target only, so that the same names get other OIDs there
    await execSql(dst, 'CREATE TABLE pad_the_oids (); CREATE TYPE pad_type AS (x int); DROP TABLE pad_the_oids; DROP TYPE pad_type');
    const table = `CREATE TABLE other (); CREATE TYPE mood AS ENUM ('ok');
      CREATE TABLE r (id int PRIMARY KEY, c regclass, t regtype, cs regclass[]); INSERT INTO r VALUES (1, 'other', 'mood', ARRAY['other'::regclass, 'r'::regclass]);`;
    await execSql(src, table);
    await execSql(dst, table);
    const oid = async (uri: string) => (await execSql(uri, "SELECT 'other'::regclass::oid::int8 AS o")).rows[0].o;
    assert.notEqual(await oid(src), await oid(dst), 'the OIDs differ');
    const same = await verify(src, dst);
    assert.ok(same.ok, JSON.stringify(same.tables));
    await execSql(dst, "UPDATE r SET c = 'r'");
    assert.equal((await verify(src, dst)).ok, false);
  });
});
