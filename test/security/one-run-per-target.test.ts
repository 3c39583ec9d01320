/**
 * Issue 14, item 6: one run per target database and per task. A run holds an advisory lock in
 * the target database for its whole life, so a second migrate, task start or resume into the same
 * database fails at once naming the holder, and `task release` never drops the marks under a
 * working run. A task is taken by compare-and-set on its state with the worker's pid and start
 * time: a pid the OS gave to another process does not make a dead run look alive.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { execSql, freshDatabase, server } from '../harness/servers.js';
import { BIN, runCli } from '../harness/cli.js';
import { waitFor } from '../harness/wait.js';
import { tableDigests } from '../harness/data-oracle.js';
import { openStore } from '../../src/task/open-store.js';
import { effectiveState } from '../../src/task/task-service.js';
import { processStart } from '../../src/task/process-identity.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-onerun-'));
const env = { PGFERRY_STORE: path.join(dir, 'tasks.db'), PGFERRY_KEY_FILE: path.join(dir, 'key') };

function start(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, done: new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr }))) };
}

/** Waits until some session holds pgferry's run lock in database `db`. */
const lockHeld = (uri: string) =>
  waitFor('the run lock', async () => {
    const r = await execSql(uri, "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = 1885824626 AND objid = 1 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
    return r.rows[0].n > 0 ? true : undefined;
  });

/** A source of `tables` tables of ~4 MB each (every other one without a key). */
async function source(label: string, tables = 2): Promise<string> {
  const src = await freshDatabase(await server('15', 'src'), label);
  await execSql(src.uri, Array.from({ length: tables }, (_, i) => `CREATE TABLE t${i} (id int${i % 2 ? '' : ' PRIMARY KEY'}, pad text);
    INSERT INTO t${i} SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 15000) g;`).join('\n'));
  return src.uri;
}

describe('one run per target and per task', () => {
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a second migrate into the same database fails at once naming the holder; the first completes intact', async () => {
    const src = await source('onerun');
    const dst = (await freshDatabase(await server('15', 'dst'), 'onerun')).uri;
    // 8 MB at 1 MB/s: the first run holds the lock for seconds, also on a machine busy enough to slow the second's start
    const first = start(['migrate', '--source', src, '--target', dst, '--json', '--max-rate', '1']);
    await lockHeld(dst);
    const t0 = Date.now();
    const second = await runCli(['migrate', '--source', src, '--target', dst, '--json'], env);
    const seconds = (Date.now() - t0) / 1000;
    assert.equal(second.code, 10, second.stderr);
    assert.match(second.stderr, /PGFERRY_E_TARGET_BUSY: target database "onerun_\w+": another pgferry run is working in this database \(session pid \d+, application_name "pgferry\/[0-9a-f-]{36}"/);
    assert.match(second.stderr, /fix: .*SELECT pg_terminate_backend\(\d+\)/);
    assert.ok(seconds < 15, `refused after ${seconds.toFixed(1)} s`);
    const r = await first.done;
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await tableDigests(dst), await tableDigests(src));
    // the lock goes with the run: the same database takes a new run afterwards
    const again = await runCli(['migrate', '--source', src, '--target', dst, '--data-only', '--json'], env);
    assert.equal(again.code, 0, again.stderr);
  });

  it('of two processes starting one task, one runs it; release waits for no run', async () => {
    const src = await source('onetask');
    const dst = (await freshDatabase(await server('15', 'dst'), 'onetask')).uri;
    const created = await runCli(['task', 'create', '--source', src, '--target', dst, '--max-rate', '2', '--json'], env);
    assert.equal(created.code, 0, created.stderr);
    const id = JSON.parse(created.stdout.trim().split('\n').pop()!).id as string;
    assert.equal((await runCli(['task', 'precheck', id], env)).code, 0);
    const a = start(['task', 'start', id, '--foreground', '--json']);
    const b = start(['task', 'start', id, '--foreground', '--json']);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    const codes = [ra.code, rb.code].sort();
    assert.equal(codes[0], 0, ra.stderr + rb.stderr);
    assert.ok([2, 10].includes(codes[1]!), `the other one: ${codes[1]} ${ra.stderr}${rb.stderr}`);
    assert.match(ra.stderr + rb.stderr, /PGFERRY_E_TASK_STATE: task .* is running|PGFERRY_E_TARGET_BUSY/);
    assert.deepEqual(await tableDigests(dst), await tableDigests(src));

    // a stopped task's marks are not released from under a run working in its target
    const src2 = await source('onetask2', 4);
    const dst2 = (await freshDatabase(await server('15', 'dst'), 'onetask2')).uri;
    const t2 = JSON.parse((await runCli(['task', 'create', '--source', src2, '--target', dst2, '--jobs', '1', '--max-rate', '2', '--json'], env)).stdout.trim().split('\n').pop()!).id as string;
    assert.equal((await runCli(['task', 'precheck', t2], env)).code, 0);
    assert.equal((await runCli(['task', 'start', t2], env)).code, 0);
    await waitFor('a unit done', async () => ((await execSql(dst2, "SELECT count(*)::int AS n FROM pgferry_state.units WHERE unit NOT LIKE 'step:%'").catch(() => ({ rows: [{ n: 0 }] }))).rows[0].n > 0 ? true : undefined));
    assert.equal((await runCli(['task', 'stop', t2, '--wait'], env)).code, 0);
    const resumed = start(['migrate', '--resume', '--source', src2, '--target', dst2, '--json', '--jobs', '1', '--max-rate', '1']);
    await lockHeld(dst2);
    const rel = await runCli(['task', 'release', t2], env);
    assert.equal(rel.code, 10, rel.stderr);
    assert.match(rel.stderr, /PGFERRY_E_TARGET_BUSY/);
    const r = await resumed.done;
    assert.equal(r.code, 11, r.stderr);
    assert.deepEqual(await tableDigests(dst2), await tableDigests(src2));
  });

  it('a running task whose pid now belongs to another process is interrupted, not running (pids are reused)', async () => {
    const store = await openStore(path.join(dir, 'pid.db'));
    try {
      const t = await store.create({
        id: '00000000-0000-4000-8000-000000000001',
        name: 'pid-reuse', spec: { source: {}, target: {}, options: {} } as never, specHash: 'x', jobs: 1, maxRateMBps: null, secrets: {},
      } as never);
      // this test's own pid stands for a process that took the dead run's pid (same boot, another start)
      const stamp = processStart(process.pid)!;
      const boot = stamp.slice(0, stamp.lastIndexOf(':'));
      await store.update(t.id, { state: 'running', pid: process.pid, pidStart: `${boot}:12345` });
      assert.equal(effectiveState(await store.get(t.id)), 'interrupted');
      await store.update(t.id, { pidStart: processStart(process.pid) });
      assert.equal(effectiveState(await store.get(t.id)), 'running');
      // compare-and-set: a claim that sees it running alive is refused, and nothing is written
      await assert.rejects(store.claim(t.id, (rec) => { if (effectiveState(rec) === 'running') throw new Error('running'); }, { pid: 1 }), /running/);
      assert.equal((await store.get(t.id)).pid, process.pid);
    } finally {
      await store.close();
    }
  });
});
