/**
 * Sealed task passwords with the real store, real key files and the real CLI: a lost key file is
 * never silently replaced, a key file other users can read or write is refused, a sealed password
 * opens only in the task and side it was sealed for, and a `v1:` value of an older store still
 * opens and is re-sealed as `v2:`. `task create` does not connect, so no server is needed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { runCli, type CliResult } from '../harness/cli.js';
import { PgferryError } from '../../src/errors.js';
import { openSecret } from '../../src/task/secrets.js';
import { duplicateTask, setTaskPassword, taskConnInfo } from '../../src/task/task-service.js';
import type { TaskStore } from '../../src/task/task-store.js';
import { openStore } from '../../src/task/open-store.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-secrets-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

// awkward passwords: non-ASCII, quotes, spaces, URI metacharacters
const PW = { aSource: `Ünï c'ode"pw`, aTarget: 'p@ss/w:rd?#', bSource: 'b-source-ß', bTarget: 'b target pw' };

/** A store and a key file (in a folder pgferry has to create) of one test. */
function place(label: string, keyDir = 'keys') {
  const dir = path.join(root, label);
  fs.mkdirSync(dir);
  const keyFile = path.join(dir, keyDir, 'secret.key');
  return { dir, keyFile, env: { PGFERRY_STORE: path.join(dir, 'tasks.db'), PGFERRY_KEY_FILE: keyFile, PGPASSWORD: '' } };
}

const uri = (pw: string | undefined, db: string) => `postgresql://app${pw === undefined ? '' : `:${encodeURIComponent(pw)}`}@127.0.0.1:1/${db}`;

async function createTask(env: NodeJS.ProcessEnv, name: string, source?: string, target?: string): Promise<CliResult & { id?: string }> {
  const r = await runCli(['task', 'create', '--name', name, '--source', uri(source, `${name}_src`), '--target', uri(target, `${name}_dst`), '--json'], env);
  const last = JSON.parse(r.stdout.trim().split('\n').pop() || '{}') as { id?: string };
  return { ...r, id: r.code === 0 ? last.id : undefined };
}

/** The error line the CLI printed as JSON (code, object, message, fix). */
const jsonError = (r: CliResult) => JSON.parse(r.stdout.trim().split('\n').pop()!) as { code: string; object: string; message: string; fix: string };

const secretError = (re: RegExp) => (e: unknown) => e instanceof PgferryError && e.code === 'PGFERRY_E_SECRET' && re.test(`${e.message} ${e.fix}`);

/** Rows of the store's task_secrets, read from the SQLite file itself. */
function sealedRows(storeFile: string): { task_id: string; side: string; sealed: string }[] {
  const db = new Database(storeFile, { readonly: true });
  try {
    return db.prepare('SELECT task_id, side, sealed FROM task_secrets ORDER BY task_id, side').all() as { task_id: string; side: string; sealed: string }[];
  } finally {
    db.close();
  }
}

function writeSealed(storeFile: string, taskId: string, side: string, sealed: string): void {
  const db = new Database(storeFile);
  try {
    assert.equal(db.prepare('UPDATE task_secrets SET sealed = ? WHERE task_id = ? AND side = ?').run(sealed, taskId, side).changes, 1);
  } finally {
    db.close();
  }
}

/** A password sealed as pgferry did before `v2:`: AES-256-GCM without additional data. */
function sealV1(plain: string, keyFile: string): string {
  const key = Buffer.from(fs.readFileSync(keyFile, 'utf8').trim(), 'hex');
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `v1:${Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64')}`;
}

async function withStore<T>(file: string, fn: (store: TaskStore) => Promise<T>): Promise<T> {
  const store = await openStore(file);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

describe('sealed task passwords', () => {
  it('regression: a lost key file was silently replaced by a new key, orphaning the sealed passwords', async () => {
    const { keyFile, env } = place('lost-key');
    const a = await createTask(env, 'a', PW.aSource, PW.aTarget);
    assert.equal(a.code, 0, a.stderr);
    // the first password of an empty store creates the key: folder 0700, file 0600
    assert.equal(fs.statSync(path.dirname(keyFile)).mode & 0o777, 0o700);
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);

    fs.rmSync(keyFile);
    const b = await createTask(env, 'b', PW.bSource);
    assert.equal(b.code, 1, b.stderr);
    const err = jsonError(b);
    assert.equal(err.code, 'PGFERRY_E_SECRET');
    assert.equal(err.object, `key file ${keyFile}`);
    assert.match(err.message, /missing, and the store holds 2 password\(s\) sealed with it/);
    assert.ok(err.fix.includes(`restore ${keyFile} or set PGFERRY_KEY_FILE`), err.fix);
    assert.match(b.stderr, /PGFERRY_E_SECRET: key file .*secret\.key: /);
    assert.ok(!fs.existsSync(keyFile), 'the key file was not recreated');
    assert.deepEqual(sealedRows(env.PGFERRY_STORE).map((r) => r.task_id), [a.id, a.id], 'task b was not stored');

    // set-password is refused the same way
    await withStore(env.PGFERRY_STORE, async (store) =>
      assert.rejects(setTaskPassword(store, a.id!, 'target', 'new', keyFile), secretError(/the store holds 2 password\(s\)/)),
    );
    assert.ok(!fs.existsSync(keyFile));

    // a task without a password needs no key
    const c = await createTask(env, 'c');
    assert.equal(c.code, 0, c.stderr);
    assert.ok(!fs.existsSync(keyFile));

    // the way out the fix gives for a key lost for good works, and only on purpose
    const command = /\(umask 077 && openssl rand -hex 32 > [^)]+\)/.exec(err.fix)?.[0];
    assert.ok(command, err.fix);
    execFileSync('sh', ['-c', command]);
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
    const d = await createTask(env, 'd', PW.bSource);
    assert.equal(d.code, 0, d.stderr);
    await withStore(env.PGFERRY_STORE, async (store) => {
      assert.equal((await taskConnInfo(store, await store.get(d.id!), keyFile)).source.password, PW.bSource);
      await assert.rejects(taskConnInfo(store, await store.get(a.id!), keyFile), secretError(new RegExp(`set-password ${a.id} --side source`)));
    });
  });

  it('refuses a key file other users can read or write, when sealing and when opening', async () => {
    // a folder with a space: the chmod command in the fix must still be one paste
    const { keyFile, env } = place('open-key', 'key dir');
    const a = await createTask(env, 'a', PW.aSource, PW.aTarget);
    assert.equal(a.code, 0, a.stderr);
    const chmod = `chmod 600 '${keyFile}'`;

    fs.chmodSync(keyFile, 0o644);
    const b = await createTask(env, 'b', PW.bSource);
    assert.equal(b.code, 1, b.stderr);
    const err = jsonError(b);
    assert.equal(err.code, 'PGFERRY_E_SECRET');
    assert.match(err.message, /open to other users \(mode 0644\)/);
    assert.ok(err.fix.startsWith(chmod), err.fix);
    assert.equal(sealedRows(env.PGFERRY_STORE).length, 2, 'task b was not stored');

    // opening: `task test` stops before it connects
    fs.chmodSync(keyFile, 0o660);
    const t = await runCli(['task', 'test', a.id!, '--json'], env);
    assert.equal(t.code, 1, t.stderr);
    assert.equal(jsonError(t).code, 'PGFERRY_E_SECRET');
    assert.ok(jsonError(t).fix.startsWith(chmod) && /mode 0660/.test(jsonError(t).message), t.stdout);
    assert.ok(!t.stdout.includes(PW.aSource) && !t.stderr.includes(PW.aSource));

    // the fix, run as given, is all it takes
    execFileSync('sh', ['-c', chmod]);
    const c = await createTask(env, 'c', PW.bSource);
    assert.equal(c.code, 0, c.stderr);
    await withStore(env.PGFERRY_STORE, async (store) => assert.equal((await taskConnInfo(store, await store.get(a.id!), keyFile)).source.password, PW.aSource));
  });

  it('opens a sealed password only in the task and side it was sealed for', async () => {
    const { keyFile, env } = place('moved-blob');
    const a = await createTask(env, 'a', PW.aSource, PW.aTarget);
    const b = await createTask(env, 'b', PW.bSource, PW.bTarget);
    assert.equal(a.code + b.code, 0, a.stderr + b.stderr);
    const rows = sealedRows(env.PGFERRY_STORE);
    assert.ok(rows.every((r) => r.sealed.startsWith('v2:')), JSON.stringify(rows));
    const aSource = rows.find((r) => r.task_id === a.id && r.side === 'source')!.sealed;

    writeSealed(env.PGFERRY_STORE, b.id!, 'source', aSource);
    writeSealed(env.PGFERRY_STORE, a.id!, 'target', aSource);
    await withStore(env.PGFERRY_STORE, async (store) => {
      const open = async (id: string, side: 'source' | 'target') => openSecret((await store.secret(id, side))!, { taskId: id, side }, keyFile).plain;
      await assert.rejects(open(b.id!, 'source'), secretError(/sealed for another task or side/));
      await assert.rejects(open(a.id!, 'target'), secretError(/sealed for another task or side/));
      assert.equal(await open(a.id!, 'source'), PW.aSource);
      assert.equal(await open(b.id!, 'target'), PW.bTarget);
      await assert.rejects(taskConnInfo(store, await store.get(b.id!), keyFile), secretError(new RegExp(`set-password ${b.id} --side source`)));
    });
    const t = await runCli(['task', 'test', b.id!, '--json'], env);
    assert.equal(t.code, 1, t.stderr);
    assert.equal(jsonError(t).code, 'PGFERRY_E_SECRET');
    assert.ok(!t.stdout.includes(PW.aSource) && !t.stderr.includes(PW.aSource));

    // set-password repairs the row
    await withStore(env.PGFERRY_STORE, async (store) => {
      await setTaskPassword(store, b.id!, 'source', PW.bSource, keyFile);
      assert.deepEqual([(await taskConnInfo(store, await store.get(b.id!), keyFile)).source.password, (await taskConnInfo(store, await store.get(b.id!), keyFile)).target.password], [PW.bSource, PW.bTarget]);
    });
  });

  it('opens a v1 password of an older store and re-seals it as v2', async () => {
    const { keyFile, env } = place('v1-upgrade');
    const a = await createTask(env, 'a', PW.aSource, PW.aTarget);
    assert.equal(a.code, 0, a.stderr);
    const v1 = sealV1(PW.aSource, keyFile);
    writeSealed(env.PGFERRY_STORE, a.id!, 'source', v1);

    await withStore(env.PGFERRY_STORE, async (store) => {
      const conn = await taskConnInfo(store, await store.get(a.id!), keyFile);
      assert.deepEqual([conn.source.password, conn.target.password], [PW.aSource, PW.aTarget]);
    });
    const upgraded = sealedRows(env.PGFERRY_STORE).find((r) => r.side === 'source')!.sealed;
    assert.ok(upgraded.startsWith('v2:') && upgraded !== v1, upgraded);
    await withStore(env.PGFERRY_STORE, async (store) => {
      assert.deepEqual(openSecret(upgraded, { taskId: a.id!, side: 'source' }, keyFile), { plain: PW.aSource });
      // now bound to its row like any v2 value
      assert.throws(() => openSecret(upgraded, { taskId: a.id!, side: 'target' }, keyFile), secretError(/another task or side/));
      // a re-seal never overwrites a password replaced in the meantime
      assert.equal(await store.replaceSecret(a.id!, 'source', v1, 'v2:stale'), false);
      assert.equal(await store.secret(a.id!, 'source'), upgraded);
    });
  });

  it('a duplicate carries its passwords sealed for itself, and never to another server or account', async () => {
    const { keyFile, env } = place('duplicate');
    const a = await createTask(env, 'a', PW.aSource, PW.aTarget);
    assert.equal(a.code, 0, a.stderr);
    // the CLI's copy: both passwords, sealed again for the new task (a row of the original's would not open in it)
    const r = await runCli(['task', 'duplicate', a.id!, '--name', 'a2', '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const copy = JSON.parse(r.stdout.trim().split('\n').pop()!) as { id: string; name: string };
    assert.equal(copy.name, 'a2');
    const rows = sealedRows(env.PGFERRY_STORE);
    const sealedOf = (id: string, side: string) => rows.find((x) => x.task_id === id && x.side === side)!.sealed;
    assert.notEqual(sealedOf(copy.id, 'source'), sealedOf(a.id!, 'source'));
    assert.ok(!r.stdout.includes(PW.aSource) && !r.stderr.includes(PW.aSource));
    await withStore(env.PGFERRY_STORE, async (store) => {
      const conn = await taskConnInfo(store, await store.get(copy.id), keyFile);
      assert.deepEqual([conn.source.password, conn.target.password], [PW.aSource, PW.aTarget]);
      assert.ok((await store.history(copy.id)).some((h) => /^duplicated from a \(/.test(h.message)));
      // an edited copy: the source's database changes (same server and account: its password comes
      // along), the target moves to another host (its password stays behind)
      const edited = await duplicateTask(store, a.id!, keyFile, { spec: { name: 'a3', source: uri(undefined, 'other_db'), target: 'postgresql://app@elsewhere.example:1/a_dst' } });
      const e = await taskConnInfo(store, edited, keyFile);
      assert.deepEqual([e.source.password, e.target.password], [PW.aSource, undefined]);
      // a changed account is another owner of the password: it stays behind too
      const other = await duplicateTask(store, a.id!, keyFile, { spec: { source: 'postgresql://someone@127.0.0.1:1/a_src', target: uri(undefined, 'a_dst') } });
      const o = await taskConnInfo(store, other, keyFile);
      assert.deepEqual([o.source.password, o.target.password], [undefined, PW.aTarget]);
    });
  });
});
