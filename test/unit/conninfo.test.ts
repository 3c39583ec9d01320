import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeConnInfo, parseKeywordValue, resolveConnInfo } from '../../src/config/conninfo.js';
import { redact } from '../../src/logger.js';
import { PgferryError } from '../../src/errors.js';

describe('connection settings', () => {
  it('parses URIs with encoded parts and query options', () => {
    const c = resolveConnInfo('postgresql://us%40er:p%3Ass@db.example.com:6543/my%20db?sslmode=verify-full&application_name=x', {});
    assert.equal(c.user, 'us@er');
    assert.equal(c.password, 'p:ss');
    assert.equal(c.host, 'db.example.com');
    assert.equal(c.port, 6543);
    assert.equal(c.database, 'my db');
    assert.equal(c.sslmode, 'verify-full');
    assert.equal(c.applicationName, 'x');
  });
  it('parses key=value strings with quotes and escapes', () => {
    assert.deepEqual(parseKeywordValue("host=h port = 5 dbname='my \\'db\\'' user=u"), { host: 'h', port: '5', dbname: "my 'db'", user: 'u' });
  });
  it('fills gaps from PG* variables, explicit settings first', () => {
    const env = { PGHOST: 'envhost', PGPORT: '7777', PGUSER: 'envuser', PGDATABASE: 'envdb', PGSSLMODE: 'require' };
    const c = resolveConnInfo('dbname=given', env);
    assert.equal(c.host, 'envhost');
    assert.equal(c.port, 7777);
    assert.equal(c.user, 'envuser');
    assert.equal(c.database, 'given');
    assert.equal(c.sslmode, 'require');
    assert.equal(c.applicationName, 'pgferry');
  });
  it('defaults the database to the user name, as libpq does', () => {
    assert.equal(resolveConnInfo('host=h user=alice', {}).database, 'alice');
  });
  it('rejects unknown options and bad ports with a usage error', () => {
    assert.throws(() => resolveConnInfo('host=h bogus=1', {}), (e: unknown) => e instanceof PgferryError && e.code === 'PGFERRY_E_USAGE');
    assert.throws(() => resolveConnInfo('postgresql://h:99999/db', {}), PgferryError);
    assert.throws(() => resolveConnInfo('host=h sslmode=maybe', {}), /sslmode/);
  });
  it('never shows the password', () => {
    const c = resolveConnInfo('postgresql://bob:s3cret@h/db', {});
    assert.ok(!describeConnInfo(c).includes('s3cret'));
    assert.equal(redact('postgresql://bob:s3cret@h/db'), 'postgresql://bob:***@h/db');
    assert.equal(redact("host=h password='s3 cret' user=u"), 'host=h password=*** user=u');
    assert.equal(redact('{"password":"s3cret"}'), '{"password":"***"}');
  });
});
