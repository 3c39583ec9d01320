/**
 * `pgferry migrate --incremental --cutover-when-caught-up` in the foreground, as a user runs it
 * without a task: the copy, the stream under a writer, the cutover with --block-writes, then the
 * full verify after the switch (as a task does), printed as a `verify` event; --no-verify skips it
 * and goes only with --cutover-when-caught-up.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../harness/cli.js';
import pg from 'pg';
import { changeSchema, workStep } from '../harness/change-writer.js';
import { sequenceStates, tableDigests } from '../harness/data-oracle.js';
import { execSql, freshDatabase, server } from '../harness/servers.js';

const events = (stdout: string) => stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('migrate --incremental in the foreground', () => {
  it('copies, streams a writer, cuts over with --block-writes and verifies after the switch (15 → 17)', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'incrfg');
    const dst = await freshDatabase(await server('17', 'dst'), 'incrfg');
    await execSql(src.uri, changeSchema(20_000));
    // the harness's writer, in a session --block-writes ends: the loop stops there
    const c = new pg.Client({ connectionString: src.uri });
    c.on('error', () => {});
    await c.connect();
    let steps = 0;
    const writing = (async () => {
      try {
        for (;;) await c.query(workStep(steps++, '15'));
      } catch {
        // terminated by the cutover
      }
    })();
    try {
      const r = await runCli(['migrate', '--source', src.uri, '--target', dst.uri, '--incremental', '--cutover-when-caught-up', '--block-writes', '--jobs', '2', '--json']);
      assert.equal(r.code, 0, r.stderr);
      await writing;
      assert.ok(steps > 20, `the writer made ${steps} steps while the run copied and streamed`);
      const out = events(r.stdout);
      const summary = out.find((e) => e.event === 'summary')?.summary as { cutover?: { downtimeSeconds: number } };
      assert.ok(summary?.cutover, 'the run cut over');
      const verify = out.find((e) => e.event === 'verify') as { ok: boolean; tables: unknown[] } | undefined;
      assert.ok(verify, 'a verify event after the switch');
      assert.equal(verify.ok, true);
      assert.ok(verify.tables.length >= 4);
      // the source is read-only for new sessions now: the oracle's own session may still read it
      const [s, d] = await Promise.all([tableDigests(src.uri), tableDigests(dst.uri)]);
      assert.deepEqual(Object.fromEntries(d), Object.fromEntries(s));
      assert.deepEqual(Object.fromEntries(await sequenceStates(dst.uri)), Object.fromEntries(await sequenceStates(src.uri)));
      const left = await execSql(src.uri, "SELECT slot_name FROM pg_replication_slots WHERE database = current_database() AND slot_name LIKE 'pgferry%' UNION ALL SELECT pubname FROM pg_publication WHERE pubname LIKE 'pgferry%'");
      assert.deepEqual(left.rows, []);
    } finally {
      await c.end().catch(() => undefined);
    }
  });

  it('--no-verify goes only with --cutover-when-caught-up', async () => {
    const r = await runCli(['migrate', '--source', 'postgresql://localhost/a', '--target', 'postgresql://localhost/b', '--incremental', '--no-verify']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--no-verify goes with --cutover-when-caught-up/);
  });
});
