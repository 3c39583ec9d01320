/**
 * Test runner: starts the server matrix once (Debian PostgreSQL 15 and npm builds of 10, 13 and 17),
 * runs node's test runner over the test files (unit, integration, security, e2e) with their ports in PGFERRY_TEST_SERVERS, then stops
 * the servers. Arguments are passed on to `node --test` (e.g. a single file).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MATRIX, startTestServer, type Major } from './harness/servers.js';

const files = process.argv.slice(2);
const servers = await Promise.all(MATRIX.map(async (key) => [key, await startTestServer(key.split('-')[0] as Major)] as const));
const env = Object.fromEntries(servers.map(([key, s]) => [key, { port: s.port, major: s.major }]));
process.stderr.write(`test servers: ${servers.map(([k, s]) => `${k}=PG${s.major}:${s.port}`).join(' ')}\n`);

const args = ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=1200000'];
// node 20's test runner takes no globs: list the files here
const all = ['test/unit', 'test/integration', 'test/security', 'test/e2e'].flatMap((dir) =>
  fs.readdirSync(dir).filter((f) => f.endsWith('.test.ts')).sort().map((f) => path.join(dir, f)),
);
args.push(...(files.length ? files : all));
const child = spawn(process.execPath, args, {
  stdio: 'inherit',
  env: { ...process.env, PGFERRY_TEST_SERVERS: JSON.stringify(env) },
});
const code: number = await new Promise((resolve) => child.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0))));
await Promise.all(servers.map(([, s]) => s.stop('immediate')));
process.exitCode = code;
