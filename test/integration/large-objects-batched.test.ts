/**
 * Many large objects. Regression: each object moved in a transaction of its own, four round trips
 * an object, on the first worker pair only (20,000 small objects: 10–37 s of data phase). Now
 * small objects go 1,000 to a transaction (one read, one write) over every worker pair, and
 * objects over 1 MB alone in 1 MB chunks; a run killed while they move and resumed loses and
 * doubles nothing, and a resumed run leaves no tail of contents an earlier attempt wrote.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import pg from 'pg';
import { copyLargeObjects } from '../../src/copy/large-objects.js';
import { execSql, freshDatabase, server, uriOf } from '../harness/servers.js';
import { BIN, runCli } from '../harness/cli.js';

/** 20,000 objects of 16 B to 4 kB, three of 3 MB, one empty; a table that points at some. */
const SOURCE = `
  SELECT lo_from_bytea(0, decode(repeat(md5(i::text), 1 + (i % 256)), 'hex')) FROM generate_series(1, 20000) i;
  SELECT lo_from_bytea(0, (SELECT string_agg(decode(md5(j::text || 'big' || i), 'hex'), '') FROM generate_series(1, 196608) j)) FROM generate_series(1, 3) i;
  SELECT lo_create(0);
  CREATE TABLE docs (id int PRIMARY KEY, body oid);
  INSERT INTO docs SELECT i, oid FROM (SELECT oid, row_number() OVER (ORDER BY oid) AS i FROM pg_largeobject_metadata) x WHERE i <= 500;`;

/** md5 and size of every large object, by OID. */
async function digests(uri: string): Promise<string[]> {
  const r = await execSql(uri, `SELECT m.oid::text || ':' || length(lo_get(m.oid)) || ':' || md5(lo_get(m.oid)) AS d FROM pg_largeobject_metadata m ORDER BY m.oid`);
  return r.rows.map((x) => x.d as string);
}

/**
 * Transactions committed in database `name` so far, once the sessions that ended have reported
 * theirs (read from another database, so the reading adds none).
 */
async function targetCommits(uri: string, name: string): Promise<number> {
  let last = -1;
  for (let i = 0; i < 30; i++) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const r = await execSql(uri, 'SELECT xact_commit::int AS n FROM pg_stat_database WHERE datname = $1', [name]);
    if (r.rows[0].n === last) return last;
    last = r.rows[0].n;
  }
  return last;
}

/**
 * Starts a migration and kills it `delayMs` after the data phase starts, unless the phase is over
 * by then; resolves with whether it was killed in the data phase.
 */
function killDuringData(source: string, target: string, delayMs: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'migrate', '--source', source, '--target', target, '--json', '--jobs', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let phase = '';
    let killed = false;
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const e = JSON.parse(buffered.slice(0, nl)) as { event: string; phase?: string };
        buffered = buffered.slice(nl + 1);
        if (e.event === 'phase-end') phase = '';
        if (e.event !== 'phase-start') continue;
        phase = e.phase!;
        if (phase === 'data')
          setTimeout(() => {
            if (phase !== 'data') return;
            killed = true;
            child.kill('SIGKILL');
          }, delayMs);
      }
    });
    child.stderr.resume();
    child.on('error', reject);
    child.on('exit', () => resolve(killed));
  });
}

describe('20,000 small large objects and three of 3 MB', () => {
  it('one transaction an object on one pair took half a minute; batches over the pairs move them, verified (15 → 15)', { timeout: 600_000 }, async () => {
    const src = await freshDatabase(await server('15', 'src'), 'lo_many');
    const dst = await freshDatabase(await server('15', 'dst'), 'lo_many');
    await execSql(src.uri, SOURCE);
    const r = await runCli(['migrate', '--source', src.uri, '--target', dst.uri, '--json', '--jobs', '2']);
    assert.equal(r.code, 0, r.stderr);
    // a transaction an object made over 20,000 commits on the target; batches make a few dozen
    // (pre-data's 1,000 objects a transaction included)
    const commits = await targetCommits(uriOf(await server('15', 'dst'), 'postgres'), dst.name);
    assert.ok(commits < 1000, `${commits} transactions committed on the target`);
    const v = await runCli(['verify', '--source', src.uri, '--target', dst.uri, '--json']);
    assert.equal(v.code, 0, `pgferry verify: ${v.stdout.slice(-2000)}`);
    assert.match(v.stdout, /"largeObjects":\{"count":20004,"problems":\[\]\}/);
    assert.deepEqual(await digests(dst.uri), await digests(src.uri));

    // killed while the objects move (at a tenth, four and seven tenths of the data phase just
    // measured), then resumed: nothing lost, nothing doubled
    const dataSeconds = Number(/"phase":"data","seconds":([0-9.]+)/.exec(r.stdout)?.[1] ?? 2);
    const written: number[] = [];
    for (const share of [0.1, 0.4, 0.7]) {
      const again = await freshDatabase(await server('15', 'dst'), 'lo_kill');
      if (!(await killDuringData(src.uri, again.uri, dataSeconds * share * 1000))) continue;
      const n = await execSql(again.uri, `SELECT count(*)::int AS n FROM pg_largeobject_metadata m WHERE length(lo_get(m.oid, 0, 1)) > 0`);
      written.push(n.rows[0].n as number);
      const resumed = await runCli(['migrate', '--source', src.uri, '--target', again.uri, '--json', '--jobs', '2', '--resume']);
      assert.equal(resumed.code, 0, resumed.stderr);
      const check = await runCli(['verify', '--source', src.uri, '--target', again.uri, '--json']);
      assert.equal(check.code, 0, `killed ${share} into the data phase, then resumed: ${check.stdout.slice(-2000)}`);
    }
    // at least one run was killed with some objects written and some not
    assert.ok(written.some((n) => n > 0 && n < 20003), `objects with contents when killed: ${written.join(', ')}`);
  });

  it('a resumed run empties each object before writing it: no tail from an earlier attempt\'s longer contents', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'lo_tail');
    const dst = await freshDatabase(await server('15', 'dst'), 'lo_tail');
    await execSql(src.uri, `SELECT lo_from_bytea(4243001, 'short now'::bytea); SELECT lo_from_bytea(4243002, decode(repeat('ab', 1500000), 'hex'))`);
    // what an earlier attempt left, from a snapshot where the objects were longer
    await execSql(dst.uri, `SELECT lo_from_bytea(4243001, 'much longer contents than now'::bytea); SELECT lo_from_bytea(4243002, decode(repeat('cd', 2500000), 'hex'))`);
    const [s, t] = [new pg.Client({ connectionString: src.uri }), new pg.Client({ connectionString: dst.uri })];
    await Promise.all([s.connect(), t.connect()]);
    try {
      await s.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const objects = [4243001, 4243002].map((oid) => ({ oid, owner: 'postgres', comment: null, acl: null }));
      const bytes = await copyLargeObjects(objects, [{ s, t }], { resumed: true });
      assert.equal(bytes, 9 + 1500000);
    } finally {
      await Promise.all([s.end(), t.end()]);
    }
    assert.deepEqual(await digests(dst.uri), await digests(src.uri));
  });
});
