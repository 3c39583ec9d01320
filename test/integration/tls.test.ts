/**
 * sslmode against a server with TLS: verify-full accepts a certificate from the given CA for the
 * host connected to, and refuses another CA or another host name; verify-ca skips the name.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startLocalServer, type LocalServer } from '../../src/server/local-server.js';
import { DEBIAN_PG15_BIN, execSql, freshDatabase, server } from '../harness/servers.js';
import { runCli } from '../harness/cli.js';

function makeCerts(dir: string): { ca: string; otherCa: string; cert: string; key: string } {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  for (const name of ['ca', 'other']) {
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=pgferry test ${name}`, '-keyout', `${name}.key`, '-out', `${name}.crt`);
  }
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
  fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=DNS:localhost\n');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'san.ext', '-out', 'server.crt');
  return { ca: path.join(dir, 'ca.crt'), otherCa: path.join(dir, 'other.crt'), cert: path.join(dir, 'server.crt'), key: path.join(dir, 'server.key') };
}

describe('TLS', () => {
  let tls: LocalServer;
  let certs: ReturnType<typeof makeCerts>;
  before(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-tls-'));
    fs.chmodSync(dir, 0o755);
    certs = makeCerts(dir);
    if (process.getuid?.() === 0) execFileSync('chown', ['postgres:', certs.cert, certs.key]);
    fs.chmodSync(certs.key, 0o600);
    tls = await startLocalServer({
      binDir: DEBIAN_PG15_BIN,
      settings: { ssl: 'on', ssl_cert_file: `'${certs.cert}'`, ssl_key_file: `'${certs.key}'` },
    });
  });
  after(() => tls?.stop('immediate'));

  it('verify-full and verify-ca connect or refuse as libpq would', async () => {
    await execSql(tls.uri('postgres'), 'CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1), (2), (3)');
    const dst = await freshDatabase(await server('15', 'dst'), 'tls');
    const src = (host: string, mode: string, ca: string) => `postgresql://postgres@${host}:${tls.port}/postgres?sslmode=${mode}&sslrootcert=${encodeURIComponent(ca)}`;

    const ok = await runCli(['migrate', '--source', src('localhost', 'verify-full', certs.ca), '--target', dst.uri, '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    const n = await execSql(dst.uri, 'SELECT count(*)::int AS n FROM public.t');
    assert.equal(n.rows[0].n, 3);
    assert.equal(ok.stderr, '', 'nothing on stderr');

    const wrongCa = await runCli(['verify', '--source', src('localhost', 'verify-full', certs.otherCa), '--target', dst.uri]);
    assert.equal(wrongCa.code, 3);
    assert.match(wrongCa.stderr, /PGFERRY_E_TLS: source .*TLS failed: .*(self.signed|unable to verify|certificate)/i);

    const wrongHost = await runCli(['verify', '--source', src('127.0.0.1', 'verify-full', certs.ca), '--target', dst.uri]);
    assert.equal(wrongHost.code, 3);
    assert.match(wrongHost.stderr, /PGFERRY_E_TLS: source .*(altnames|does not match|Hostname\/IP)/i);

    const caOnly = await runCli(['verify', '--source', src('127.0.0.1', 'verify-ca', certs.ca), '--target', dst.uri]);
    assert.equal(caOnly.code, 0, caOnly.stderr + caOnly.stdout);

    const missing = await runCli(['verify', '--source', src('localhost', 'verify-full', '/nonexistent/ca.crt'), '--target', dst.uri]);
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /needs a root certificate and \/nonexistent\/ca.crt does not exist/);
  });
});
