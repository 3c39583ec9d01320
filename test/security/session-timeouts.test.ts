/**
 * Issue 14, item 8: no server-side timeout cuts a run short, and idle connections are probed.
 * Managed services often set statement_timeout, idle_session_timeout (14+) or transaction_timeout
 * (17+) as role or database defaults; a run keeps idle sessions (the target's main connection
 * during the copy) and a long transaction (the snapshot holder). Every session pgferry opens sets
 * them to 0, and TCP keepalive starts after 30 s on both ends, so a NAT or firewall does not drop
 * the snapshot holder during a long copy and the server ends a vanished client's session.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { execSql, freshDatabase, server, type Major } from '../harness/servers.js';
import { runCli } from '../harness/cli.js';
import { tableDigests } from '../harness/data-oracle.js';
import { resolveConnInfo } from '../../src/config/conninfo.js';
import { clientConfig, connect, KEEPALIVE_DELAY_MS } from '../../src/pg/connect.js';

/** The settings a managed service might impose on a database, for the ones `major` has. */
function hostileDefaults(db: string, major: number): string {
  const settings = [`statement_timeout = '1s'`, `lock_timeout = '1s'`, `idle_in_transaction_session_timeout = '1s'`];
  if (major >= 14) settings.push(`idle_session_timeout = '1s'`);
  if (major >= 17) settings.push(`transaction_timeout = '1s'`);
  return settings.map((s) => `ALTER DATABASE "${db}" SET ${s};`).join('\n');
}

describe('session timeouts and keepalive', () => {
  for (const [from, to] of [['15', '15'], ['17', '17']] as [Major, Major][]) {
    it(`a run longer than the databases' 1 s timeouts completes, ${from} → ${to}`, async () => {
      const s = await server(from, 'src');
      const d = await server(to, 'dst');
      const src = await freshDatabase(s, 'timeouts');
      const dst = await freshDatabase(d, 'timeouts');
      await execSql(src.uri, `CREATE TABLE a (id int PRIMARY KEY, pad text); CREATE TABLE b (id int PRIMARY KEY, pad text);
        INSERT INTO a SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 12000) g;
        INSERT INTO b SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 12000) g;`);
      await execSql(src.uri, hostileDefaults(src.name, s.major));
      await execSql(dst.uri, hostileDefaults(dst.name, d.major));
      // ~5 MB at 1 MB/s: the copy lasts seconds, the snapshot transaction longer
      const t0 = Date.now();
      const r = await runCli(['migrate', '--source', src.uri, '--target', dst.uri, '--json', '--jobs', '1', '--max-rate', '1', '--retries', '0']);
      const seconds = (Date.now() - t0) / 1000;
      assert.equal(r.code, 0, r.stderr);
      assert.ok(seconds > 3, `the run took ${seconds} s, longer than the timeouts`);
      assert.doesNotMatch(r.stdout, /"event":"retry"/);
      const v = await runCli(['verify', '--source', src.uri, '--target', dst.uri]);
      assert.equal(v.code, 0, v.stdout + v.stderr);
      assert.deepEqual(await tableDigests(dst.uri), await tableDigests(src.uri));
    });
  }

  it('every connection lifts the timeouts and asks the server for keepalive probes after 30 s', async () => {
    for (const major of ['15', '17'] as Major[]) {
      const s = await server(major, 'src');
      const db = await freshDatabase(s, 'keepalive');
      await execSql(db.uri, hostileDefaults(db.name, s.major));
      const c = await connect(resolveConnInfo(db.uri), 'source');
      try {
        await new Promise((r) => setTimeout(r, 1500)); // idle longer than idle_session_timeout
        const r = await c.query("SELECT name, setting FROM pg_settings WHERE name IN ('statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout', 'idle_session_timeout', 'transaction_timeout', 'tcp_keepalives_idle', 'tcp_keepalives_interval', 'tcp_keepalives_count') ORDER BY name");
        const got = Object.fromEntries(r.rows.map((x: { name: string; setting: string }) => [x.name, x.setting]));
        assert.equal(got.statement_timeout, '0');
        assert.equal(got.lock_timeout, '0');
        assert.equal(got.idle_in_transaction_session_timeout, '0');
        assert.equal(got.idle_session_timeout, '0');
        if (s.major >= 17) assert.equal(got.transaction_timeout, '0');
        assert.equal(got.tcp_keepalives_idle, '30');
        assert.equal(got.tcp_keepalives_interval, '10');
        assert.equal(got.tcp_keepalives_count, '6');
      } finally {
        await c.end();
      }
    }
    const cfg = clientConfig(resolveConnInfo('postgresql://u@h/db'), undefined, async () => '');
    assert.equal(cfg.keepAlive, true);
    assert.equal(cfg.keepAliveInitialDelayMillis, KEEPALIVE_DELAY_MS);
    assert.equal(KEEPALIVE_DELAY_MS, 30_000);
  });
});
