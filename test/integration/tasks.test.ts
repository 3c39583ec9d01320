/**
 * Migration tasks end to end through the CLI, against real servers: a task file with a password,
 * the precheck gate, a background run stopped at a unit boundary and resumed, throughput changed
 * while it runs, a background process killed with SIGKILL and resumed, release, and a scan of the
 * store, the log and every output for the password.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execSql, freshDatabase, PASSWORD_ROLE, server, ensurePasswordRole, PASSWORD_ROLE_PASSWORD } from '../harness/servers.js';
import { runCli, type CliResult } from '../harness/cli.js';
import { waitFor } from '../harness/wait.js';

const PASSWORD = PASSWORD_ROLE_PASSWORD;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-tasks-'));
const env = { PGFERRY_STORE: path.join(dir, 'tasks.db'), PGFERRY_KEY_FILE: path.join(dir, 'secret.key'), PGPASSWORD: '' };
const outputs: string[] = [];

async function cli(args: string[]): Promise<CliResult> {
  const r = await runCli(args, env);
  outputs.push(r.stdout, r.stderr);
  return r;
}

const json = (r: CliResult) => JSON.parse(r.stdout.trim().split('\n').pop()!);

type Status = { state: string; phase: string | null; jobs: number; maxRateMBps: number | null; units: { unit: string; state: string; rows: number | null }[] };
const status = async (id: string) => json(await cli(['task', 'status', id, '--json'])) as Status;
/** Waits until a unit of task `id` is done; a task that failed meanwhile fails the test at once, saying why. */
const firstUnitDone = (id: string) =>
  waitFor('a finished unit', async () => {
    const s = await status(id);
    if (s.state === 'failed') throw new Error(`task ${id} failed before any unit was done: ${(await cli(['task', 'show', id])).stdout}`);
    return s.units.some((u) => u.state === 'done') ? true : undefined;
  });

// eight tables of about 1.3 MB (one without any key), so a run at 2 MB/s has unit boundaries to stop at
const SOURCE = `
  ${Array.from({ length: 8 }, (_, i) => `CREATE TABLE t${i} (id int${i === 7 ? '' : ' PRIMARY KEY'}, pad text);
    INSERT INTO t${i} SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 8000) g;`).join('\n')}
  CREATE SEQUENCE s START 42; SELECT nextval('s');
  GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${PASSWORD_ROLE};
  GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO ${PASSWORD_ROLE};`;

async function newPair(label: string) {
  const s = await server('15', 'src');
  const src = await freshDatabase(s, label);
  await execSql(src.uri, SOURCE);
  const dst = await freshDatabase(await server('15', 'dst'), label);
  return { sourceUri: `postgresql://${PASSWORD_ROLE}:${PASSWORD}@127.0.0.1:${s.port}/${src.name}`, targetUri: dst.uri };
}

async function createAndPrecheck(label: string, maxRate: number): Promise<{ id: string; sourceUri: string; targetUri: string }> {
  const pair = await newPair(label);
  const file = path.join(dir, `${label}.yaml`);
  fs.writeFileSync(file, `name: ${label}\nsource: ${pair.sourceUri}\ntarget: ${pair.targetUri}\noptions:\n  jobs: 2\n  maxRateMBps: ${maxRate}\n`);
  const c = await cli(['task', 'create', '--config', file, '--json']);
  assert.equal(c.code, 0, c.stderr);
  const id = json(c).id as string;
  const p = await cli(['task', 'precheck', id, '--json']);
  assert.equal(p.code, 0, p.stdout);
  return { id, ...pair };
}

describe('migration tasks', () => {
  before(async () => {
    const s = await server('15', 'src');
    await ensurePasswordRole(s);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('gates start on the precheck, stops at a unit boundary, takes new throughput, resumes and verifies', async () => {
    const pair = await newPair('task_a');
    const file = path.join(dir, 'task_a.yaml');
    fs.writeFileSync(file, `# a task file\nsource: ${pair.sourceUri}\ntarget: ${pair.targetUri}\noptions:\n  jobs: 2\n  maxRateMBps: 0.5\n`);
    const created = await cli(['task', 'create', '--config', file, '--json']);
    assert.equal(created.code, 0, created.stderr);
    const { id, name } = json(created) as { id: string; name: string };
    assert.match(name, /^task_a_\w+-to-task_a_\w+-\w+-\w+$/, 'a generated name');

    const early = await cli(['task', 'start', id]);
    assert.equal(early.code, 8, early.stderr);
    assert.match(early.stderr, /PGFERRY_E_PRECHECK_REQUIRED: .*has not been prechecked/);

    const pre = await cli(['task', 'precheck', id, '--json']);
    assert.equal(pre.code, 0, pre.stdout);
    const keyless = (json(pre) as { items: { id: string; status: string; objects?: string[] }[] }).items.find((i) => i.id === 'primary-keys')!;
    assert.deepEqual([keyless.status, keyless.objects], ['warn', ['public.t7']]);

    const started = await cli(['task', 'start', id, '--json']);
    assert.equal(started.code, 0, started.stderr);
    const { pid } = json(started) as { pid: number };
    // the worker's command line carries no password
    assert.ok(!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(PASSWORD));

    await firstUnitDone(id);
    const set = await cli(['task', 'set', id, '--jobs', '1']);
    assert.equal(set.code, 0, set.stderr);
    assert.equal((await status(id)).jobs, 1);
    const stop = await cli(['task', 'stop', id, '--wait']);
    assert.equal(stop.code, 0, stop.stderr);
    const stopped = await status(id);
    assert.equal(stopped.state, 'stopped');
    const doneBefore = stopped.units.filter((u) => u.state === 'done').length;
    assert.ok(doneBefore >= 1 && doneBefore < 8, `stopped between units (${doneBefore} of 8 done)`);
    assert.equal((await cli(['task', 'status', id])).code, 9);
    const checkpoints = await execSql(pair.targetUri, "SELECT count(*)::int AS n FROM pgferry_state.units WHERE unit NOT LIKE 'step:%'");
    assert.equal(checkpoints.rows[0].n, doneBefore, 'each finished table is a checkpoint on the target');

    const again = await cli(['task', 'start', id]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /PGFERRY_E_TASK_STATE: .*has run before.*pgferry task resume/);

    assert.equal((await cli(['task', 'set', id, '--max-rate', 'off', '--jobs', '2'])).code, 0);
    const resumed = await cli(['task', 'resume', id]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /resuming writes into the target again/);
    const watched = await cli(['task', 'status', id, '--watch', '--json']);
    assert.equal(watched.code, 0, watched.stdout);
    const final = json(watched) as Status;
    // tables copied before the stop and after the resume come from two snapshots: the state says so
    assert.equal(final.state, 'completed from several snapshots');
    assert.ok(final.units.every((u) => u.state === 'done' || u.state === 'skipped'));
    assert.equal(final.units.filter((u) => u.state === 'skipped').length, doneBefore, 'finished tables were not copied again');

    const v = await runCli(['verify', '--source', pair.sourceUri, '--target', pair.targetUri]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /verify: PASS tables=8 rows=64000 sequences=1/);
    const show = await cli(['task', 'show', id]);
    for (const kind of ['precheck', 'start', 'throughput', 'stop', 'stopped', 'resume', 'completed']) assert.match(show.stdout, new RegExp(`  ${kind} `), `history has ${kind}`);
    assert.match(show.stdout, /source: pgferry_pw@127\.0\.0\.1:\d+\/task_a_\w+ sslmode=prefer \(password stored encrypted\)/);
  });

  it('resumes a background run killed with SIGKILL, and release drops the checkpoints of an unfinished one', async () => {
    const b = await createAndPrecheck('task_b', 2);
    const started = await cli(['task', 'start', b.id, '--json']);
    const { pid } = json(started) as { pid: number };
    await firstUnitDone(b.id);
    process.kill(pid, 'SIGKILL');
    await waitFor('the process gone', async () => ((await status(b.id)).state === 'interrupted' ? true : undefined));
    const r = await cli(['task', 'status', b.id]);
    assert.match(r.stdout, /the process running it is gone: pgferry task resume/);
    assert.equal((await cli(['task', 'set', b.id, '--max-rate', 'off'])).code, 0);
    const resumed = await cli(['task', 'resume', b.id, '--foreground', '--json']);
    // tables copied before the kill and after it come from two snapshots: exit 11, said so
    assert.equal(resumed.code, 11, resumed.stderr);
    assert.match(resumed.stderr, /the copied rows come from 2 snapshots of the source/);
    const v = await runCli(['verify', '--source', b.sourceUri, '--target', b.targetUri]);
    assert.equal(v.code, 0, v.stdout);
    assert.match(v.stdout, /verify: PASS tables=8 rows=64000/);
    const rel = await cli(['task', 'release', b.id]);
    assert.equal(rel.code, 0, rel.stderr);

    const c = await createAndPrecheck('task_c', 1);
    await cli(['task', 'start', c.id]);
    await firstUnitDone(c.id);
    assert.equal((await cli(['task', 'stop', c.id, '--wait'])).code, 0);
    const marks = await execSql(c.targetUri, "SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'pgferry_state'");
    assert.equal(marks.rows[0].n, 1);
    const released = await cli(['task', 'release', c.id, '--json']);
    assert.equal(released.code, 0, released.stderr);
    assert.equal(json(released).checkpointsDropped, true);
    const gone = await execSql(c.targetUri, "SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'pgferry_state'");
    assert.equal(gone.rows[0].n, 0);
    const list = json(await cli(['task', 'list', '--json'])) as { tasks: { id: string }[] };
    assert.ok(!list.tasks.some((t) => t.id === c.id || t.id === b.id), 'released tasks are gone from the store');
    const missing = await cli(['task', 'show', c.id]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /PGFERRY_E_TASK_NOT_FOUND/);
  });

  it('lifts the rate limit of a running task at once', async () => {
    const d = await createAndPrecheck('task_d', 0.5);
    await cli(['task', 'start', d.id]);
    await firstUnitDone(d.id);
    const t0 = Date.now();
    assert.equal((await cli(['task', 'set', d.id, '--max-rate', 'off'])).code, 0);
    const done = await cli(['task', 'status', d.id, '--watch', '--json']);
    assert.equal((json(done) as Status).state, 'completed');
    // about 8 MB were left: some 16 s at 0.5 MB/s, a few seconds without a limit (two CLI starts
    // and the copy, with another test file running beside this one)
    assert.ok(Date.now() - t0 < 12_000, `took ${Date.now() - t0} ms after the limit was lifted`);
  });

  it('keeps the password out of the store, the logs and every output', async () => {
    const files = fs.readdirSync(dir, { recursive: true }).map(String).map((f) => path.join(dir, f)).filter((f) => fs.statSync(f).isFile() && !f.endsWith('.yaml'));
    assert.ok(files.some((f) => f.endsWith('tasks.db')) && files.some((f) => f.endsWith('.log')), files.join(', '));
    for (const f of files) assert.ok(!fs.readFileSync(f).includes(PASSWORD), `${f} holds the password`);
    assert.ok(outputs.length > 20);
    for (const o of outputs) assert.ok(!o.includes(PASSWORD), `an output holds the password: ${o.slice(0, 200)}`);
    assert.equal(fs.statSync(env.PGFERRY_KEY_FILE).mode & 0o777, 0o600);
  });
});
