/**
 * Issue 14, item 5: a resumed run ends only its own orphaned sessions. Before, it terminated every
 * busy session of the target database whose application_name equalled pgferry's, which came from
 * the user's conninfo or PGAPPNAME: with application_name=billing-app it killed the billing
 * application's query. Now every session of a run is tagged `<user's name>/pgferry/<run id>`, and
 * only busy sessions of the same role with this run's tag are ended.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import pg from 'pg';
import { execSql, freshDatabase, server } from '../harness/servers.js';
import { BIN } from '../harness/cli.js';
import { tableDigests } from '../harness/data-oracle.js';

/** A session on `uri` named `name` that runs pg_sleep; resolves 'done', or the error's SQLSTATE. */
async function sleeper(uri: string, name: string, seconds: number): Promise<{ pid: number; outcome: Promise<string> }> {
  const c = new pg.Client({ connectionString: uri, application_name: name });
  await c.connect();
  c.on('error', () => {});
  const pid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  const outcome = c.query('SELECT pg_sleep($1)', [seconds]).then(
    () => 'done',
    (err: { code?: string }) => err.code ?? 'error',
  ).finally(() => c.end().catch(() => {}));
  return { pid, outcome };
}

describe('sessions of a run', () => {
  it("a resumed run ends its own orphan, not another program's session with the same application_name, nor another run's", async () => {
    const s = await server('15', 'src');
    const d = await server('15', 'dst');
    const src = await freshDatabase(s, 'orphans');
    const dst = await freshDatabase(d, 'orphans');
    await execSql(src.uri, `CREATE TABLE t (id int PRIMARY KEY, pad text);
      INSERT INTO t SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 20000) g;`);
    // an unfinished run on the target: its marks say one step is done
    const runId = crypto.randomUUID();
    await execSql(dst.uri, `CREATE SCHEMA pgferry_state; CREATE TABLE pgferry_state.units (run_id text NOT NULL, unit text NOT NULL, rows bigint NOT NULL,
      bytes bigint NOT NULL, done_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (run_id, unit)); INSERT INTO pgferry_state.units VALUES ($1, 'step:none', 0, 0)`.replace('$1', `'${runId}'`));
    const billing = await sleeper(dst.uri, 'billing-app', 25);
    const orphan = await sleeper(dst.uri, `billing-app/pgferry/${runId}`, 25);
    const otherRun = await sleeper(dst.uri, `pgferry/${crypto.randomUUID()}`, 25);

    // watch the run's own sessions on both sides while it works
    const seen = { source: new Set<string>(), target: new Set<string>() };
    let watching = true;
    const watch = (async () => {
      while (watching) {
        for (const [side, uri] of [['source', src.uri], ['target', dst.uri]] as const) {
          const r = await execSql(uri, "SELECT application_name FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE '%pgferry%' AND pid <> ALL($1::int[])", [[billing.pid, orphan.pid, otherRun.pid]]);
          for (const row of r.rows) seen[side].add(row.application_name);
        }
        await new Promise((res) => setTimeout(res, 100));
      }
    })();
    const target = `${dst.uri}?application_name=billing-app`;
    const child = spawn(process.execPath, [BIN, 'migrate', '--resume', '--source', src.uri, '--target', target, '--json', '--max-rate', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (x: Buffer) => (stderr += x.toString()));
    const code = await new Promise<number | null>((res) => child.on('exit', res));
    watching = false;
    await watch;
    assert.equal(code, 0, stderr);
    assert.match(stderr, /ended 1 session\(s\) a stopped pgferry run had left working/);

    assert.equal(await orphan.outcome, '57P01', "this run's orphan was terminated");
    // the others still sleep after the run: then the test cancels them (57014), which says they were never terminated
    const alive = await execSql(dst.uri, "SELECT array_agg(pid ORDER BY pid) AS pids FROM pg_stat_activity WHERE pid = ANY($1::int[]) AND state = 'active'", [[billing.pid, otherRun.pid]]);
    assert.deepEqual(alive.rows[0].pids, [billing.pid, otherRun.pid].sort((a, b) => a - b), 'the billing application and the other run kept their sessions');
    await execSql(dst.uri, 'SELECT pg_cancel_backend(pid) FROM unnest($1::int[]) AS pid', [[billing.pid, otherRun.pid]]);
    assert.equal(await billing.outcome, '57014', 'the billing application kept its session');
    assert.equal(await otherRun.outcome, '57014', "another run's session was left alone");
    // every session of the run carries its tag, after the name the user chose for that side
    assert.deepEqual([...seen.target], [`billing-app/pgferry/${runId}`]);
    assert.deepEqual([...seen.source], [`pgferry/${runId}`]);
    assert.deepEqual(await tableDigests(dst.uri), await tableDigests(src.uri));
  });
});
