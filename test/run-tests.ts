/**
 * Test runner: starts the server matrix once (Debian PostgreSQL 15 and npm builds of 10, 13, 17 and 18),
 * runs node's test runner over the test files (unit, integration, security, e2e) with their ports in PGFERRY_TEST_SERVERS, then stops
 * the servers. Arguments are passed on to `node --test` (e.g. a single file). TAP goes to stdout;
 * beside it test/harness/summary-reporter.mjs notes skips and file times, and the run ends with
 * the slowest files, each skipped test with its reason, what the machine lacks (listed before the
 * run too), and as its last line how many were skipped and why.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeMissing, missingPrerequisites } from './harness/prerequisites.js';
import { MATRIX, startTestServer, type Major } from './harness/servers.js';

interface Skip { kind: 'skip'; file: string; name: string; suite: boolean; reason: string }
interface FileTime { kind: 'file'; file: string; ms: number }

const files = process.argv.slice(2);
const missing = missingPrerequisites();
process.stderr.write(describeMissing(missing, ''));
const servers = await Promise.all(MATRIX.map(async (key) => [key, await startTestServer(key.split('-')[0] as Major)] as const)).catch((err: unknown) => {
  process.stderr.write(`the test servers could not start: ${err instanceof Error ? err.message : String(err)}\n` +
    'scripts/test-all.sh installs everything the tests need (Debian PostgreSQL 15, the postgres OS user, npm packages)\n');
  process.exit(1);
});
const env = Object.fromEntries(servers.map(([key, s]) => [key, { port: s.port, major: s.major }]));
process.stderr.write(`test servers: ${servers.map(([k, s]) => `${k}=PG${s.major}:${s.port}`).join(' ')}\n`);

const summaryDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-test-summary-'));
const summaryFile = path.join(summaryDir, 'summary.jsonl');
// two files at a time: most tests wait on PostgreSQL, not on this process (PGFERRY_TEST_CONCURRENCY=1 runs them one by one)
const concurrency = Number(process.env.PGFERRY_TEST_CONCURRENCY ?? 2);
const args = ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=1200000',
  '--test-reporter=tap', '--test-reporter-destination=stdout',
  `--test-reporter=${path.resolve(import.meta.dirname, 'harness/summary-reporter.mjs')}`, `--test-reporter-destination=${summaryFile}`];
// node 20's test runner takes no globs: list the files here
const all = ['test/unit', 'test/integration', 'test/security', 'test/e2e'].flatMap((dir) =>
  fs.readdirSync(dir).filter((f) => f.endsWith('.test.ts')).sort().map((f) => path.join(dir, f)),
);
// PGFERRY_TEST_PATTERN: only the tests whose names match (node's --test-name-pattern), to rerun one while working
if (process.env.PGFERRY_TEST_PATTERN) args.push(`--test-name-pattern=${process.env.PGFERRY_TEST_PATTERN}`);
args.push(...(files.length ? files : all));
const child = spawn(process.execPath, args, {
  stdio: 'inherit',
  env: { ...process.env, PGFERRY_TEST_SERVERS: JSON.stringify(env) },
});
const code: number = await new Promise((resolve) => child.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0))));
await Promise.all(servers.map(([, s]) => s.stop('immediate')));
process.stdout.write(summary(fs.existsSync(summaryFile) ? fs.readFileSync(summaryFile, 'utf8') : ''));
fs.rmSync(summaryDir, { recursive: true, force: true });
process.exitCode = code;

/** TAP comment lines: the slowest files, each skip, and last the number of skips with their reasons. */
function summary(jsonl: string): string {
  const lines = jsonl.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Skip | FileTime);
  const times = lines.filter((l): l is FileTime => l.kind === 'file').sort((a, b) => b.ms - a.ms);
  const skips = lines.filter((l): l is Skip => l.kind === 'skip');
  const out: string[] = [];
  if (times.length > 1) out.push(`# slowest files: ${times.slice(0, 8).map((t) => `${t.file} ${(t.ms / 1000).toFixed(0)} s`).join(', ')}`);
  for (const s of skips) out.push(`# skipped ${s.suite ? 'suite' : 'test'}: ${s.file} › ${s.name}: ${s.reason}`);
  if (missing.length) out.push(describeMissing(missing, '# ').trimEnd());
  const reasons = new Map<string, number>();
  for (const s of skips) reasons.set(s.reason, (reasons.get(s.reason) ?? 0) + 1);
  const suites = skips.filter((s) => s.suite).length;
  out.push(skips.length === 0
    ? '# skipped 0: every test ran'
    : `# skipped ${skips.length}${suites ? ` (${suites} of them ${suites === 1 ? 'a whole suite' : 'whole suites'}, whose tests are not counted)` : ''}: ${[...reasons].map(([r, n]) => `${n} × ${r}`).join('; ')}`);
  return `${out.join('\n')}\n`;
}
