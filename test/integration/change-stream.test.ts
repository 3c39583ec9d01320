/**
 * No gap, no overlap: a slot created with an exported snapshot, the snapshot imported by another
 * session (as the full copy will), then the stream from the slot's consistent point carries
 * exactly the changes the snapshot does not see; the position confirmed is the slot's
 * confirmed_flush_lsn on the source. Sources 10, 15 and 18.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { resolveConnInfo } from '../../src/config/conninfo.js';
import { ChangeStream, createSlot, openReplication } from '../../src/cdc/replication-stream.js';
import { parseLsn, type Lsn } from '../../src/cdc/lsn.js';
import { execSql, freshDatabase, server, type Major } from '../harness/servers.js';
import { waitFor } from '../harness/wait.js';
import { dropSlot } from '../harness/slots.js';

describe('change stream', () => {
  for (const major of ['10', '15', '18'] as Major[]) {
    it(`source ${major}: the snapshot and the stream meet exactly, and the confirmed position reaches the slot`, async () => {
      const db = await freshDatabase(await server(major, 'src'), 'stream');
      await execSql(db.uri, `CREATE TABLE t (id int PRIMARY KEY, v text);
        INSERT INTO t SELECT i, 'before' FROM generate_series(1, 100) i;
        CREATE PUBLICATION p FOR TABLE t;`);
      const slot = `pgferry_test_stream_${major}_${process.pid}`;
      const repl = await openReplication(resolveConnInfo(db.uri));
      const admin = new pg.Client({ connectionString: db.uri });
      await admin.connect();
      let stream: ChangeStream | undefined;
      try {
        const created = await createSlot(repl, slot);
        // the copy's session imports the snapshot while the replication session waits
        const reader = new pg.Client({ connectionString: db.uri });
        await reader.connect();
        await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
        await reader.query(`SET TRANSACTION SNAPSHOT '${created.snapshot}'`);
        await execSql(db.uri, "INSERT INTO t SELECT i, 'after' FROM generate_series(101, 150) i");
        await execSql(db.uri, "UPDATE t SET v = 'changed' WHERE id = 1");
        const seen = await reader.query<{ n: string; changed: string }>("SELECT count(*) AS n, count(*) FILTER (WHERE v <> 'before') AS changed FROM t");
        assert.deepEqual(seen.rows[0], { n: '100', changed: '0' }, 'the snapshot sees the rows before the slot only');
        await reader.query('COMMIT');
        await reader.end();

        stream = new ChangeStream(repl, { slot, publication: 'p', from: created.consistentPoint, statusIntervalMs: 200 });
        stream.start();
        const inserted: number[] = [];
        const updated: string[] = [];
        let lastCommit: Lsn = 0n;
        let commits = 0;
        for await (const { message: m } of stream) {
          if (m.tag === 'insert') inserted.push(Number(typeof m.row[0] === 'string' ? m.row[0] : NaN));
          if (m.tag === 'update') updated.push(m.row.map((v) => (typeof v === 'string' ? v : v === null ? 'null' : 'unchanged')).join(','));
          if (m.tag === 'commit') {
            lastCommit = m.endLsn;
            if (++commits === 2) break;
          }
        }
        assert.deepEqual(inserted, Array.from({ length: 50 }, (_, i) => 101 + i));
        assert.deepEqual(updated, ['1,changed']);
        stream.confirm(lastCommit, true);
        await waitFor('the slot to take the confirmed position', async () => {
          const r = await admin.query<{ lsn: string }>('SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1', [slot]);
          return parseLsn(r.rows[0].lsn) >= lastCommit ? true : undefined;
        }, 5000);
      } finally {
        await stream?.close();
        await repl.end().catch(() => {});
        await admin.end();
        await dropSlot(db.uri, slot);
      }
    });
  }

  it('a consumer that falls behind holds the stream: the messages waiting stay bounded while 200,000 rows go by', async () => {
    const db = await freshDatabase(await server('15', 'src'), 'streamhold');
    await execSql(db.uri, 'CREATE TABLE t (id int PRIMARY KEY, v text); CREATE PUBLICATION p FOR TABLE t;');
    const slot = `pgferry_test_hold_${process.pid}`;
    const repl = await openReplication(resolveConnInfo(db.uri));
    const stream = new ChangeStream(repl, { slot, publication: 'p', from: (await createSlot(repl, slot)).consistentPoint, highWater: 500 });
    try {
      await execSql(db.uri, "INSERT INTO t SELECT i, repeat('v', 100) FROM generate_series(1, 200000) i");
      stream.start();
      let rows = 0;
      let most = 0;
      for await (const { message } of stream) {
        most = Math.max(most, stream.buffered());
        if (message.tag === 'insert' && ++rows % 20_000 === 0) await new Promise((r) => setTimeout(r, 50));
        if (message.tag === 'commit') break;
      }
      assert.equal(rows, 200_000);
      // the socket pauses at 500; what one read of the socket already holds comes on top
      assert.ok(most < 500 + 2_000, `at most ${most} messages waited`);
    } finally {
      await stream.close();
      await dropSlot(db.uri, slot);
    }
  });
});
