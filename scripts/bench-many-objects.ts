/**
 * npm run bench:objects — many objects, no data: TABLES tables (default 10,000), each with a
 * primary key and two more indexes, migrated by `pg_dump -s | psql` and by `pgferry migrate`,
 * in interleaved rounds (ROUNDS, default 2) on two throwaway PostgreSQL 15 servers with
 * shared/bench's settings. Prints each run and the ratio of medians. PGFERRY_ARGS adds options
 * to pgferry (e.g. "--jobs 1"); VARIANTS="a|b" runs pgferry once per variant's options instead.
 * SKIP_DUMP=1 leaves pg_dump out (for quick comparisons of pgferry variants).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startLocalServer } from '../src/server/local-server.js';
import { sql } from './bench-sql.js';

const TABLES = Number(process.env.TABLES ?? 10_000);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const BIN = '/usr/lib/postgresql/15/bin';
const REPO = path.resolve(import.meta.dirname, '..');
const SETTINGS = {
  shared_buffers: '1GB', maintenance_work_mem: '512MB', max_wal_size: '8GB', checkpoint_timeout: '15min', max_connections: 100,
  fsync: 'on', synchronous_commit: 'on', full_page_writes: 'on',
};


/** Runs a shell command; resolves with wall seconds and the peak RSS (kB) GNU time reports. */
function timed(command: string): Promise<{ seconds: number; rssKb: number; cpu: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn('bash', ['-c', `/usr/bin/time -f 'RSS_KB=%M CPU=%U+%S' bash -c ${JSON.stringify(command)}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const rss = /RSS_KB=(\d+)/.exec(stderr);
      const cpu = /CPU=([\d.]+)\+([\d.]+)/.exec(stderr);
      if (code !== 0) reject(new Error(`${command} exited ${code}: ${stderr.slice(-2000)}`));
      else resolve({ seconds, rssKb: rss ? Number(rss[1]) : 0, cpu: cpu ? `${(Number(cpu[1]) + Number(cpu[2])).toFixed(1)} s` : '?', stdout });
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

const src = await startLocalServer({ binDir: BIN, settings: SETTINGS });
const dst = await startLocalServer({ binDir: BIN, settings: SETTINGS });
try {
  await sql(src.uri('postgres'), 'CREATE DATABASE many');
  const t0 = Date.now();
  for (let from = 1; from <= TABLES; from += 500) {
    const to = Math.min(TABLES, from + 499);
    await sql(src.uri('many'), `DO $$ BEGIN FOR i IN ${from}..${to} LOOP
      EXECUTE format('CREATE TABLE t_%s (id int PRIMARY KEY, a int, b text, c timestamptz)', i);
      EXECUTE format('CREATE INDEX t_%s_a ON t_%s (a)', i, i);
      EXECUTE format('CREATE INDEX t_%s_bc ON t_%s (b, c)', i, i);
    END LOOP; END $$`);
  }
  await sql(src.uri('many'), 'ANALYZE');
  process.stdout.write(`source: ${TABLES} tables, ${TABLES * 3} indexes, built in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

  const variants = process.env.VARIANTS ? process.env.VARIANTS.split('|') : [process.env.PGFERRY_ARGS ?? ''];
  const runs: Record<string, number[]> = process.env.SKIP_DUMP ? {} : { 'pg_dump -s | psql': [] };
  for (const v of variants) runs[v ? `pgferry ${v}` : 'pgferry'] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    for (const tool of Object.keys(runs)) {
      const ferry = tool.startsWith('pgferry');
      const db = `r${r}_${ferry ? `ferry${Object.keys(runs).indexOf(tool)}` : 'dump'}`;
      await sql(dst.uri('postgres'), `CREATE DATABASE ${db}`);
      const cmd =
        ferry
          ? `node ${REPO}/bin/pgferry.js migrate --source '${src.uri('many')}' --target '${dst.uri(db)}' --json ${tool.slice('pgferry'.length)}`
          : `${BIN}/pg_dump -s '${src.uri('many')}' | ${BIN}/psql -q -X -v ON_ERROR_STOP=1 -o /dev/null '${dst.uri(db)}'`;
      const res = await timed(cmd);
      runs[tool].push(res.seconds);
      let phases = '';
      if (ferry) {
        const summary = res.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.event === 'summary')?.summary;
        phases = Object.entries(summary?.phaseSeconds ?? {}).map(([k, v]) => `${k} ${(v as number).toFixed(1)}`).join(', ');
      }
      process.stdout.write(`round ${r} ${tool}: ${res.seconds.toFixed(2)} s, peak RSS ${(res.rssKb / 1024).toFixed(0)} MB, client CPU ${res.cpu}${phases ? ` (${phases})` : ''}\n`);
      // no DROP DATABASE between runs: unlinking 60,000 files makes the next creates in that
      // ext4 block group ~10× slower (measured: 13 µs → 150 µs a file), which would charge
      // whichever tool runs next; the throwaway servers are removed at the end
    }
  }
  const dump = runs['pg_dump -s | psql'];
  for (const [tool, times] of Object.entries(runs)) {
    if (!tool.startsWith('pgferry')) continue;
    const a = median(times);
    const vs = dump ? `, pg_dump -s | psql ${median(dump).toFixed(2)} s: ${(a / median(dump)).toFixed(2)}×` : '';
    process.stdout.write(`medians: ${tool} ${a.toFixed(2)} s${vs}\n`);
  }
} finally {
  await Promise.all([src.stop('fast'), dst.stop('fast')]);
}
