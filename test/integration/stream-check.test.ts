/**
 * Ranges verified while streaming: the background check finds every key range of the streamed
 * tables equal and says so in the stream status; changes then touch a few ranges; the cutover's
 * check reads only those (and the tables without a key), takes the others from the ledger, and
 * finds a difference planted on the target inside a touched range. A difference planted in an
 * untouched range is not read by the check (it trusts what it found equal and nothing changed
 * since); the full verify after the switch finds it: that is what it is for.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConnInfo } from '../../src/config/conninfo.js';
import { runVerify } from '../../src/verify/run-verify.js';
import type { CutoverRequest } from '../../src/run/run-options.js';
import type { StreamStatus } from '../../src/run/events.js';
import { execSql, freshDatabase, server } from '../harness/servers.js';
import { incrementalRun } from '../harness/slots.js';

const SCHEMA = `
CREATE TABLE big (id int PRIMARY KEY, v text NOT NULL);
INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, 250000) g;
CREATE TABLE textkey (k text COLLATE "C" PRIMARY KEY, n int);
INSERT INTO textkey SELECT 'k' || lpad(g::text, 7, '0'), g FROM generate_series(1, 150000) g;
CREATE TABLE small (id int PRIMARY KEY, v text);
INSERT INTO small SELECT g, 'v' || g FROM generate_series(1, 1000) g;
CREATE TABLE nokey (a int, b text);
ALTER TABLE nokey REPLICA IDENTITY FULL;
INSERT INTO nokey SELECT g % 10, 'x' FROM generate_series(1, 1000) g;
CREATE TABLE quiet (id bigint PRIMARY KEY, t timestamptz DEFAULT now());
INSERT INTO quiet (id) SELECT g FROM generate_series(1, 120000) g;
CREATE TABLE comp (a int, b text COLLATE "C", v int, PRIMARY KEY (a, b));
INSERT INTO comp SELECT g / 3, 'b' || (g % 3), g FROM generate_series(1, 120000) g;
ANALYZE;`;

describe('ranges verified while streaming', () => {
  it('the cutover reads only what changed since the background check (15 → 17)', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'streamcheck');
    const dst = await freshDatabase(await server('17', 'dst'), 'streamcheck');
    await execSql(src.uri, SCHEMA);
    let cutover: CutoverRequest | null = null;
    let status: StreamStatus | undefined;
    const run = incrementalRun(src.uri, dst.uri, () => cutover, (e) => {
      if (e.type === 'stream') status = e;
    });
    let settled = false;
    void run.then(() => (settled = true), () => (settled = true));
    try {
      // big: 3 ranges, textkey, quiet and comp (a two-column key): 2, small and nokey: 1 each
      const deadline = Date.now() + 120_000;
      while (!settled && Date.now() < deadline && !(status?.rangesVerified && status.rangesVerified.total >= 11 && status.rangesVerified.clean === status.rangesVerified.total))
        await new Promise((r) => setTimeout(r, 200));
      if (settled) await run;
      assert.deepEqual(status?.rangesVerified, { clean: 11, total: 11 }, 'the background check found every range equal');

      // touched: big's first range (id 5), textkey's last (a new key), comp's first, small, nokey
      await execSql(src.uri, `UPDATE big SET v = 'changed' WHERE id = 5; INSERT INTO textkey VALUES ('zzz', 0);
        UPDATE comp SET v = -1 WHERE a = 1 AND b = 'b1'; DELETE FROM small WHERE id = 1; INSERT INTO nokey VALUES (1, 'y');`);
      // planted on the target: one row in the touched range of big, one in an untouched one
      await execSql(dst.uri, "UPDATE big SET v = 'planted' WHERE id IN (7, 200000)");
      cutover = { blockWrites: false, maxLagSeconds: 5 };
      const summary = await run;
      const check = summary.cutover?.check;
      assert.ok(check, 'the cutover ran its check');
      assert.equal(check.error, undefined);
      // at most the 5 touched ranges are read (the background check may have found some of them
      // equal again before the cutover; big's first one, with the planted row, it never can)
      assert.equal(check.rangesRead + check.rangesReused, 11);
      assert.ok(check.rangesRead >= 1 && check.rangesRead <= 5, `${check.rangesRead} ranges read`);
      assert.equal(check.ok, false);
      assert.equal(check.differences.length, 1, check.differences.join('\n'));
      assert.match(check.differences[0], /^public\.big: id < \d+: rows source=(\d+) target=\1, checksum/);

      // the full verify reads everything: both planted rows
      const full = await runVerify({ source: resolveConnInfo(src.uri), target: resolveConnInfo(dst.uri), jobs: 2, rowsPerRange: 100_000 });
      const big = full.tables.find((t) => t.table === 'public.big');
      assert.equal(big?.problems.length, 2, JSON.stringify(big));
      assert.ok(full.tables.filter((t) => t.table !== 'public.big').every((t) => t.ok), JSON.stringify(full.tables.filter((t) => !t.ok)));
    } finally {
      await run.catch(() => undefined);
      await execSql(src.uri, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = current_database() AND slot_name LIKE 'pgferry%' AND NOT active").catch(() => undefined);
    }
  });
});
