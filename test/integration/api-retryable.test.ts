/**
 * The HTTP API tells a transient failure from a permanent one (src/retry-class.ts): a server
 * with no connection slot left for the role (SQLSTATE 53300) answers 503 with Retry-After and
 * `retryable: true`; nothing listening on the port keeps its 502 with `retryable: false`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/app.js';
import { hashToken } from '../../src/api/api-token.js';
import { TaskStore } from '../../src/task/task-store.js';
import { execSql, freshDatabase, server, uriOf } from '../harness/servers.js';

const TOKEN = 'test-token-for-retryable';
/** A login role with no connection slot: every login fails with too_many_connections. */
const NO_SLOTS_ROLE = 'pgferry_no_slots';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-api-retry-'));
let app: FastifyInstance;
let store: TaskStore;
let base = '';

async function objects(source: object): Promise<{ status: number; retryAfter: string | null; json: { error: { code: string; retryable: boolean } } }> {
  const res = await fetch(`${base}/api/catalog/objects`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ source }),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), json: await res.json() };
}

describe('HTTP API: retryable errors', () => {
  let port = 0;
  let database = '';
  before(async () => {
    const s = await server('15', 'src');
    port = s.port;
    database = (await freshDatabase(s, 'apiretry')).name;
    await execSql(uriOf(s, 'postgres'),
      `DO $$ BEGIN CREATE ROLE ${NO_SLOTS_ROLE} LOGIN CONNECTION LIMIT 0; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
    store = TaskStore.open(path.join(dir, 'tasks.db'));
    app = await buildApi({ store, tokenHash: hashToken(TOKEN) });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  after(async () => {
    await app?.close();
    store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers too_many_connections with 503, Retry-After and retryable true', async () => {
    const r = await objects({ host: '127.0.0.1', port, database, user: NO_SLOTS_ROLE, sslmode: 'disable' });
    assert.deepEqual([r.status, r.retryAfter, r.json.error.code, r.json.error.retryable], [503, '5', 'PGFERRY_E_CONNECT_REFUSED', true], JSON.stringify(r.json));
  });

  it('keeps 502 and retryable false when nothing listens on the port', async () => {
    const srv = net.createServer();
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const closed = (srv.address() as net.AddressInfo).port;
    await new Promise((resolve) => srv.close(resolve));
    const r = await objects({ host: '127.0.0.1', port: closed, database, user: NO_SLOTS_ROLE, sslmode: 'disable' });
    assert.deepEqual([r.status, r.retryAfter, r.json.error.code, r.json.error.retryable], [502, null, 'PGFERRY_E_CONNECT_REFUSED', false], JSON.stringify(r.json));
  });
});
