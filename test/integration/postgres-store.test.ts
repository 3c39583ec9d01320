/**
 * The task store in PostgreSQL (`--store postgresql://…`), on a server of its own (17) apart from
 * source (15) and target (15): the store contract; the schema's version, migrated once by stores
 * opened at once and refused when newer; clear errors for a wrong password and an unreachable
 * store; and the CLI and two `serve` processes over one store: a task created, prechecked, run in
 * the background (whose process gets the store by its environment, so no password is in its
 * command line) and verified, seen alike by both servers, with no password in any output, log or
 * store row.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../../src/server/local-server.js';
import { ident } from '../../src/pg/quote.js';
import { openStore } from '../../src/task/open-store.js';
import { STORE_SCHEMA, STORE_VERSION } from '../../src/task/postgres-store.js';
import { execSql, freshDatabase, PASSWORD_ROLE, PASSWORD_ROLE_PASSWORD, server, ensurePasswordRole, uriOf } from '../harness/servers.js';
import { tableDigests } from '../harness/data-oracle.js';
import { BIN, runCli, type CliResult } from '../harness/cli.js';
import { isCode, storeContract } from '../harness/store-contract.js';

const PASSWORD = PASSWORD_ROLE_PASSWORD;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-pgstore-'));
const TOKEN = 'pg-store-test-token-0123456789abcdef';

/** A fresh database on the store's server that PASSWORD_ROLE owns, and the URI (with the password) to open it as a store. */
async function storeDatabase(label: string): Promise<{ uri: string; adminUri: string }> {
  const s = await server('17', 'dst');
  await ensurePasswordRole(s);
  const db = await freshDatabase(s, label);
  await execSql(db.uri, `ALTER DATABASE ${ident(db.name)} OWNER TO ${ident(PASSWORD_ROLE)}; ALTER SCHEMA public OWNER TO ${ident(PASSWORD_ROLE)}`);
  return { uri: `postgresql://${PASSWORD_ROLE}:${PASSWORD}@127.0.0.1:${s.port}/${db.name}`, adminUri: db.uri };
}

describe('PostgreSQL task store: the contract', () => {
  storeContract(async () => openStore((await storeDatabase('store_contract')).uri));
});

describe('PostgreSQL task store: its schema and its errors', () => {
  it('records its version; stores opened at once migrate it once; a newer schema is refused', async () => {
    const db = await storeDatabase('store_schema');
    const stores = await Promise.all([1, 2, 3, 4].map(() => openStore(db.uri)));
    await Promise.all(stores.map((s) => s.close()));
    const v = await execSql(db.adminUri, `SELECT version FROM ${STORE_SCHEMA}.store_version`);
    assert.deepEqual(v.rows, [{ version: STORE_VERSION }]);
    const tables = await execSql(db.adminUri, 'SELECT count(*)::int AS n FROM pg_catalog.pg_tables WHERE schemaname = $1', [STORE_SCHEMA]);
    assert.equal(tables.rows[0].n, 10, 'nine tables and the version');
    await execSql(db.adminUri, `UPDATE ${STORE_SCHEMA}.store_version SET version = ${STORE_VERSION + 1}`);
    await assert.rejects(openStore(db.uri), (e: unknown) => isCode('PGFERRY_E_STORE')(e) && /newer than this pgferry knows/.test((e as Error).message));
  });

  it('a wrong password and an unreachable store are clear errors that hold no password', async () => {
    const db = await storeDatabase('store_errors');
    const wrong = db.uri.replace(`:${PASSWORD}@`, ':not-the-password@');
    await assert.rejects(openStore(wrong), (e: unknown) => isCode('PGFERRY_E_AUTH')(e) && /store pgferry_pw@127\.0\.0\.1/.test(JSON.stringify(e)) && !JSON.stringify(e).includes('not-the-password'));
    const port = await freePort();
    await assert.rejects(openStore(`postgresql://${PASSWORD_ROLE}:${PASSWORD}@127.0.0.1:${port}/nowhere`), (e: unknown) => isCode('PGFERRY_E_CONNECT_REFUSED')(e) && !String((e as Error).message).includes(PASSWORD));
    const cli = await runCli(['task', 'list', '--store', wrong]);
    assert.equal(cli.code, 3, cli.stderr);
    assert.match(cli.stderr, /PGFERRY_E_AUTH/);
    assert.ok(!cli.stderr.includes('not-the-password'));
  });
});

/** Starts `pgferry serve` over the store; resolves with its base URL once it listens. */
async function startServe(storeUri: string, keyFile: string, procs: ChildProcess[]): Promise<string> {
  const port = await freePort();
  // the store by the environment: a password in --store would be in the process list
  // every machine that opens stored passwords needs the key file they were sealed with
  const env = { ...process.env, PGFERRY_STORE: storeUri, PGFERRY_KEY_FILE: keyFile, PGFERRY_TOKEN: TOKEN };
  const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(child);
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/console and API on/.test(out)) resolve();
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (c) => reject(new Error(`serve exited ${c}: ${out}`)));
  });
  assert.ok(!out.includes(PASSWORD), 'serve does not print the store password');
  assert.match(out, new RegExp(`store ${PASSWORD_ROLE}@127\\.0\\.0\\.1:\\d+/`));
  return `http://127.0.0.1:${port}`;
}

const api = async (base: string, method: string, p: string, body?: unknown) => {
  const r = await fetch(`${base}${p}`, { method, headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
};

describe('tasks over a PostgreSQL store', () => {
  const procs: ChildProcess[] = [];
  const outputs: string[] = [];
  let storeUri = '';
  let adminUri = '';
  const env = () => ({ PGFERRY_STORE: storeUri, PGFERRY_KEY_FILE: path.join(dir, 'secret.key'), PGFERRY_LOG_DIR: path.join(dir, 'logs'), PGPASSWORD: '' });
  const cli = async (args: string[]): Promise<CliResult> => {
    const r = await runCli(args, env());
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  const last = (r: CliResult) => JSON.parse(r.stdout.trim().split('\n').pop()!);

  before(async () => {
    ({ uri: storeUri, adminUri } = await storeDatabase('store_tasks'));
    await ensurePasswordRole(await server('15', 'src'));
  });
  after(async () => {
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : Promise.resolve())));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a task runs in the background from the store and verifies; two serve processes show the same tasks; no password anywhere', async () => {
    const s = await server('15', 'src');
    const src = await freshDatabase(s, 'pgstore_src');
    await execSql(src.uri, `${Array.from({ length: 4 }, (_, i) => `CREATE TABLE t${i} (id int PRIMARY KEY, pad text);
      INSERT INTO t${i} SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 8000) g;`).join('\n')}
      GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${PASSWORD_ROLE};`);
    const dst = await freshDatabase(await server('15', 'dst'), 'pgstore_dst');
    const sourceUri = `postgresql://${PASSWORD_ROLE}:${PASSWORD}@127.0.0.1:${s.port}/${src.name}`;
    const file = path.join(dir, 'task.yaml');
    fs.writeFileSync(file, `name: shared-store\nsource: ${sourceUri}\ntarget: ${dst.uri}\noptions:\n  jobs: 1\n  maxRateMBps: 1\n`);
    const created = await cli(['task', 'create', '--config', file, '--json']);
    assert.equal(created.code, 0, created.stderr);
    const id = last(created).id as string;
    assert.equal((await cli(['task', 'precheck', id, '--json'])).code, 0);

    const started = await cli(['task', 'start', id, '--json']);
    assert.equal(started.code, 0, started.stderr);
    const { pid } = last(started) as { pid: number };
    // the background run got the store (and its password) by its environment, not its command line
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    assert.ok(!cmdline.includes(PASSWORD) && !cmdline.includes('--store'), cmdline);

    // two control planes over the one store, on the same machine here as on two machines
    const [a, b] = await Promise.all([startServe(storeUri, env().PGFERRY_KEY_FILE, procs), startServe(storeUri, env().PGFERRY_KEY_FILE, procs)]);
    const seenA = await api(a, 'GET', `/api/tasks/${id}`);
    const seenB = await api(b, 'GET', `/api/tasks/${id}`);
    assert.equal(seenA.status, 200);
    assert.deepEqual([seenB.status, seenB.json.name, seenB.json.id], [200, 'shared-store', id]);

    const watched = await cli(['task', 'status', id, '--watch', '--json']);
    assert.equal(watched.code, 0, watched.stdout + watched.stderr);
    assert.equal(last(watched).state, 'completed');
    const verified = await api(b, 'POST', `/api/tasks/${id}/verify`);
    assert.deepEqual([verified.status, verified.json.ok], [200, true], JSON.stringify(verified.json));
    const readBack = await api(a, 'GET', `/api/tasks/${id}/verify`);
    assert.deepEqual([readBack.json.ok, readBack.json.at], [true, verified.json.at], 'the report B stored, A reads');
    const counts = await execSql(dst.uri, 'SELECT (SELECT count(*) FROM t0) + (SELECT count(*) FROM t1) + (SELECT count(*) FROM t2) + (SELECT count(*) FROM t3) AS n');
    assert.equal(Number(counts.rows[0].n), 32000);

    // what one server changes, the other shows: a task created through A, its throughput set through B
    const made = await api(a, 'POST', '/api/tasks', { name: 'made-on-a', source: sourceUri, target: dst.uri });
    assert.equal(made.status, 201, JSON.stringify(made.json));
    const changed = await api(b, 'PATCH', `/api/tasks/${made.json.id as string}/throughput`, { jobs: 3 });
    assert.equal(changed.status, 200, JSON.stringify(changed.json));
    const listA = (await api(a, 'GET', '/api/tasks')).json.tasks as { id: string; name: string; state: string; jobs: number }[];
    const listB = (await api(b, 'GET', '/api/tasks')).json.tasks as { id: string; name: string; state: string; jobs: number }[];
    assert.deepEqual(listA, listB);
    assert.deepEqual(listA.map((t) => [t.name, t.state]).sort(), [['made-on-a', 'created'], ['shared-store', 'completed']]);
    assert.equal(listA.find((t) => t.name === 'made-on-a')!.jobs, 3);
    const metrics = await fetch(`${b}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.match(await metrics.text(), /pgferry_tasks\{state="completed"\} 1/);

    // no password in any output, the task's log, or the store's rows
    const log = fs.readFileSync(path.join(dir, 'logs', `${id}.log`), 'utf8');
    const rows = await execSql(adminUri, `SELECT string_agg(t::text, ' ') AS all FROM (SELECT * FROM ${STORE_SCHEMA}.tasks) t`);
    const history = await execSql(adminUri, `SELECT string_agg(message || coalesce(data::text, ''), ' ') AS all FROM ${STORE_SCHEMA}.task_history`);
    for (const [what, text] of [['outputs', outputs.join('\n')], ['log', log], ['tasks', rows.rows[0].all], ['history', history.rows[0].all]] as const)
      assert.ok(!String(text).includes(PASSWORD), `the password is in the ${what}`);
  });
});

describe('the fleet queues over a PostgreSQL store: priorities', () => {
  it('task create --priority is stored in the spec; a worker takes the higher-priority run and unit first, then the older', async () => {
    const db = await storeDatabase('store_priority');
    const keys = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-priority-'));
    const env = { PGFERRY_STORE: db.uri, PGFERRY_KEY_FILE: path.join(keys, 'secret.key') };
    const src = await server('15', 'src');
    const made = [];
    for (const [name, priority] of [['low', '-5'], ['plain', '0'], ['urgent', '10']]) {
      const r = await runCli(['task', 'create', '--name', name, '--source', `postgresql://postgres@127.0.0.1:${src.port}/postgres`, '--target', `postgresql://postgres@127.0.0.1:${src.port}/x`, '--priority', priority, '--json'], env);
      assert.equal(r.code, 0, r.stderr);
      made.push(JSON.parse(r.stdout.trim().split('\n').pop()!).id as string);
    }
    const bad = await runCli(['task', 'create', '--source', 'postgresql://h/a', '--target', 'postgresql://h/b', '--priority', '101'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /must be an integer from -100 to 100/);
    const store = await openStore(db.uri);
    const { openRunQueue, queueRun, sharedStore, taskPriority, RUN_QUEUE } = await import('../../src/fleet/run-queue.js');
    const { UNIT_QUEUE, ensureUnitQueue } = await import('../../src/fleet/unit-queue.js');
    const boss = await openRunQueue(sharedStore(store, 'test'), { supervise: false });
    try {
      const tasks = await Promise.all(made.map((id) => store.get(id)));
      assert.deepEqual(tasks.map(taskPriority), [-5, 0, 10]);
      // queued oldest first: low, plain, urgent; taken by priority, then age
      for (const t of tasks) await queueRun(boss, { taskId: t.id, resume: false, by: 'test' }, taskPriority(t));
      const order: string[] = [];
      for (let i = 0; i < 3; i++) order.push(((await boss.fetch<{ taskId: string }>(RUN_QUEUE))[0]).data.taskId);
      assert.deepEqual(order.map((id) => tasks.find((t) => t.id === id)!.name), ['urgent', 'plain', 'low']);
      await ensureUnitQueue(boss);
      await boss.send(UNIT_QUEUE, { n: 'plain' }, { priority: 0 });
      await boss.send(UNIT_QUEUE, { n: 'urgent' }, { priority: 10 });
      assert.equal(((await boss.fetch<{ n: string }>(UNIT_QUEUE))[0]).data.n, 'urgent');
    } finally {
      await boss.stop({ graceful: false, close: false });
      await store.close();
      fs.rmSync(keys, { recursive: true, force: true });
    }
  });
});

describe('limits per server over a PostgreSQL store', () => {
  it('host-limit 1 on the target server: two tasks into it copy one table at a time between them, and both equal their source', async () => {
    const db = await storeDatabase('store_limits');
    const keys = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-limits-'));
    const env = { PGFERRY_STORE: db.uri, PGFERRY_KEY_FILE: path.join(keys, 'secret.key'), PGFERRY_LOG_DIR: path.join(keys, 'logs') };
    let store: Awaited<ReturnType<typeof openStore>> | undefined;
    try {
      const s = await server('15', 'src');
      const d = await server('15', 'dst');
      const src = await freshDatabase(s, 'limits_src');
      await execSql(src.uri, Array.from({ length: 6 }, (_, i) => `CREATE TABLE t${i} (id int PRIMARY KEY, pad text);
        INSERT INTO t${i} SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 6000) g;`).join('\n'));
      const targets = [await freshDatabase(d, 'limits_a'), await freshDatabase(d, 'limits_b')];
      const set = await runCli(['host-limit', `127.0.0.1:${d.port}`, '1'], env);
      assert.equal(set.code, 0, set.stderr);
      assert.match(set.stdout, new RegExp(`127\\.0\\.0\\.1:${d.port}  at most 1 table copy at once`));
      const sqlite = await runCli(['host-limit', 'db1', '2', '--store', path.join(keys, 'tasks.db')], {});
      assert.equal(sqlite.code, 2);
      assert.match(sqlite.stderr, /need a PostgreSQL task store/);
      const ids: string[] = [];
      for (const t of targets) {
        // each task alone would copy 3 tables at once (each slowed to seconds by its --max-rate)
        const r = await runCli(['task', 'create', '--source', src.uri, '--target', t.uri, '--jobs', '3', '--max-rate', '1.5', '--json'], env);
        assert.equal(r.code, 0, r.stderr);
        ids.push(JSON.parse(r.stdout.trim().split('\n').pop()!).id as string);
        assert.equal((await runCli(['task', 'precheck', ids.at(-1)!], env)).code, 0);
      }
      for (const id of ids) assert.equal((await runCli(['task', 'start', id], env)).code, 0);
      // the copies into the limited server, sampled: never more than one at once
      let most = 0;
      let seen = 0;
      const names = targets.map((t) => t.name);
      store = await openStore(db.uri);
      for (const until = Date.now() + 180_000; Date.now() < until; ) {
        const r = await execSql(uriOf(d, 'postgres'), `SELECT count(*)::int AS n FROM pg_catalog.pg_stat_activity WHERE datname = ANY($1) AND state = 'active' AND query ILIKE 'COPY %FROM STDIN%'`, [names]);
        most = Math.max(most, r.rows[0].n);
        seen += r.rows[0].n;
        const states = await Promise.all(ids.map(async (id) => (await store!.get(id)).state));
        if (states.every((x) => x === 'completed' || x === 'failed')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const id of ids) assert.equal((await store.get(id)).state, 'completed', (await store.get(id)).error ?? '');
      assert.ok(seen > 0, 'the sampling saw the copies');
      assert.equal(most, 1, 'one copy at a time into the limited server');
      for (const t of targets) assert.deepEqual(await tableDigests(t.uri), await tableDigests(src.uri));
      const off = await runCli(['host-limit', `127.0.0.1:${d.port}`, 'off', '--json'], env);
      assert.deepEqual(JSON.parse(off.stdout.trim()).limits, {});
    } finally {
      await store?.close();
      fs.rmSync(keys, { recursive: true, force: true });
    }
  });
});
