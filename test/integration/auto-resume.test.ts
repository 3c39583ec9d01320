/**
 * Automatic resume: source and target backends terminated mid-copy, then the target server
 * restarted mid-run; the migration resumes by itself (capped exponential backoff) and verifies.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { execSql, freshDatabase, server, startTestServer, uriOf } from '../harness/servers.js';
import { runCli } from '../harness/cli.js';
import { startLocalServer, type LocalServer } from '../../src/server/local-server.js';

/** Polls `sql` on `uri` until it returns n > 0 (or gives up after `ms`). */
async function waitFor(uri: string, sql: string, ms = 60_000): Promise<number> {
  for (const until = Date.now() + ms; Date.now() < until; ) {
    const n = await execSql(uri, sql).then((r) => r.rows[0].n as number).catch(() => 0);
    if (n > 0) return n;
    await new Promise((r) => setTimeout(r, 50));
  }
  return 0;
}

describe('automatic resume', () => {
  let target: LocalServer;
  after(async () => target?.stop('immediate'));

  it('survives terminated backends and a target restart, and verifies', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'auto');
    await execSql(src.uri, `
      CREATE TABLE big (id bigint PRIMARY KEY, pad text);
      CREATE TABLE keyless (v text);
      INSERT INTO big SELECT i, repeat('x', 200) FROM generate_series(1, 1500000) i;
      INSERT INTO keyless SELECT 'same' FROM generate_series(1, 200000);`);
    // a target of its own: this test restarts it
    target = await startTestServer('15');
    const dst = await freshDatabase({ port: target.port, major: 15 }, 'auto');
    const copying = (side: string) =>
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY %${side}%' AND state = 'active'`;

    const run = runCli(['migrate', '--source', src.uri, '--target', dst.uri, '--json', '--jobs', '2']);
    // 1: both sides' COPY backends terminated
    assert.ok((await waitFor(dst.uri, copying('FROM STDIN'))) > 0, 'never saw a COPY on the target');
    await execSql(src.uri, copying('TO STDOUT'));
    // 2: once the second attempt copies, the target server goes down and comes back. Its sessions
    // are newer than the terminations: a COPY the first attempt still had going does not count
    // (stopping then could lose the first attempt's last commits, made with synchronous_commit off,
    // and the resume would rightly start afresh instead of continuing)
    const since = (await execSql(dst.uri, 'SELECT now()::text AS t')).rows[0].t as string;
    assert.ok((await waitFor(dst.uri, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY %FROM STDIN%' AND state = 'active' AND backend_start > '${since}'::timestamptz`)) > 0, 'never saw the resumed COPY');
    await target.stop('immediate', { keepData: true });
    await new Promise((r) => setTimeout(r, 1500));
    const restarted = await startLocalServer({ binDir: target.binDir, baseDir: path.dirname(target.dataDir), port: target.port });
    const first = target;
    // the restarted server does not own the folder: removing it is the first one's job, at the end
    target = { ...restarted, stop: async (mode) => { await restarted.stop(mode); await first.stop('immediate'); } };

    const r = await run;
    // 0, or 11 when a table was in before the first failure: the resume then read a new snapshot
    // and says so (the source takes no writes here, so the verify below holds either way)
    assert.ok(r.code === 0 || (r.code === 11 && /the copied rows come from \d+ snapshots of the source/.test(r.stderr)), `exit ${r.code}: ${r.stderr}`);
    const retries = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; attempt?: number; reason?: string }).filter((e) => e.event === 'retry');
    assert.ok(retries.length >= 2, `retried ${retries.length} time(s): ${r.stderr}`);
    // each retry names the row of the retry table that called its failure transient
    for (const e of retries) assert.ok(e.reason && e.reason.length > 3, JSON.stringify(e));
    assert.match(r.stderr, /attempt 1 failed .*resuming in 1s/);
    assert.match(r.stderr, /resuming run [0-9a-f-]+: /);
    const v = await runCli(['verify', '--source', src.uri, '--target', uriOf({ port: target.port, major: 15 }, dst.name)]);
    assert.equal(v.code, 0, v.stdout);
    assert.match(v.stdout, /verify: PASS tables=2 rows=1700000/);
  });
});
