/** Task specs: validation that names the field, passwords split out and sealed, the published schema. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { normalizeConn, parseSpecBody, parseTaskSpec, specHash, taskSpecJsonSchema, type StoredSpec } from '../../src/config/task-spec.js';
import { openSecret, sealSecret } from '../../src/task/secrets.js';
import { PgferryError } from '../../src/errors.js';

describe('task spec', () => {
  it('rejects a bad spec naming each field', () => {
    assert.throws(
      () => parseTaskSpec({ source: 'postgresql://a@h/db', target: 5, options: { jobs: 0 }, migration: 'cdc' }),
      (e: unknown) => e instanceof PgferryError && e.code === 'PGFERRY_E_USAGE' && /target: /.test(e.message) && /options\.jobs: /.test(e.message) && /migration: /.test(e.message),
    );
    assert.throws(() => parseTaskSpec({ source: 'x', target: 'y', surprise: 1 }), /Unrecognized key\(s\) in object: 'surprise'/);
  });

  it('takes incremental with a full migration and refuses it with a schema migration, in a task and in flags', () => {
    const spec = parseTaskSpec({ source: 'x', target: 'y', incremental: true, options: { setReplicaIdentityFull: true, publication: 'owners_pub' } });
    assert.equal(spec.incremental, true);
    assert.equal(spec.options.publication, 'owners_pub');
    assert.equal(parseTaskSpec({ source: 'x', target: 'y' }).incremental, false);
    for (const parse of [() => parseTaskSpec({ source: 'x', target: 'y', migration: 'schema', incremental: true }), () => parseSpecBody({ migration: 'schema', incremental: true })])
      assert.throws(parse, (e: unknown) => e instanceof PgferryError && /incremental: incremental needs migration full/.test(e.message));
  });

  it('splits the password out of URIs and fields, and not from PGPASSWORD', () => {
    const env = { PGPASSWORD: 'from-env', PGUSER: 'envuser' };
    const a = normalizeConn('postgresql://alice:s3cret@db1:6432/shop?sslmode=require', env);
    assert.deepEqual(a, { conn: { host: 'db1', port: 6432, database: 'shop', user: 'alice', sslmode: 'require', connectTimeout: 10 }, password: 's3cret' });
    const b = normalizeConn({ host: 'db2', database: "it's", password: 'pw', passwordEnv: 'DB2_PW' }, env);
    assert.deepEqual(b, { conn: { host: 'db2', port: 5432, database: "it's", user: 'envuser', sslmode: 'prefer', connectTimeout: 10, passwordEnv: 'DB2_PW' }, password: 'pw' });
    assert.equal(normalizeConn('host=db3 dbname=x', env).password, undefined);
    assert.ok(!JSON.stringify(a.conn).includes('s3cret'));
  });

  it('fingerprints what the precheck checks, not the throughput', () => {
    const spec = parseTaskSpec({ source: 'postgresql://a@h/db', target: 'postgresql://a@h/db2' });
    const stored = { ...spec, source: normalizeConn(spec.source).conn, target: normalizeConn(spec.target).conn } as StoredSpec;
    const faster = { ...stored, options: { ...stored.options, jobs: 8, maxRateMBps: 50, retries: 1 } };
    const narrower = { ...stored, objects: { includeSchemas: ['app'] } };
    assert.equal(specHash(stored), specHash(faster));
    assert.notEqual(specHash(stored), specHash(narrower));
  });

  it('seals passwords with the key file and refuses another key', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-key-'));
    try {
      const key = path.join(dir, 'k');
      const slot = { taskId: 't1', side: 'source' as const };
      const sealed = sealSecret('pässword', slot, { keyFile: key, sealedInStore: 0 });
      assert.ok(sealed.startsWith('v2:') && !sealed.includes('pässword'));
      assert.equal(openSecret(sealed, slot, key).plain, 'pässword');
      assert.equal(fs.statSync(key).mode & 0o777, 0o600);
      const other = path.join(dir, 'k2');
      sealSecret('x', slot, { keyFile: other, sealedInStore: 0 });
      assert.throws(() => openSecret(sealed, slot, other), (e: unknown) => e instanceof PgferryError && e.code === 'PGFERRY_E_SECRET');
      assert.throws(() => openSecret(sealed, slot, path.join(dir, 'missing')), /key file is missing/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('publishes the JSON Schema the code validates with (docs/task-spec.schema.json)', () => {
    const file = path.resolve(import.meta.dirname, '../../docs/task-spec.schema.json');
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), taskSpecJsonSchema(), 'regenerate: pgferry task spec-schema > docs/task-spec.schema.json');
  });
});
