/**
 * The task, CLI and API plumbing of incremental migration, against real servers (no engine run:
 * the test makes the slot, publication and stream position a run would leave, and plays the
 * running process with its own pid): `task cutover` refused for tasks it cannot apply to and
 * taken by a streaming one, `task status` of a streaming and of a stopped task, the API's
 * cutover route (400, 409, 202) in the OpenAPI document, release dropping the run's objects on
 * both sides (never the owner's publication), release with the source unreachable keeping the
 * task, and `pgferry slots` listing and dropping an orphan.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { resolveConnInfo } from '../../src/config/conninfo.js';
import { createSlot, openReplication } from '../../src/cdc/replication-stream.js';
import { createPublication, streamObjectName } from '../../src/cdc/slot-lifecycle.js';
import { ensureUnitMarks, markUnitDone } from '../../src/run/unit-marks.js';
import { processStart } from '../../src/task/process-identity.js';
import type { TaskStore } from '../../src/task/task-store.js';
import { openStore } from '../../src/task/open-store.js';
import { runCli, type CliResult } from '../harness/cli.js';
import { startApi, type TestApi } from '../harness/api-server.js';
import { dropSlot } from '../harness/slots.js';
import { execSql, freshDatabase, server } from '../harness/servers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-incremental-tasks-'));
const storeFile = path.join(dir, 'tasks.db');
const env = { PGFERRY_STORE: storeFile, PGFERRY_KEY_FILE: path.join(dir, 'secret.key'), PGPASSWORD: '' };
const cli = (args: string[]): Promise<CliResult> => runCli(args, env);
const lastJson = (r: CliResult) => JSON.parse(r.stdout.trim().split('\n').pop()!);
/** Slots this file made, dropped at the end whatever happened. */
const made: { uri: string; slot: string }[] = [];

const STATUS = {
  sourceLsn: '0/5000200', appliedLsn: '0/5000100', lagBytes: 256, lagSeconds: 2.5, transactions: 40, rows: 120,
  transactionsPerSecond: 4, rowsPerSecond: 12.5, slotHeldBytes: 3 * 1024 * 1024,
};

/** A source and a target database, with two tables on the source. */
async function pair(label: string) {
  const src = await freshDatabase(await server('15', 'src'), label);
  await execSql(src.uri, 'CREATE TABLE t (id int PRIMARY KEY, v text); CREATE TABLE "Odd ""T""" (id int PRIMARY KEY)');
  const dst = await freshDatabase(await server('15', 'dst'), label);
  return { source: src.uri, target: dst.uri };
}

/** A task made through the CLI (incremental unless told), its ID. */
async function createTask(conn: { source: string; target: string }, extra: string[] = ['--incremental']): Promise<string> {
  const r = await cli(['task', 'create', '--source', conn.source, '--target', conn.target, ...extra, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return lastJson(r).id as string;
}

/** What a run of the task would have made on the source: its slot (and, unless the owner brings one, its publication). */
async function makeStreamObjects(sourceUri: string, name: string, publication = true): Promise<void> {
  const repl = await openReplication(resolveConnInfo(sourceUri));
  try {
    await createSlot(repl, name);
    made.push({ uri: sourceUri, slot: name });
  } finally {
    await repl.end();
  }
  if (!publication) return;
  const c = new pg.Client({ connectionString: sourceUri });
  await c.connect();
  try {
    await createPublication(c, name, [{ schema: 'public', name: 't' }, { schema: 'public', name: 'Odd "T"' }]);
  } finally {
    await c.end();
  }
}

/** Plays the run: the task marked running in this (live) process, in `phase`. */
async function playRunning(id: string, phase: string, extra: Parameters<TaskStore['update']>[1] = {}): Promise<void> {
  const store = await openStore(storeFile);
  try {
    await store.update(id, { state: 'running', phase, pid: process.pid, pidStart: processStart(process.pid), startedAt: new Date().toISOString(), ...extra });
  } finally {
    await store.close();
  }
}

async function setTask(id: string, u: Parameters<TaskStore['update']>[1]): Promise<void> {
  const store = await openStore(storeFile);
  try {
    await store.update(id, u);
  } finally {
    await store.close();
  }
}

const slotExists = async (uri: string, slot: string) => (await execSql(uri, 'SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [slot])).rowCount === 1;
const publicationExists = async (uri: string, name: string) => (await execSql(uri, 'SELECT 1 FROM pg_publication WHERE pubname = $1', [name])).rowCount === 1;

describe('incremental tasks: cutover, status, release and slots', () => {
  after(async () => {
    for (const m of made) await dropSlot(m.uri, m.slot).catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('task cutover is refused for a task that is not running and for one that is not incremental, and taken by a streaming one', async () => {
    const conn = await pair('inc_cutover');
    const incremental = await createTask(conn);
    const notRunning = await cli(['task', 'cutover', incremental, '--block-writes']);
    assert.equal(notRunning.code, 2, notRunning.stderr);
    assert.match(notRunning.stderr, /PGFERRY_E_TASK_STATE: .*is created, not running: there is nothing to cut over/);
    assert.match(notRunning.stderr, /fix: pgferry task status/);

    const plain = await createTask(conn, []);
    await playRunning(plain, 'data');
    const notIncremental = await cli(['task', 'cutover', plain, '--json']);
    assert.equal(notIncremental.code, 2, notIncremental.stderr);
    assert.match(notIncremental.stderr, /is not incremental: it has no stream to cut over/);
    assert.equal(lastJson(notIncremental).code, 'PGFERRY_E_TASK_STATE');

    const badLag = await cli(['task', 'cutover', incremental, '--max-lag', 'soon']);
    assert.equal(badLag.code, 2);
    assert.match(badLag.stderr, /must be a number of seconds/);

    // the run streams: status shows where, and the request lands in the store
    await playRunning(incremental, 'stream', { streamStatus: STATUS, progress: 1 });
    const status = await cli(['task', 'status', incremental]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /: streaming, 100%/);
    assert.match(status.stdout, /stream: 256 B and 2\.5 s behind; applied 0\/5000100 of source 0\/5000200; 4\.0 transactions\/s, 12\.5 rows\/s/);
    assert.match(status.stdout, /slot: holds 3\.0 MB of WAL on the source/);
    const asked = await cli(['task', 'cutover', incremental, '--block-writes', '--max-lag', '3', '--json']);
    assert.equal(asked.code, 0, asked.stderr);
    assert.deepEqual(lastJson(asked).cutoverRequest, { blockWrites: true, maxLagSeconds: 3 });
    const json = lastJson(await cli(['task', 'status', incremental, '--json']));
    assert.deepEqual([json.state, json.incremental, json.streamStatus, json.cutoverRequest], ['streaming', true, STATUS, { blockWrites: true, maxLagSeconds: 3 }]);
    const show = await cli(['task', 'show', incremental]);
    assert.match(show.stdout, /migration: full data migration \(schema and data\), then incremental until a cutover \(pgferry's own publication\)/);
    assert.match(show.stdout, /cutover\s+cutover requested, blocking writes on the source, once at most 3 s behind/);

    // stopped with its slot: status warns that the slot keeps WAL
    const runId = crypto.randomUUID();
    await setTask(incremental, { state: 'stopped', pid: null, pidStart: null, runId });
    const stopped = await cli(['task', 'status', incremental]);
    assert.equal(stopped.code, 9, stopped.stderr);
    assert.match(stopped.stdout, new RegExp(`WARNING: replication slot ${streamObjectName(runId)} keeps WAL on the source until pgferry task resume .* or pgferry task release .*it held 3\\.0 MB at the last report`));
  });

  it('POST /api/tasks/:id/cutover: 400 for a bad body, 409 when not running, 202 with the request; listed in the OpenAPI document', async () => {
    const conn = await pair('inc_api');
    const api: TestApi = await startApi({ store: await openStore(path.join(dir, 'api.db')) });
    try {
      const created = await api.call('POST', '/api/tasks', { source: conn.source, target: conn.target, incremental: true });
      assert.equal(created.status, 201, created.text);
      assert.deepEqual([created.json.incremental, created.json.streamStatus, created.json.cutoverRequest], [true, null, null]);
      const id = created.json.id as string;
      const bad = await api.call('POST', `/api/tasks/${id}/cutover`, { blockWrites: 'yes', maxLagSeconds: -1 });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.error.code, 'PGFERRY_E_USAGE');
      assert.deepEqual(bad.json.error.fields.map((f: { field: string }) => f.field).sort(), ['blockWrites', 'maxLagSeconds']);
      const extra = await api.call('POST', `/api/tasks/${id}/cutover`, { blockWrites: true, now: true });
      assert.equal(extra.status, 400);
      const idle = await api.call('POST', `/api/tasks/${id}/cutover`, { blockWrites: true });
      assert.equal(idle.status, 409);
      assert.equal(idle.json.error.code, 'PGFERRY_E_TASK_STATE');
      assert.match(idle.json.error.message, /not running/);
      await api.store.update(id, { state: 'running', phase: 'stream', pid: process.pid, pidStart: processStart(process.pid), streamStatus: STATUS });
      const taken = await api.call('POST', `/api/tasks/${id}/cutover`, { maxLagSeconds: 5 });
      assert.equal(taken.status, 202, taken.text);
      assert.deepEqual([taken.json.state, taken.json.cutoverRequest, taken.json.streamStatus], ['streaming', { blockWrites: false, maxLagSeconds: 5 }, STATUS]);
      assert.deepEqual((await api.store.get(id)).cutoverRequest, { blockWrites: false, maxLagSeconds: 5 });
      const listed = await api.call('GET', '/api/tasks?state=streaming');
      assert.deepEqual(listed.json.tasks.map((t: { id: string }) => t.id), [id]);
      const doc = (await api.call('GET', '/api/openapi.json')).json;
      const op = doc.paths['/api/tasks/{id}/cutover'].post;
      assert.deepEqual(Object.keys(op.responses).filter((c) => ['202', '400', '409'].includes(c)).sort(), ['202', '400', '409']);
      assert.deepEqual(Object.keys(op.requestBody.content['application/json'].schema.properties).sort(), ['blockWrites', 'maxLagSeconds', 'verify']);
      assert.ok(doc.components.schemas.Task.properties.state.enum.includes('streaming'));
      await api.store.update(id, { state: 'stopped', pid: null, pidStart: null });
    } finally {
      await api.close();
      await api.store.close();
    }
  });

  it('release drops the run\'s slot and publication on the source and its stream position on the target, and keeps the owner\'s publication', async () => {
    const conn = await pair('inc_release');
    const id = await createTask(conn);
    const runId = crypto.randomUUID();
    const name = streamObjectName(runId);
    await makeStreamObjects(conn.source, name);
    // another run's position and marks on the same target stay
    const target = new pg.Client({ connectionString: conn.target });
    await target.connect();
    try {
      await ensureUnitMarks(target);
      await markUnitDone(target, { id: runId, snapshot: 's1' }, 'public.t', 1, 10);
      await markUnitDone(target, { id: 'another-run', snapshot: 's2' }, 'public.t', 1, 10);
      await target.query('CREATE TABLE pgferry_state.stream_position (slot text PRIMARY KEY, commit_lsn text NOT NULL, end_lsn text NOT NULL, commit_time timestamptz, applied_at timestamptz NOT NULL DEFAULT now())');
      await target.query("INSERT INTO pgferry_state.stream_position (slot, commit_lsn, end_lsn) VALUES ($1, '0/1', '0/2'), ('pgferry_another', '0/1', '0/2')", [name]);
    } finally {
      await target.end();
    }
    await setTask(id, { state: 'stopped', runId });
    const r = await cli(['task', 'release', id]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`on the source: slot ${name} and publication ${name} dropped`));
    assert.equal(await slotExists(conn.source, name), false);
    assert.equal(await publicationExists(conn.source, name), false);
    const positions = await execSql(conn.target, 'SELECT slot FROM pgferry_state.stream_position ORDER BY slot');
    assert.deepEqual(positions.rows.map((x) => x.slot), ['pgferry_another']);
    assert.deepEqual((await execSql(conn.target, 'SELECT run_id FROM pgferry_state.units')).rows.map((x) => x.run_id), ['another-run']);
    assert.equal((await cli(['task', 'show', id])).code, 2);

    // the owner's publication: the slot goes, the publication stays
    await execSql(conn.source, 'CREATE PUBLICATION "Owner Pub" FOR TABLE t');
    const own = await createTask(conn, ['--incremental', '--publication', 'Owner Pub']);
    const ownRun = crypto.randomUUID();
    await makeStreamObjects(conn.source, streamObjectName(ownRun), false);
    await setTask(own, { state: 'stopped', runId: ownRun });
    const ownRelease = await cli(['task', 'release', own, '--json']);
    assert.equal(ownRelease.code, 0, ownRelease.stderr);
    assert.deepEqual([lastJson(ownRelease).slotDropped, lastJson(ownRelease).publicationDropped], [true, false]);
    assert.equal(await slotExists(conn.source, streamObjectName(ownRun)), false);
    assert.equal(await publicationExists(conn.source, 'Owner Pub'), true);
  });

  it('release with the source unreachable keeps the task and names the slot and how to drop it', async () => {
    const conn = await pair('inc_unreachable');
    const id = await createTask({ source: 'postgresql://postgres@127.0.0.1:1/gone', target: conn.target });
    const runId = crypto.randomUUID();
    await setTask(id, { state: 'stopped', runId });
    const r = await cli(['task', 'release', id]);
    assert.equal(r.code, 3, r.stderr);
    const name = streamObjectName(runId);
    assert.match(r.stderr, new RegExp(`PGFERRY_E_CONNECT_REFUSED: .*cannot drop the replication slot ${name} on the source .*keeps holding WAL there until it is dropped; the task is kept`));
    assert.match(r.stderr, new RegExp(`SELECT pg_drop_replication_slot\\('${name}'\\)`));
    const show = await cli(['task', 'show', id, '--json']);
    assert.equal(show.code, 0, show.stderr);
    assert.equal(lastJson(show).runId, runId);
    // the source is gone for good: --skip-source releases without it
    const skipped = await cli(['task', 'release', id, '--skip-source']);
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.equal((await cli(['task', 'show', id])).code, 2);
  });

  it('pgferry slots lists pgferry\'s slots with their task or "no task", and drops an orphan but not a running task\'s slot', async () => {
    const conn = await pair('inc_slots');
    const orphan = streamObjectName(crypto.randomUUID());
    await makeStreamObjects(conn.source, orphan);
    const id = await createTask(conn);
    const runId = crypto.randomUUID();
    const owned = streamObjectName(runId);
    await makeStreamObjects(conn.source, owned, false);
    await playRunning(id, 'stream', { runId });

    const listed = await cli(['slots', '--source', conn.source, '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const slots = lastJson(listed).slots as { slot: string; heldBytes: number; active: boolean; task: { id: string } | null }[];
    const mine = slots.filter((s) => s.slot === orphan || s.slot === owned).sort((a, b) => (a.slot === orphan ? -1 : b.slot === orphan ? 1 : 0));
    assert.deepEqual(mine.map((s) => [s.slot, s.active, s.task?.id ?? null]), [[orphan, false, null], [owned, false, id]]);
    assert.ok(mine.every((s) => Number.isInteger(s.heldBytes) && s.heldBytes >= 0));
    const text = await cli(['slots', '--source', conn.source]);
    assert.match(text.stdout, new RegExp(`${orphan} .* no task`));
    assert.match(text.stdout, new RegExp(`${owned} .* ${id.slice(0, 8)} .*\\(streaming\\)`));

    const foreign = await cli(['slots', 'drop', 'someone_elses', '--source', conn.source]);
    assert.equal(foreign.code, 2);
    assert.match(foreign.stderr, /not a pgferry slot/);
    const busy = await cli(['slots', 'drop', owned, '--source', conn.source]);
    assert.equal(busy.code, 2);
    assert.match(busy.stderr, /belongs to task .*, which is streaming/);
    assert.equal(await slotExists(conn.source, owned), true);

    const dropped = await cli(['slots', 'drop', orphan, '--source', conn.source]);
    assert.equal(dropped.code, 0, dropped.stderr);
    assert.match(dropped.stdout, new RegExp(`slot ${orphan} dropped, and its publication`));
    assert.equal(await slotExists(conn.source, orphan), false);
    assert.equal(await publicationExists(conn.source, orphan), false);
    await setTask(id, { state: 'stopped', pid: null, pidStart: null });
  });

});
