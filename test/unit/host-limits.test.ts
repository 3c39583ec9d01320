/** How `pgferry host-limit` names a server: the key a task's connection maps to, and what a user may type. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseServer, serverKey } from '../../src/task/host-limits.js';

describe('host limits: server names', () => {
  it('HOST, HOST:PORT and [IPv6]:PORT; the host lower-cased, port 5432 when left out', () => {
    assert.equal(parseServer('DB1.Internal'), 'db1.internal:5432');
    assert.equal(parseServer(' db1.internal:6432 '), 'db1.internal:6432');
    assert.equal(parseServer('10.0.0.7:5433'), '10.0.0.7:5433');
    assert.equal(parseServer('[2001:DB8::1]:5432'), '2001:db8::1:5432');
    assert.equal(parseServer('[::1]'), '::1:5432');
  });

  it('is the same key a task connection maps to, a socket folder kept as it is', () => {
    assert.equal(serverKey({ host: 'DB1.internal', port: 6432 }), parseServer('db1.internal:6432'));
    assert.equal(serverKey({ host: '/var/run/PostgreSQL', port: 5432 }), '/var/run/PostgreSQL:5432');
  });

  it('refuses what is not a server, saying how to write one', () => {
    for (const bad of ['', 'db1:', 'db1:0', 'db1:70000', 'db1:54x', 'a:b:c', '[::1']) {
      assert.throws(() => parseServer(bad), (e: unknown) => (e as { code?: string }).code === 'PGFERRY_E_USAGE' && /HOST or HOST:PORT/.test((e as { fix?: string }).fix ?? ''), bad);
    }
  });
});
