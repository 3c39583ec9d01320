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
          if (m.tag === 'insert') inserted.push(Number(m.row[0].kind === 'text' ? m.row[0].data.toString() : NaN));
          if (m.tag === 'update') updated.push(m.row.map((v) => (v.kind === 'text' ? v.data.toString() : v.kind)).join(','));
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
        await waitFor('the walsender to let go of the slot', async () => {
          const r = await admin.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active', [slot]);
          return r.rowCount === 0 ? true : undefined;
        }, 5000).catch(() => {});
        await admin.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [slot]);
        await admin.end();
      }
    });
  }
});
