/** `pgferry demo --exit`: two embedded servers, the sample loaded, migrated, verified, stopped. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runCli } from '../harness/cli.js';

it('pgferry demo --exit migrates the sample database and exits 0 after verify passes', async () => {
  const r = await runCli(['demo', '--exit', '--scale', '0.25']);
  assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
  assert.match(r.stdout, /"event":"summary"/);
  const verify = r.stdout.split('\n').find((l) => l.includes('"event":"verify"'));
  assert.ok(verify, 'no verify event');
  const report = JSON.parse(verify) as { ok: boolean; tables: unknown[] };
  assert.equal(report.ok, true);
  assert.ok(report.tables.length >= 8);
  // both servers are reached over a unix socket in their own folder, never over TCP
  assert.match(r.stdout, /"message":"source: host=\/\S+ port=\d+ dbname=demo user=postgres \(PostgreSQL 17\)"/);
  assert.match(r.stdout, /psql \\"host=\/\S+ port=\d+ dbname=demo user=postgres\\"/);
  assert.match(r.stdout, /servers stopped/);
});
