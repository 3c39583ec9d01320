/**
 * Passwords kept off the command line (where `ps`, /proc/PID/cmdline and shell history show them
 * to everyone): `--source-password-stdin` and `--target-password-stdin` on test-connection,
 * migrate and task create, against the role that must log in with a password. And `task create`
 * with an invalid spec, which used to leave a store (and a key file) behind for nothing.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CHANGING_PASSWORD_ROLE, ensurePasswordRole as ensureRole, execSql, freshDatabase, PASSWORD_ROLE_PASSWORD, server, uriOf } from '../harness/servers.js';

// a password role of this file's own: it changes the password, which other files must not see
const PASSWORD_ROLE = CHANGING_PASSWORD_ROLE;
const ensurePasswordRole = (ref: Parameters<typeof ensureRole>[0]) => ensureRole(ref, PASSWORD_ROLE);
import { BIN, type CliResult } from '../harness/cli.js';

const PASSWORD = PASSWORD_ROLE_PASSWORD;
// spaces at both ends, quotes, a backslash, non-ASCII: a line is taken as it is, without its newline
const AWKWARD = ` it's "a" \\ pässwörd `;
const scratch: string[] = [];
const tempDir = (label: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `pgferry-pw-${label}-`));
  scratch.push(d);
  return d;
};
after(() => {
  for (const d of scratch) fs.rmSync(d, { recursive: true, force: true });
});

/** The CLI with `input` on its stdin; `cmdlines` are its /proc/PID/cmdline, read while it ran. */
function runWithStdin(args: string[], input: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult & { cmdlines: string[] }> {
  return new Promise((resolve, reject) => {
    // no password from the parent's environment: each test says where the password comes from
    const child = spawn(process.execPath, ['--max-semi-space-size=2', BIN, ...args], { env: { ...process.env, PGPASSWORD: '', ...env } });
    const cmdlines: string[] = [];
    const peek = () => {
      try {
        cmdlines.push(fs.readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
      } catch {
        // already gone
      }
    };
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c;
      peek();
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr, cmdlines }));
    peek();
    child.stdin.end(input);
  });
}

const jsonLast = (r: CliResult) => JSON.parse(r.stdout.trim().split('\n').pop()!);
type Connectivity = { passed: boolean; sides: { side: string; passed: boolean; failedStep?: string; code?: string }[] };

function assertNoPassword(r: CliResult, ...passwords: string[]): void {
  for (const pw of passwords) assert.ok(!r.stdout.includes(pw) && !r.stderr.includes(pw), `a password was printed: ${r.stdout}${r.stderr}`);
}

/** Sets PASSWORD_ROLE's password to `pw` (quoted by the server, not here). */
async function setRolePassword(uri: string, pw: string): Promise<void> {
  const sql = await execSql(uri, 'SELECT format($$ALTER ROLE %I PASSWORD %L$$, $1::text, $2::text) AS sql', [PASSWORD_ROLE, pw]);
  await execSql(uri, sql.rows[0].sql as string);
}

describe('passwords from standard input', () => {
  let srcPort: number;
  let dstPort: number;
  before(async () => {
    const [s, d] = [await server('15', 'src'), await server('15', 'dst')];
    srcPort = s.port;
    dstPort = d.port;
    await ensurePasswordRole(s);
    await ensurePasswordRole(d);
  });
  after(async () => ensurePasswordRole(await server('15', 'src')));

  it('test-connection logs in with a password from stdin, over a wrong one in the URI and PGPASSWORD; a wrong one fails at authentication', async () => {
    const plain = `postgresql://${PASSWORD_ROLE}@127.0.0.1:${srcPort}/postgres`;
    const ok = await runWithStdin(['test-connection', '--source', plain, '--source-password-stdin', '--json'], `${PASSWORD}\n`);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.equal((jsonLast(ok) as Connectivity).passed, true);

    const withWrong = `postgresql://${PASSWORD_ROLE}:uri-password@127.0.0.1:${srcPort}/postgres`;
    const over = await runWithStdin(['test-connection', '--source', withWrong, '--source-password-stdin', '--json'], PASSWORD, { PGPASSWORD: 'env-password' });
    assert.equal(over.code, 0, `stdin wins over the URI and PGPASSWORD (and a last line needs no newline): ${over.stdout}${over.stderr}`);

    const wrong = await runWithStdin(['test-connection', '--source', plain, '--source-password-stdin', '--json'], 'not-the-password\n');
    assert.equal(wrong.code, 3, wrong.stderr);
    const side = (jsonLast(wrong) as Connectivity).sides[0];
    assert.deepEqual([side.passed, side.failedStep, side.code], [false, 'authentication', 'PGFERRY_E_AUTH']);
    assertNoPassword(wrong, 'not-the-password');
    assertNoPassword(ok, PASSWORD);

    await setRolePassword(uriOf(await server('15', 'src'), 'postgres'), AWKWARD);
    const awkward = await runWithStdin(['test-connection', '--source', plain, '--source-password-stdin', '--json'], `${AWKWARD}\n`);
    assert.equal(awkward.code, 0, `an awkward password is read verbatim: ${awkward.stdout}`);
    const trimmed = await runWithStdin(['test-connection', '--source', plain, '--source-password-stdin', '--json'], `${AWKWARD.trim()}\n`);
    assert.equal(trimmed.code, 3, 'the spaces around it are part of the password');
    await ensurePasswordRole(await server('15', 'src'));
  });

  it('reads the source from the first line and the target from the second', async () => {
    const args = [
      'test-connection', '--source', `postgresql://${PASSWORD_ROLE}@127.0.0.1:${srcPort}/postgres`, '--target', `postgresql://${PASSWORD_ROLE}@127.0.0.1:${dstPort}/postgres`,
      '--target-password-stdin', '--source-password-stdin', '--json',
    ];
    const both = await runWithStdin(args, `${PASSWORD}\n${PASSWORD}\n`);
    assert.equal(both.code, 0, both.stdout + both.stderr);
    assert.deepEqual((jsonLast(both) as Connectivity).sides.map((s) => [s.side, s.passed]), [['source', true], ['target', true]]);

    // the order of the lines is source then target, whatever the order of the flags
    const secondWrong = await runWithStdin(args, `${PASSWORD}\nwrong-for-the-target\n`);
    assert.equal(secondWrong.code, 3);
    assert.deepEqual((jsonLast(secondWrong) as Connectivity).sides.map((s) => [s.side, s.passed, s.failedStep]), [['source', true, undefined], ['target', false, 'authentication']]);
  });

  it('one line for two flags, an empty line or no input at all is a usage error (exit 2)', async () => {
    const conn = ['--source', `postgresql://${PASSWORD_ROLE}@127.0.0.1:${srcPort}/postgres`, '--target', `postgresql://${PASSWORD_ROLE}@127.0.0.1:${dstPort}/postgres`];
    const oneLine = await runWithStdin(['test-connection', ...conn, '--source-password-stdin', '--target-password-stdin'], `${PASSWORD}\n`);
    assert.equal(oneLine.code, 2, oneLine.stderr);
    assert.match(oneLine.stderr, /PGFERRY_E_USAGE: --target-password-stdin: standard input has no line 2 for the target's password — fix: .*the source's first/);
    assertNoPassword(oneLine, PASSWORD);

    const empty = await runWithStdin(['test-connection', ...conn, '--source-password-stdin'], '\n');
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /--source-password-stdin: the source's password on standard input \(line 1\) is empty/);
    const nothing = await runWithStdin(['migrate', ...conn, '--target-password-stdin'], '');
    assert.equal(nothing.code, 2);
    assert.match(nothing.stderr, /--target-password-stdin: standard input has no line for the target's password/);
    const noSide = await runWithStdin(['test-connection', '--source', conn[1], '--target-password-stdin'], `${PASSWORD}\n`);
    assert.equal(noSide.code, 2);
    assert.match(noSide.stderr, /--target-password-stdin needs --target/);
  });

  it('migrate with both passwords on stdin completes, and its command line never holds them', async () => {
    const s = await server('15', 'src');
    const d = await server('15', 'dst');
    const src = await freshDatabase(s, 'pwstdin');
    const dst = await freshDatabase(d, 'pwstdin');
    await execSql(src.uri, `CREATE TABLE "Foo Bar" (id int PRIMARY KEY, v text); INSERT INTO "Foo Bar" SELECT g, 'v' || g FROM generate_series(1, 500) g;
      GRANT SELECT ON "Foo Bar" TO ${PASSWORD_ROLE};`);
    await execSql(uriOf(d, 'postgres'), `ALTER DATABASE "${dst.name}" OWNER TO ${PASSWORD_ROLE}`);
    const r = await runWithStdin(
      [
        'migrate', '--source', `postgresql://${PASSWORD_ROLE}@127.0.0.1:${s.port}/${src.name}`, '--target', `postgresql://${PASSWORD_ROLE}@127.0.0.1:${d.port}/${dst.name}`,
        '--source-password-stdin', '--target-password-stdin', '--no-owner', '--no-privileges', '--jobs', '2', '--json',
      ],
      `${PASSWORD}\n${PASSWORD}\n`,
      { PGPASSWORD: 'env-password' },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(jsonLast(r).summary.rowsCopied, 500);
    const n = await execSql(dst.uri, 'SELECT count(*)::int AS n FROM "Foo Bar"');
    assert.equal(n.rows[0].n, 500);
    assert.ok(r.cmdlines.length >= 2, 'the command line was read while it ran');
    for (const c of r.cmdlines) {
      assert.match(c, /pgferry\.js migrate --source/);
      assert.ok(!c.includes(PASSWORD), `password in the command line: ${c}`);
    }
    assertNoPassword(r, PASSWORD);
  });
});

describe('task create', () => {
  let srcPort: number;
  before(async () => {
    const s = await server('15', 'src');
    srcPort = s.port;
    await ensurePasswordRole(s);
  });

  it('an invalid spec creates no store and no key file (a first-time user had ~/.pgferry/tasks.db for nothing)', async () => {
    const folder = tempDir('store');
    const files = tempDir('files');
    const env = { PGFERRY_KEY_FILE: path.join(folder, 'secret.key') };
    const store = ['--store', path.join(folder, 'tasks.db')];
    const conn = ['--source', `postgresql://${PASSWORD_ROLE}:${PASSWORD}@127.0.0.1:${srcPort}/postgres`, '--target', 'postgresql://postgres@127.0.0.1:1/x'];
    const unknownKeys = path.join(files, 'task.yaml');
    fs.writeFileSync(unknownKeys, `source: ${conn[1]}\ntarget: ${conn[3]}\nsurprise: 1\noptions:\n  jobz: 2\n`);
    const cases: { args: string[]; input?: string; message: RegExp }[] = [
      { args: [...conn, '--type', 'bad'], message: /--type <type>' argument 'bad' is invalid/ },
      { args: ['--config', unknownKeys], message: /invalid task spec: (?=.*\(spec\): Unrecognized key\(s\) in object: 'surprise')(?=.*options: Unrecognized key\(s\) in object: 'jobz')/ },
      { args: [conn[0], conn[1]], message: /a task needs a source and a target/ },
      { args: [...conn, '--jobs', '3', '--config', path.join(files, 'missing.yaml')], message: /cannot read the task file/ },
      { args: [conn[0], conn[1], '--target', 'postgresql://[bad'], message: /connection URI is not valid/ },
      { args: [...conn, '--source-password-stdin', '--target-password-stdin'], input: `${PASSWORD}\n`, message: /no line 2 for the target's password/ },
      { args: [...conn, '--source-password-stdin', '--ask-password'], input: `${PASSWORD}\n`, message: /exclude each other/ },
    ];
    for (const c of cases) {
      const r = await runWithStdin(['task', 'create', ...store, ...c.args], c.input ?? '', env);
      assert.equal(r.code, 2, `${c.args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, c.message);
      assert.deepEqual(fs.readdirSync(folder), [], `${c.args.join(' ')} left files behind`);
      assertNoPassword(r, PASSWORD);
    }

    // the default place: nothing appears in a fresh home either
    const home = tempDir('home');
    const r = await runWithStdin(['task', 'create', '--config', unknownKeys], '', { HOME: home, PGFERRY_STORE: '', PGFERRY_KEY_FILE: '' });
    assert.equal(r.code, 2, r.stderr);
    assert.deepEqual(fs.readdirSync(home), []);

    const ok = await runWithStdin(['task', 'create', ...store, '--source', `postgresql://postgres@127.0.0.1:${srcPort}/postgres`, '--target', conn[3], '--json'], '', env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(jsonLast(ok).event, 'task');
    assert.ok(fs.existsSync(path.join(folder, 'tasks.db')), 'a valid spec creates the store');
  });

  it('task create --source-password-stdin seals the password (over the one in the URI), and task test logs in with it', async () => {
    const folder = tempDir('sealed');
    const env = { PGFERRY_KEY_FILE: path.join(folder, 'secret.key'), PGFERRY_STORE: path.join(folder, 'tasks.db') };
    const created = await runWithStdin(
      ['task', 'create', '--source', `postgresql://${PASSWORD_ROLE}:uri-password@127.0.0.1:${srcPort}/postgres`, '--target', uriOf(await server('15', 'dst'), 'postgres'), '--source-password-stdin', '--json'],
      `${PASSWORD}\n`,
      env,
    );
    assert.equal(created.code, 0, created.stderr);
    const id = jsonLast(created).id as string;
    assert.ok(fs.existsSync(env.PGFERRY_KEY_FILE), 'sealed with a key file');
    for (const f of fs.readdirSync(folder)) {
      const bytes = fs.readFileSync(path.join(folder, f));
      for (const pw of [PASSWORD, 'uri-password']) assert.ok(!bytes.includes(pw), `${pw} in plain text in ${f}`);
    }
    const shown = await runWithStdin(['task', 'show', id], '', env);
    assert.match(shown.stdout, /source: pgferry_pw_changing@127\.0\.0\.1:\d+\/postgres sslmode=prefer \(password stored encrypted\)/);

    const tested = await runWithStdin(['task', 'test', id, '--json'], '', env);
    assert.equal(tested.code, 0, tested.stdout + tested.stderr);
    assert.deepEqual((jsonLast(tested) as Connectivity).sides.map((s) => [s.side, s.passed]), [['source', true], ['target', true]]);
    assertNoPassword(tested, PASSWORD);

    // --ask-password from a pipe reads both lines through one reader (the second was lost before)
    const asked = await runWithStdin(
      ['task', 'create', '--source', `postgresql://${PASSWORD_ROLE}@127.0.0.1:${srcPort}/postgres`, '--target', `postgresql://${PASSWORD_ROLE}@127.0.0.1:${srcPort}/postgres`, '--ask-password', '--json'],
      `${PASSWORD}\n${PASSWORD}\n`,
      env,
    );
    assert.equal(asked.code, 0, asked.stderr);
    const askedTest = await runWithStdin(['task', 'test', jsonLast(asked).id, '--json'], '', env);
    assert.equal(askedTest.code, 0, askedTest.stdout);
  });
});
