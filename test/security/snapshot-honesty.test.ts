/**
 * Issue 14, item 7: snapshot honesty. When an automatic retry resumes after some tables were in,
 * the remaining tables come from a new snapshot of the source: consistent with the first ones only
 * if the source took no writes in between. That is recorded per unit on the target, said in the
 * summary and the task history, and the run ends with exit code 11, not 0. A precheck of a source
 * that is a hot standby warns that WAL replay can cancel a long COPY and names the settings.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DEBIAN_PG15_BIN, execSql, freshDatabase, server } from '../harness/servers.js';
import { BIN, runCli } from '../harness/cli.js';
import { waitFor } from '../harness/wait.js';
import { tableDigests } from '../harness/data-oracle.js';
import { startLocalServer } from '../../src/server/local-server.js';
import { runPrecheck } from '../../src/precheck/run-precheck.js';
import { resolveConnInfo } from '../../src/config/conninfo.js';
import { parseSpecBody } from '../../src/config/task-spec.js';
import { planInputs } from '../../src/plan/plan-inputs.js';

// a precheck of a full migration with every default, as `pgferry precheck` without flags
const defaultInputs = planInputs(parseSpecBody({}));

const copiedUnits = (uri: string) =>
  execSql(uri, "SELECT count(*)::int AS n FROM pgferry_state.units WHERE unit NOT LIKE 'step:%'").then((r) => r.rows[0].n as number, () => 0);

describe('snapshot honesty', () => {
  it('a run resumed after some tables were in ends with exit 11 and says it used two snapshots', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'snapshots');
    const dst = await freshDatabase(await server('15', 'dst'), 'snapshots');
    await execSql(src.uri, Array.from({ length: 6 }, (_, i) => `CREATE TABLE t${i} (id int PRIMARY KEY, pad text);
      INSERT INTO t${i} SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 4000) g;`).join('\n'));
    const child = spawn(process.execPath, [BIN, 'migrate', '--source', src.uri, '--target', dst.uri, '--json', '--jobs', '1', '--max-rate', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await waitFor('a table in', async () => ((await copiedUnits(dst.uri)) > 0 ? true : undefined));
    // the target drops every session of the run: the retry resumes with a new snapshot
    await execSql(dst.uri, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'pgferry/%' AND datname = current_database()");
    const code = await exited;
    assert.equal(code, 11, stderr);
    assert.match(stdout, /"event":"retry"/);
    const summary = JSON.parse(stdout.split('\n').find((l) => l.includes('"event":"summary"'))!);
    assert.equal(summary.summary.dataSnapshots, 2);
    assert.match(stderr, /the copied rows come from 2 snapshots of the source/);
    // the source took no writes: the data is whole all the same
    assert.deepEqual(await tableDigests(dst.uri), await tableDigests(src.uri));

    // one snapshot: exit 0, dataSnapshots 1
    const dst2 = await freshDatabase(await server('15', 'dst'), 'snapshots_b');
    const plain = await runCli(['migrate', '--source', src.uri, '--target', dst2.uri, '--json']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(JSON.parse(plain.stdout.split('\n').find((l) => l.includes('"event":"summary"'))!).summary.dataSnapshots, 1);
  });

  it('a task keeps the two snapshots in its summary and history', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-snap-'));
    const env = { PGFERRY_STORE: path.join(dir, 'tasks.db'), PGFERRY_KEY_FILE: path.join(dir, 'key') };
    try {
      const src = await freshDatabase(await server('15', 'src'), 'snaptask');
      const dst = await freshDatabase(await server('15', 'dst'), 'snaptask');
      await execSql(src.uri, Array.from({ length: 4 }, (_, i) => `CREATE TABLE t${i} (id int PRIMARY KEY, pad text);
        INSERT INTO t${i} SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 4000) g;`).join('\n'));
      const created = await runCli(['task', 'create', '--source', src.uri, '--target', dst.uri, '--jobs', '1', '--max-rate', '1', '--json'], env);
      const id = JSON.parse(created.stdout.trim().split('\n').pop()!).id as string;
      assert.equal((await runCli(['task', 'precheck', id], env)).code, 0);
      assert.equal((await runCli(['task', 'start', id], env)).code, 0);
      await waitFor('a table in', async () => ((await copiedUnits(dst.uri)) > 0 ? true : undefined));
      await execSql(dst.uri, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'pgferry/%' AND datname = current_database()");
      const show = await waitFor('completed', async () => {
        const r = await runCli(['task', 'show', id, '--json'], env);
        const t = JSON.parse(r.stdout.trim().split('\n').pop()!);
        return t.state.startsWith('completed') ? t : undefined;
      }, 120_000);
      assert.equal(show.state, 'completed from several snapshots');
      assert.equal(show.summary.dataSnapshots, 2);
      assert.ok(show.history.some((h: { kind: string; message: string }) => h.kind === 'snapshots' && /completed from 2 snapshots/.test(h.message)), JSON.stringify(show.history));
      assert.deepEqual(await tableDigests(dst.uri), await tableDigests(src.uri));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the precheck warns when the source is a hot standby and names the settings', async () => {
    const primary = await startLocalServer({ binDir: DEBIAN_PG15_BIN, hbaFirst: ['host replication all 127.0.0.1/32 trust'] });
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-standby-'));
    let standby: Awaited<ReturnType<typeof startLocalServer>> | undefined;
    try {
      fs.chmodSync(base, 0o755);
      const data = path.join(base, 'data');
      execFileSync('chown', ['postgres:', base]);
      execFileSync('runuser', ['-u', 'postgres', '--', path.join(DEBIAN_PG15_BIN, 'pg_basebackup'), '-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', data, '-R', '-X', 'stream', '--no-sync']);
      fs.appendFileSync(path.join(data, 'postgresql.conf'), `\nunix_socket_directories = '${base}'\nhot_standby = on\n`);
      standby = await startLocalServer({ binDir: DEBIAN_PG15_BIN, baseDir: base });
      const target = await freshDatabase(await server('15', 'dst'), 'standby');
      const report = await runPrecheck(resolveConnInfo(standby.uri('postgres')), resolveConnInfo(target.uri), defaultInputs);
      const item = report.items.find((i) => i.id === 'standby-source')!;
      assert.equal(item.status, 'warn', JSON.stringify(item));
      assert.match(item.detail, /the source is a standby \(hot_standby_feedback = off, max_standby_streaming_delay = 30s/);
      assert.match(item.fix!, /hot_standby_feedback = on and max_standby_streaming_delay = -1/);
      const onPrimary = await runPrecheck(resolveConnInfo(primary.uri('postgres')), resolveConnInfo(target.uri), defaultInputs);
      assert.equal(onPrimary.items.find((i) => i.id === 'standby-source')!.status, 'pass');
    } finally {
      await standby?.stop('immediate');
      await primary.stop('immediate');
      fs.rmSync(base, { recursive: true, force: true });
    }
  });
});
