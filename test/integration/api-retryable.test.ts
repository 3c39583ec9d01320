/**
 * The HTTP API tells a transient failure from a permanent one (src/retry-class.ts): a server
 * with no connection slot left for the role (SQLSTATE 53300) answers 503 with Retry-After and
 * `retryable: true`; nothing listening on the port keeps its 502 with `retryable: false`.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startApi, type TestApi } from '../harness/api-server.js';
import { execSql, freshDatabase, server, uriOf } from '../harness/servers.js';

/** A login role with no connection slot: every login fails with too_many_connections. */
const NO_SLOTS_ROLE = 'pgferry_no_slots';

describe('HTTP API: retryable errors', () => {
  let api: TestApi;
  let port = 0;
  let database = '';
  const objects = async (source: object) => {
    const r = await api.call('POST', '/api/catalog/objects', { source });
    return [r.status, r.headers['retry-after'] ?? null, r.json.error.code, r.json.error.retryable];
  };
  before(async () => {
    const s = await server('15', 'src');
    port = s.port;
    database = (await freshDatabase(s, 'apiretry')).name;
    await execSql(uriOf(s, 'postgres'),
      `DO $$ BEGIN CREATE ROLE ${NO_SLOTS_ROLE} LOGIN CONNECTION LIMIT 0; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
    api = await startApi();
  });
  after(() => api?.close());

  it('answers too_many_connections with 503, Retry-After and retryable true', async () => {
    const r = await objects({ host: '127.0.0.1', port, database, user: NO_SLOTS_ROLE, sslmode: 'disable' });
    assert.deepEqual(r, [503, '5', 'PGFERRY_E_CONNECT_REFUSED', true]);
  });

  it('keeps 502 and retryable false when nothing listens on the port', async () => {
    const srv = net.createServer();
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const closed = (srv.address() as net.AddressInfo).port;
    await new Promise((resolve) => srv.close(resolve));
    const r = await objects({ host: '127.0.0.1', port: closed, database, user: NO_SLOTS_ROLE, sslmode: 'disable' });
    assert.deepEqual(r, [502, null, 'PGFERRY_E_CONNECT_REFUSED', false]);
  });
});
