/**
 * SIGKILL trials of an incremental task, through the CLI and the background process a task runs
 * in: a writer works on the source the whole time; the task's process is killed at twelve seeded
 * moments (the first ones during the copy, the rest while streaming), each followed by `task
 * resume`; then the writer stops and `task cutover --wait` ends the task. The target equals the
 * source table by table (an independent digest), the sequences are equal, and neither the slot
 * nor the publication is left on the source.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { processAlive } from '../../src/task/process-identity.js';
import { runCli, type CliResult } from '../harness/cli.js';
import { changeSchema, startWriter, dropLeftSlots, leftStreamObjects } from '../harness/change-writer.js';
import { sequenceStates, tableDigests } from '../harness/data-oracle.js';
import { taskPoller } from '../harness/task-poll.js';
import { execSql, freshDatabase, server } from '../harness/servers.js';
import { streamedTransactions } from '../harness/slots.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-incremental-kill-'));
const storeFile = path.join(dir, 'tasks.db');
const env = { PGFERRY_STORE: storeFile, PGFERRY_KEY_FILE: path.join(dir, 'secret.key'), PGPASSWORD: '' };
const cli = (args: string[]): Promise<CliResult> => runCli(args, env);
const ok = (r: CliResult) => assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A small seeded generator (mulberry32): the same moments on every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const { task, until } = taskPoller(storeFile);

describe('incremental task killed with SIGKILL', () => {
  it('twelve seeded kills during the copy and the stream, each resumed: exact after cutover', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'incrkill');
    const dst = await freshDatabase(await server('15', 'dst'), 'incrkill');
    await execSql(src.uri, changeSchema(1_000_000));
    // the smallest logical_decoding_work_mem: the writer's larger transactions come streamed before
    // their commit (protocol 2), so kills land inside streamed transactions too
    await execSql(src.uri, `ALTER DATABASE ${src.name} SET logical_decoding_work_mem = '64kB'`);
    const writer = startWriter(src.uri, '15');
    const rnd = seeded(20261202);
    try {
      const created = await cli(['task', 'create', '--source', src.uri, '--target', dst.uri, '--incremental', '--jobs', '2', '--json']);
      ok(created);
      const id = JSON.parse(created.stdout.trim().split('\n').pop()!).id as string;
      ok(await cli(['task', 'precheck', id]));
      const moments: string[] = [];
      for (let trial = 0; trial < 12; trial++) {
        ok(await cli(['task', trial === 0 ? 'start' : 'resume', id]));
        const running = await until(id, 'running', (t) => t.state === 'running' && t.pid !== null);
        const duringCopy = trial < 3;
        if (!duringCopy) await until(id, 'streaming', (t) => t.phase === 'stream');
        if (trial === 4) writer.big();
        const wait = Math.round((duringCopy ? 300 + rnd() * 1200 : 200 + rnd() * 2500));
        await sleep(wait);
        const now = await task(id);
        moments.push(`${trial}: ${now.phase ?? now.state} +${wait} ms`);
        process.kill(running.pid!, 'SIGKILL');
        while (processAlive(running.pid, running.pidStart)) await sleep(50);
      }
      ok(await cli(['task', 'resume', id]));
      await until(id, 'streaming', (t) => t.phase === 'stream');
      const steps = await writer.stop();
      assert.ok(steps > 200, `the writer made ${steps} steps`);
      assert.ok((await streamedTransactions(src.uri)) > 0, 'no transaction was streamed');
      const cut = await cli(['task', 'cutover', id, '--wait', '--max-lag', '5']);
      ok(cut);
      const done = await task(id);
      assert.equal(done.state, 'completed', `${done.error}; kills at ${moments.join(', ')}`);
      const [s, d] = await Promise.all([tableDigests(src.uri), tableDigests(dst.uri)]);
      assert.deepEqual(Object.fromEntries(d), Object.fromEntries(s), `kills at ${moments.join(', ')}`);
      assert.deepEqual(Object.fromEntries(await sequenceStates(dst.uri)), Object.fromEntries(await sequenceStates(src.uri)));
      assert.deepEqual(await leftStreamObjects(src.uri), []);
    } finally {
      await writer.stop().catch(() => 0);
      await dropLeftSlots(src.uri);
    }
  });
});
