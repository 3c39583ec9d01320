/**
 * An incremental task that streams through three lanes (--stream-lanes 3): three slots, copies of
 * one, each with a publication of its share of the tables; a writer works on the source the whole
 * time (some of its transactions write tables of two lanes), the task's process is killed with
 * SIGKILL while it copies and while it streams, and resumed each time; then the cutover. The
 * target equals the source table by table (an independent digest), the sequences are equal, and
 * no slot or publication is left. A source older than 12 cannot copy a slot: the precheck says
 * the run streams through one lane.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { processAlive } from '../../src/task/process-identity.js';
import { streamObjectName } from '../../src/cdc/slot-lifecycle.js';
import { runCli, type CliResult } from '../harness/cli.js';
import { changeSchema, startWriter, dropLeftSlots, leftStreamObjects } from '../harness/change-writer.js';
import { sequenceStates, tableDigests } from '../harness/data-oracle.js';
import { taskPoller } from '../harness/task-poll.js';
import { execSql, freshDatabase, server } from '../harness/servers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-lanes-'));
const storeFile = path.join(dir, 'tasks.db');
const env = { PGFERRY_STORE: storeFile, PGFERRY_KEY_FILE: path.join(dir, 'secret.key'), PGPASSWORD: '' };
const cli = (args: string[]): Promise<CliResult> => runCli(args, env);
const ok = (r: CliResult) => assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const { task, until } = taskPoller(storeFile);

const created = (r: CliResult) => JSON.parse(r.stdout.trim().split('\n').pop()!).id as string;

describe('incremental task through several lanes', () => {
  it('three lanes, killed and resumed while copying and streaming: exact after cutover', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'lanes');
    const dst = await freshDatabase(await server('15', 'dst'), 'lanes');
    await execSql(src.uri, changeSchema(200_000));
    // linked by a foreign key: one lane (a TRUNCATE ... CASCADE must reach the target as one statement)
    await execSql(src.uri, 'CREATE TABLE fk_parent (id int PRIMARY KEY); CREATE TABLE fk_child (id int PRIMARY KEY, p int REFERENCES fk_parent); INSERT INTO fk_parent VALUES (1); INSERT INTO fk_child VALUES (1, 1)');
    const writer = startWriter(src.uri, '15', 50_000);
    try {
      const made = await cli(['task', 'create', '--source', src.uri, '--target', dst.uri, '--incremental', '--stream-lanes', '3', '--jobs', '2', '--json']);
      ok(made);
      const id = created(made);
      const pre = await cli(['task', 'precheck', id, '--json']);
      ok(pre);
      assert.match(pre.stdout, /3 slots and 3 WAL senders/);
      // the precheck shows the lanes the run would make: three, the tables a foreign key links in one
      const slotsItem = JSON.parse(pre.stdout.trim().split('\n').pop()!).items.find((i: { id: string }) => i.id === 'replication-slots');
      assert.equal(slotsItem.objects.length, 3, JSON.stringify(slotsItem));
      assert.ok(slotsItem.objects.some((l: string) => /fk_child/.test(l) && /fk_parent/.test(l)), JSON.stringify(slotsItem.objects));
      const kills: string[] = [];
      for (let trial = 0; trial < 5; trial++) {
        ok(await cli(['task', trial === 0 ? 'start' : 'resume', id]));
        const running = await until(id, 'running', (t) => t.state === 'running' && t.pid !== null);
        if (trial > 0) await until(id, 'streaming', (t) => t.phase === 'stream');
        if (trial === 2) writer.big();
        const wait = trial === 0 ? 700 : 400 + trial * 500;
        await sleep(wait);
        kills.push(`${trial}: ${(await task(id)).phase} +${wait} ms`);
        process.kill(running.pid!, 'SIGKILL');
        while (processAlive(running.pid, running.pidStart)) await sleep(50);
      }
      ok(await cli(['task', 'resume', id]));
      const streaming = await until(id, 'streaming', (t) => t.phase === 'stream');
      // three slots, lane 0 named after the run, each publication a share: together every streamed table, none twice
      const base = streamObjectName(streaming.runId!);
      const slots = await execSql(src.uri, "SELECT slot_name AS s FROM pg_replication_slots WHERE database = current_database() AND slot_name LIKE 'pgferry%' ORDER BY 1");
      assert.deepEqual(slots.rows.map((r) => r.s), [base, `${base}_2`, `${base}_3`]);
      const pubs = await execSql(src.uri, "SELECT pubname AS p, tablename AS t FROM pg_publication_tables WHERE pubname LIKE 'pgferry%' ORDER BY 2");
      const tables = pubs.rows.map((r) => String(r.t));
      assert.equal(new Set(tables).size, tables.length, `a table in two lanes: ${JSON.stringify(pubs.rows)}`);
      assert.deepEqual(tables, ['bulk', 'fk_child', 'fk_parent', 'ident', 'items', 'keyless', 'parted_high', 'parted_low', 'ser', 'trunc_me']);
      assert.equal(new Set(pubs.rows.map((r) => r.p)).size, 3);
      // `slots` knows each lane's slot as the task's
      const listed = await cli(['slots', '--source', src.uri, '--json']);
      ok(listed);
      const own = (JSON.parse(listed.stdout.trim().split('\n').pop()!).slots as { slot: string; task: { id: string } | null }[]).filter((x) => x.slot.startsWith(base));
      assert.deepEqual(own.map((x) => x.task?.id), [id, id, id]);
      const laneOf = (t: string) => pubs.rows.find((r) => r.t === t)!.p;
      assert.equal(laneOf('fk_child'), laneOf('fk_parent'), 'tables a foreign key links share a lane');
      await execSql(src.uri, 'INSERT INTO fk_parent SELECT g FROM generate_series(2, 100) g; INSERT INTO fk_child SELECT g, g FROM generate_series(2, 100) g');
      await execSql(src.uri, 'TRUNCATE fk_parent CASCADE');
      await execSql(src.uri, 'INSERT INTO fk_parent VALUES (7); INSERT INTO fk_child VALUES (7, 7)');
      const steps = await writer.stop();
      assert.ok(steps > 100, `the writer made ${steps} steps`);
      // a transaction across lanes, last: each lane brings its part
      await execSql(src.uri, "BEGIN; INSERT INTO items VALUES (-1, 'last', -1); INSERT INTO ser (v) VALUES ('last'); INSERT INTO parted VALUES (1, 'last-low'), (3000000, 'last-high') ON CONFLICT DO NOTHING; UPDATE bulk SET pad = 'last' WHERE id = 1; COMMIT");
      const cut = await cli(['task', 'cutover', id, '--wait', '--max-lag', '5', '--json']);
      ok(cut);
      const done = await task(id);
      assert.equal(done.state, 'completed', `${done.error}; kills at ${kills.join(', ')}`);
      const [s, d] = await Promise.all([tableDigests(src.uri), tableDigests(dst.uri)]);
      assert.deepEqual(Object.fromEntries(d), Object.fromEntries(s), `kills at ${kills.join(', ')}`);
      assert.deepEqual(Object.fromEntries(await sequenceStates(dst.uri)), Object.fromEntries(await sequenceStates(src.uri)));
      assert.deepEqual(await leftStreamObjects(src.uri), []);
      const positions = await execSql(dst.uri, "SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'pgferry_state'");
      assert.equal(positions.rows[0].n, 0, 'the run left its positions on the target');
    } finally {
      await writer.stop().catch(() => 0);
      await dropLeftSlots(src.uri);
    }
  });

  it('a source before 12 cannot copy a slot: the precheck warns that the run streams through one lane', async () => {
    const src = await freshDatabase(await server('10', 'src'), 'lanes10');
    const dst = await freshDatabase(await server('15', 'dst'), 'lanes10');
    await execSql(src.uri, 'CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (id int PRIMARY KEY)');
    const made = await cli(['task', 'create', '--source', src.uri, '--target', dst.uri, '--incremental', '--stream-lanes', '2', '--json']);
    ok(made);
    const pre = await cli(['task', 'precheck', created(made), '--json']);
    const item = JSON.parse(pre.stdout.trim().split('\n').pop()!).items?.find((i: { id: string }) => i.id === 'replication-slots');
    assert.ok(item, pre.stdout);
    assert.equal(item.status, 'warn');
    assert.match(item.detail, /older than PostgreSQL 12, which cannot copy a slot/);
  });
});
