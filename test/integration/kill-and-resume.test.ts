/**
 * Automatic resume, the hard way: the pgferry process is killed with SIGKILL at 12 seeded random
 * moments of a migration (four in each of pre-data, data and post-data), then `migrate --resume`
 * finishes the run. Every trial ends with `pgferry verify` passing (row counts and checksums, so a
 * duplicated or lost row fails it, in the table without a key too) and the bookkeeping gone.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { execSql, freshDatabase, server } from '../harness/servers.js';
import { BIN, runCli } from '../harness/cli.js';

const SOURCE = `
  CREATE TABLE big1 (id bigint PRIMARY KEY, pad text, n numeric);
  CREATE TABLE big2 (id bigint PRIMARY KEY, ref bigint REFERENCES big1 (id), pad text);
  CREATE TABLE keyless (v text, n int);
  CREATE TABLE parted (id int, day date, v text) PARTITION BY RANGE (day);
  CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM ('2024-01-01') TO ('2024-07-01');
  CREATE TABLE parted_2 PARTITION OF parted FOR VALUES FROM ('2024-07-01') TO ('2025-01-01');
  CREATE INDEX ON parted (day);
  INSERT INTO big1 SELECT i, repeat(md5(i::text), 4), i / 7.0 FROM generate_series(1, 150000) i;
  INSERT INTO big2 SELECT i, i, repeat('y', 100) FROM generate_series(1, 150000) i;
  INSERT INTO keyless SELECT 'same', i % 10 FROM generate_series(1, 100000) i;
  INSERT INTO parted SELECT i, '2024-01-01'::date + (i % 360), 'p' FROM generate_series(1, 50000) i;
  CREATE INDEX ON big1 (n); CREATE INDEX ON big2 (ref); CREATE INDEX ON keyless (n);
  DO $$ BEGIN FOR i IN 1..250 LOOP
    EXECUTE format('CREATE TABLE small_%s (id serial PRIMARY KEY, a text, b int); CREATE INDEX ON small_%s (b);
                    CREATE VIEW small_v_%s AS SELECT * FROM small_%s; INSERT INTO small_%s (a, b) SELECT ''x'', g FROM generate_series(1, 20) g', i, i, i, i, i);
  END LOOP; END $$;`;

/** The summary's dataSnapshots from a --json run's output. */
export function snapshotsOf(stdout: string): number {
  const line = stdout.split('\n').find((l) => l.includes('"event":"summary"'));
  return line ? (JSON.parse(line) as { summary: { dataSnapshots: number } }).summary.dataSnapshots : 0;
}

/** mulberry32: a small seeded PRNG, so a failing trial can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Starts a migration and kills it `delayMs` after `phase` starts; resolves with the phase it was in. */
function killDuring(source: string, target: string, phase: string, delayMs: number): Promise<{ killedIn: string; signal: string | null; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'migrate', '--source', source, '--target', target, '--json', '--jobs', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let current = 'start';
    let buffered = '';
    let armed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const e = JSON.parse(line) as { event: string; phase?: string };
        if (e.event === 'phase-start') current = e.phase!;
        if (e.event === 'phase-start' && e.phase === phase && !armed) {
          armed = true;
          setTimeout(() => child.kill('SIGKILL'), delayMs);
        }
      }
    });
    child.stderr.resume();
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ killedIn: current, signal, code }));
  });
}

describe('SIGKILL at random moments, then --resume', () => {
  it('every trial ends verified, without lost or duplicated rows', { timeout: 900_000 }, async () => {
    const src = await freshDatabase(await server('15', 'src'), 'kill');
    await execSql(src.uri, SOURCE);
    // calibration: how long each phase takes here
    const cal = await freshDatabase(await server('15', 'dst'), 'kill_cal');
    const r = await runCli(['migrate', '--source', src.uri, '--target', cal.uri, '--json', '--jobs', '2']);
    assert.equal(r.code, 0, r.stderr);
    const seconds = Object.fromEntries(
      r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; phase?: string; seconds?: number }).filter((e) => e.event === 'phase-end').map((e) => [e.phase, e.seconds!]),
    );
    const unitsTotal = (r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; units?: number }).find((e) => e.event === 'plan')?.units) ?? -1;
    const random = prng(20261127);
    const trials = ['pre-data', 'data', 'post-data'].flatMap((phase) => Array.from({ length: 4 }, () => ({ phase, delayMs: Math.floor(random() * seconds[phase] * 1000 * 0.9) })));
    const landed = new Set<string>();
    for (const [n, t] of trials.entries()) {
      const dst = await freshDatabase(await server('15', 'dst'), `kill_${n}`);
      const k = await killDuring(src.uri, dst.uri, t.phase, t.delayMs);
      const label = `trial ${n}: SIGKILL ${t.delayMs} ms into ${t.phase}`;
      // killed after the run had done everything and dropped its bookkeeping (the last moment
      // before its summary): the migration is complete, and a resume would start a new one
      const finished = k.signal === 'SIGKILL' && (await execSql(dst.uri, "SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'pgferry_state'")).rows[0].n === 0;
      if (k.signal === 'SIGKILL' && !finished) landed.add(k.killedIn);
      else if (finished) {
        const v = await runCli(['verify', '--source', src.uri, '--target', dst.uri]);
        assert.equal(v.code, 0, `${label}: killed after the run was complete: ${v.stdout}`);
        continue;
      } else {
        // the run finished before the kill came (a faster moment than the calibration run): nothing to resume
        assert.equal(k.code, 0, `${label}: the run ended by itself with ${k.code}`);
        const v = await runCli(['verify', '--source', src.uri, '--target', dst.uri]);
        assert.equal(v.code, 0, `${label}: ${v.stdout}`);
        continue;
      }
      // which copy units the killed run had finished: the phase the test saw last may lag the process's
      const unitsBefore = (await execSql(dst.uri, "SELECT count(*)::int AS n FROM pgferry_state.units WHERE unit NOT LIKE 'step:%'")).rows[0].n as number;
      const again = await runCli(['migrate', '--source', src.uri, '--target', dst.uri, '--json', '--resume']);
      // tables copied before the kill and after it come from two snapshots: exit 11, said so
      const snapshots = snapshotsOf(again.stdout);
      assert.equal(again.code, snapshots > 1 ? 11 : 0, `${label}: resume failed: ${again.stderr}`);
      // killed before any table was in, or after all were: every row from one snapshot
      if (unitsBefore === 0 || unitsBefore === unitsTotal) assert.equal(snapshots, 1, `${label} (${unitsBefore} of ${unitsTotal} units done before): all rows come from one snapshot`);
      const v = await runCli(['verify', '--source', src.uri, '--target', dst.uri]);
      assert.equal(v.code, 0, `${label}: ${v.stdout}`);
      assert.match(v.stdout, /verify: PASS tables=\d+ rows=\d+/);
      const state = await execSql(dst.uri, "SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'pgferry_state'");
      assert.equal(state.rows[0].n, 0, `${label}: bookkeeping left behind`);
    }
    assert.deepEqual([...landed].sort(), ['data', 'post-data', 'pre-data'], 'kills landed in every phase');
  });
});
