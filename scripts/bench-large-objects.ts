/**
 * Large objects: 20,000 small objects (16 B to 4 kB) and three of 3 MB on a throwaway
 * PostgreSQL 15 source, `pgferry migrate --jobs 2` into a fresh database on a second 15 server,
 * three times, then `pgferry verify`. Prints each run with its phases and the median.
 * `node --import tsx scripts/bench-large-objects.ts [CHECKOUT]` runs CHECKOUT's built pgferry
 * (default: this one), so an older commit can be measured the same way.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startLocalServer } from '../src/server/local-server.js';
import { sql } from './bench-sql.js';

const BIN = '/usr/lib/postgresql/15/bin';
const CHECKOUT = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..'));
const pgferry = (args: string[]) => execFileSync(process.execPath, [path.join(CHECKOUT, 'bin/pgferry.js'), ...args], { maxBuffer: 1 << 28 }).toString();


const [s, t] = await Promise.all([startLocalServer({ binDir: BIN }), startLocalServer({ binDir: BIN })]);
try {
  await sql(s.uri('postgres'), 'CREATE DATABASE lo');
  const src = s.uri('lo');
  await sql(src, `SELECT lo_from_bytea(0, decode(repeat(md5(i::text), 1 + (i % 128)), 'hex')) FROM generate_series(1, 20000) i`);
  await sql(src, `SELECT lo_from_bytea(0, (SELECT string_agg(decode(md5(j::text || 'x' || i), 'hex'), '') FROM generate_series(1, 196608) j)) FROM generate_series(1, 3) i`);
  await sql(src, 'CREATE TABLE t (id int PRIMARY KEY, doc oid); INSERT INTO t SELECT i, i FROM generate_series(1, 1000) i');
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    await sql(t.uri('postgres'), `CREATE DATABASE lo${i}`);
    const started = Date.now();
    const out = pgferry(['migrate', '--source', src, '--target', t.uri(`lo${i}`), '--json', '--jobs', '2']);
    times.push((Date.now() - started) / 1000);
    const phases = out.split('\n').filter((l) => l.includes('"phase-end"')).map((l) => JSON.parse(l) as { phase: string; seconds: number });
    console.log(`run ${i + 1}: ${times[i].toFixed(2)} s (${phases.map((p) => `${p.phase} ${p.seconds.toFixed(2)}`).join(', ')})`);
  }
  const report = JSON.parse(pgferry(['verify', '--source', src, '--target', t.uri('lo2'), '--json']).trim().split('\n').pop()!) as { ok: boolean; largeObjects: unknown };
  console.log(`verify: ok=${report.ok} large objects ${JSON.stringify(report.largeObjects)}`);
  console.log(`median ${times.sort((a, b) => a - b)[1].toFixed(2)} s`);
} finally {
  await Promise.all([s.stop('immediate'), t.stop('immediate')]);
}
