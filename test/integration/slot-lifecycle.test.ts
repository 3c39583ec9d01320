/**
 * The source objects of an incremental migration can always be found and removed: the slot and
 * the publication are named after the task, listed with the WAL the slot holds, and dropped even
 * while a (killed run's) walsender still reads the slot. Sources 10 and 18.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import pg from 'pg';
import { resolveConnInfo } from '../../src/config/conninfo.js';
import { ChangeStream, createSlot, openReplication } from '../../src/cdc/replication-stream.js';
import { createPublication, dropStreamObjects, ownSlots, streamObjectName } from '../../src/cdc/slot-lifecycle.js';
import { execSql, freshDatabase, server, type Major } from '../harness/servers.js';

describe('slot and publication of a task', () => {
  it('names them after the task: pgferry_ and the id, 63 bytes at most', () => {
    assert.equal(streamObjectName('3F2504E0-4F89-11D3-9A0C-0305E82C3301'), 'pgferry_3f2504e04f8911d39a0c0305e82c3301');
    assert.ok(Buffer.byteLength(streamObjectName('x'.repeat(100))) <= 63);
  });

  for (const major of ['10', '18'] as Major[]) {
    it(`source ${major}: created, listed with the WAL held, dropped while a walsender still reads the slot`, async () => {
      const db = await freshDatabase(await server(major, 'src'), 'slotlife');
      await execSql(db.uri, 'CREATE SCHEMA "Odd ""S"""; CREATE TABLE "Odd ""S""".t (id int PRIMARY KEY); CREATE TABLE plain (id int PRIMARY KEY); CREATE TABLE keyless (v int); INSERT INTO keyless VALUES (1);');
      const name = streamObjectName(crypto.randomUUID());
      const admin = new pg.Client({ connectionString: db.uri });
      await admin.connect();
      const repl = await openReplication(resolveConnInfo(db.uri));
      try {
        await createPublication(admin, name, [{ schema: 'Odd "S"', name: 't' }, { schema: 'public', name: 'plain' }]);
        const published = await admin.query<{ t: string }>("SELECT schemaname || '.' || tablename AS t FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1", [name]);
        assert.deepEqual(published.rows.map((r) => r.t), ['Odd "S".t', 'public.plain']);
        // a table left out of the publication keeps taking updates without a key
        await execSql(db.uri, 'UPDATE keyless SET v = 2');
        const created = await createSlot(repl, name);
        const stream = new ChangeStream(repl, { slot: name, publication: name, from: created.consistentPoint });
        stream.start();
        await execSql(db.uri, 'INSERT INTO plain SELECT generate_series(1, 1000)');
        let listed: Awaited<ReturnType<typeof ownSlots>> = [];
        for (let i = 0; i < 50 && !listed.some((s) => s.active); i++) {
          listed = (await ownSlots(admin)).filter((s) => s.slot === name);
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(listed.length, 1);
        assert.equal(listed[0].active, true);
        assert.ok(listed[0].heldBytes >= 0);
        // the run is gone without a word: its walsender still holds the slot
        const dropped = await dropStreamObjects(admin, name);
        assert.deepEqual(dropped, { slot: true, publication: true });
        assert.equal((await ownSlots(admin)).filter((s) => s.slot === name).length, 0);
        assert.equal((await admin.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [name])).rowCount, 0);
        assert.deepEqual(await dropStreamObjects(admin, name), { slot: false, publication: false });
        await stream.close();
      } finally {
        await repl.end().catch(() => {});
        await dropStreamObjects(admin, name).catch(() => {});
        await admin.end();
      }
    });
  }
});
