/**
 * The pgoutput decoder on what real servers send: every change kind an incremental migration must
 * apply (inserts, updates that leave a TOASTed value unchanged, key changes, REPLICA IDENTITY FULL
 * rows, deletes, TRUNCATE with its flags, logical messages), read through the SQL interface of a
 * slot on sources 10, 13, 15, 17 and 18, and a streamed transaction (protocol 2) on 15.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { PgoutputDecoder, UNCHANGED, type ColumnValue, type PgoutputMessage } from '../../src/cdc/pgoutput.js';
import { formatLsn, parseLsn } from '../../src/cdc/lsn.js';
import { execSql, freshDatabase, server, type Major } from '../harness/servers.js';

const text = (v: ColumnValue | undefined) => (v === UNCHANGED ? 'unchanged' : v === null ? 'null' : v);

/** The slot's pending changes, decoded (the slot is dropped afterwards). */
async function changes(uri: string, setup: string, work: string, options: string[] = ['proto_version', '1']): Promise<PgoutputMessage[]> {
  await execSql(uri, setup);
  const c = new pg.Client({ connectionString: uri });
  await c.connect();
  const slot = `pgferry_test_${process.pid}_${Date.now()}`;
  try {
    await c.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [slot]);
    await execSql(uri, work);
    const args = [...options, 'publication_names', 'p'];
    const placeholders = args.map((_, i) => `$${i + 2}`).join(', ');
    const r = await c.query<{ data: Buffer }>(`SELECT data FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL, ${placeholders})`, [slot, ...args]);
    const decoder = new PgoutputDecoder();
    return r.rows.map((row) => decoder.decode(row.data));
  } finally {
    await c.query('SELECT pg_drop_replication_slot($1)', [slot]).catch(() => {});
    await c.end();
  }
}

const SETUP = `
  CREATE TABLE items (id int PRIMARY KEY, big text, n int);
  ALTER TABLE items ALTER big SET STORAGE EXTERNAL;
  CREATE TABLE keyless (a int, b text);
  ALTER TABLE keyless REPLICA IDENTITY FULL;
  CREATE TABLE "Odd ""Name""" (id int PRIMARY KEY);
  CREATE PUBLICATION p FOR TABLE items, keyless, "Odd ""Name""";`;

const WORK = `
  INSERT INTO items VALUES (1, repeat('x', 5000), 1), (2, NULL, 2);
  UPDATE items SET n = 10 WHERE id = 1;
  UPDATE items SET id = 3 WHERE id = 2;
  INSERT INTO keyless VALUES (1, 'dup'), (1, 'dup');
  DELETE FROM keyless WHERE ctid = (SELECT min(ctid) FROM keyless);
  DELETE FROM items WHERE id = 3;
  INSERT INTO "Odd ""Name""" VALUES (7);
  TRUNCATE "Odd ""Name""" RESTART IDENTITY CASCADE;`;

describe('pgoutput decoder', () => {
  for (const major of ['10', '13', '15', '17', '18'] as Major[]) {
    it(`decodes every change kind a source ${major} sends`, async () => {
      const db = await freshDatabase(await server(major, 'src'), 'pgoutput');
      const msgs = await changes(db.uri, SETUP, WORK);
      const rel = new Map(msgs.filter((m) => m.tag === 'relation').map((m) => [m.relid, m]));
      const name = (relid: number) => {
        const r = rel.get(relid)!;
        return `${r.schema}.${r.name}`;
      };
      const flat = msgs
        .filter((m) => m.tag !== 'relation' && m.tag !== 'begin' && m.tag !== 'commit')
        .map((m) => {
          if (m.tag === 'insert') return `I ${name(m.relid)} ${m.row.map((v) => (text(v) ?? '').slice(0, 8)).join(',')}`;
          if (m.tag === 'update') return `U ${name(m.relid)} key=${m.key?.map(text).join(',') ?? '-'} old=${m.old ? 'yes' : '-'} ${m.row.map((v) => (text(v) ?? '').slice(0, 9)).join(',')}`;
          if (m.tag === 'delete') return `D ${name(m.relid)} ${m.key ? `key=${m.key.map(text).join(',')}` : `old=${m.old!.map(text).join(',')}`}`;
          if (m.tag === 'truncate') return `T ${m.relids.map(name).join(',')} cascade=${m.cascade} restart=${m.restartIdentity}`;
          return m.tag;
        });
      assert.deepEqual(flat, [
        'I public.items 1,xxxxxxxx,1', 'I public.items 2,null,2',
        // the TOASTed value did not change: it is not sent
        'U public.items key=- old=- 1,unchanged,10',
        // a changed key names the old one
        'U public.items key=2,null,null old=- 3,null,2',
        'I public.keyless 1,dup', 'I public.keyless 1,dup',
        'D public.keyless old=1,dup',
        'D public.items key=3,null,null',
        'I public.Odd "Name" 7',
        // TRUNCATE is decoded from 11 on: a source 10 does not send it
        ...(major === '10' ? [] : ['T public.Odd "Name" cascade=true restart=true']),
      ]);
      const items = [...rel.values()].find((r) => r.name === 'items')!;
      assert.deepEqual(items.columns.map((c) => [c.name, c.key, c.typeOid]), [['id', true, 23], ['big', false, 25], ['n', false, 23]]);
      assert.equal([...rel.values()].find((r) => r.name === 'keyless')!.replicaIdentity, 'f');
      const begins = msgs.filter((m) => m.tag === 'begin');
      const commits = msgs.filter((m) => m.tag === 'commit');
      // the work ran as one transaction: one begin, one commit, at the same position
      assert.equal(begins.length, 1);
      assert.equal(commits.length, 1);
      const [b, c] = [begins[0], commits[0]];
      assert.ok(b.tag === 'begin' && c.tag === 'commit' && b.finalLsn === c.commitLsn && c.endLsn > c.commitLsn);
      assert.equal(parseLsn(formatLsn(c.commitLsn)), c.commitLsn);
      // microseconds since 2000-01-01: after 2026-01-01
      assert.ok(c.commitTime > 820_454_400_000_000n, String(c.commitTime));
    });
  }

  it('decodes a streamed transaction (protocol 2): stream start, changes with their xid, stream stop, stream commit', async () => {
    const db = await freshDatabase(await server('15', 'src'), 'pgoutstream');
    await execSql(db.uri, 'ALTER SYSTEM SET logical_decoding_work_mem = 64');
    await execSql(db.uri, 'SELECT pg_reload_conf()');
    const msgs = await changes(
      db.uri,
      'CREATE TABLE t (id int PRIMARY KEY, v text); CREATE PUBLICATION p FOR TABLE t;',
      "INSERT INTO t SELECT i, repeat('v', 200) FROM generate_series(1, 5000) i;",
      ['proto_version', '2', 'streaming', 'on'],
    ).finally(async () => {
      await execSql(db.uri, 'ALTER SYSTEM RESET logical_decoding_work_mem');
      await execSql(db.uri, 'SELECT pg_reload_conf()');
    });
    const tags = new Set(msgs.map((m) => m.tag));
    assert.ok(tags.has('stream-start') && tags.has('stream-stop') && tags.has('stream-commit'), [...tags].join(','));
    const inserts = msgs.filter((m) => m.tag === 'insert');
    assert.equal(inserts.length, 5000);
    const commit = msgs.find((m) => m.tag === 'stream-commit')!;
    for (const m of inserts) assert.equal(m.tag === 'insert' && m.xid, commit.tag === 'stream-commit' && commit.xid);
  });
});
