/**
 * A target connection killed in the middle of a table copy: one line naming the table and the
 * cause, and the table rolled back (no partial rows left); `--resume` then finishes the run.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { execSql, freshDatabase, server } from '../harness/servers.js';
import { runCli } from '../harness/cli.js';

it('a connection lost mid-copy names the table, and nothing partial is left', async () => {
  const src = await freshDatabase(await server('15', 'src'), 'lost');
  const dst = await freshDatabase(await server('15', 'dst'), 'lost');
  await execSql(src.uri, "CREATE TABLE big (id bigint, pad text); INSERT INTO big SELECT i, repeat('x', 200) FROM generate_series(1, 2000000) i");
  const run = runCli(['migrate', '--source', src.uri, '--target', dst.uri, '--json', '--jobs', '1', '--retries', '0']);
  // wait until the COPY into the target is under way, then kill that backend
  let killed = 0;
  for (let i = 0; i < 600 && killed === 0; i++) {
    const r = await execSql(
      dst.uri,
      "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY %FROM STDIN%' AND state = 'active'",
    );
    killed = r.rows[0].n as number;
    if (!killed) await new Promise((res) => setTimeout(res, 50));
  }
  assert.equal(killed, 1, 'never saw the COPY running');
  const r = await run;
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^pgferry: error PGFERRY_E_CONNECTION_LOST: table public\.big: copy failed: .*(terminat|ECONNRESET|EPIPE|closed)/m);
  assert.match(r.stderr, /fix: /);
  assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  const left = await execSql(dst.uri, 'SELECT count(*)::int AS n FROM public.big');
  assert.equal(left.rows[0].n, 0);
  const again = await runCli(['migrate', '--source', src.uri, '--target', dst.uri, '--json', '--resume']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /resuming run [0-9a-f-]+: \d+ DDL steps and 0 copy units are done/);
  const v = await runCli(['verify', '--source', src.uri, '--target', dst.uri]);
  assert.equal(v.code, 0, v.stdout);
  const state = await execSql(dst.uri, "SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'pgferry_state'");
  assert.equal(state.rows[0].n, 0, 'bookkeeping dropped once the run completed');
});
