/**
 * The table of transient failures (src/retry-class.ts): every row gives its verdict before and
 * after a first connection, wrapped errors are judged by their causes, real socket and driver
 * errors land on the right rows, and docs/errors.md lists the same rows.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { PgferryError, type ErrorCode } from '../../src/errors.js';
import { RETRY_RULES, classifyError, isConnectionLoss, ruleLabel, type RetryRule } from '../../src/retry-class.js';
import { isConnectionLoss as sessionIsConnectionLoss } from '../../src/pg/session.js';
import { connect } from '../../src/pg/connect.js';
import { resolveConnInfo } from '../../src/config/conninfo.js';

/** A driver message each message row must match (a row without one fails the walk). */
const MESSAGE_SAMPLES = new Map<string, string>([
  ['Connection terminated due to connection timeout', 'Connection terminated due to connection timeout'],
  ['Connection terminated|connection.*(lost|closed)|ECONNRESET', 'Connection terminated unexpectedly'],
  ['encountered a connection error and is not queryable', 'Client has encountered a connection error and is not queryable'],
]);

/** A server error as node-postgres builds it. */
function serverError(code: string, message = 'server says no'): pg.DatabaseError {
  const e = new pg.DatabaseError(message, message.length, 'error');
  e.code = code;
  return e;
}

/** An error that matches `rule` (and, for a class, a member of it). */
function sample(rule: RetryRule): unknown {
  switch (rule.kind) {
    case 'sqlstate':
      return serverError(rule.match);
    case 'sqlstate-class':
      return serverError(`${rule.match}006`);
    case 'system':
      return Object.assign(new Error(`connect ${rule.match} 10.0.0.1:5432`), { code: rule.match });
    case 'message': {
      const text = MESSAGE_SAMPLES.get(rule.match.source);
      assert.ok(text, `no sample message for /${rule.match.source}/`);
      return new Error(text);
    }
    case 'pgferry':
      return new PgferryError(rule.match, 'it failed');
  }
}

/** An error that fails to connect: a server on a free port that closes every connection at once. */
async function closingServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const srv = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  return { port, close: () => new Promise((resolve) => srv.close(() => resolve())) };
}

/** A port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const s = await closingServer();
  await s.close();
  return s.port;
}

describe('which errors are transient', () => {
  it('walks the table: every row gives its verdict before and after a first connection', () => {
    for (const rule of RETRY_RULES) {
      const err = sample(rule);
      const label = ruleLabel(rule);
      const before = classifyError(err);
      const after = classifyError(err, { connectedOnce: true });
      assert.equal(before.transient, rule.retried === 'always', `${label} before a first connection: ${before.reason}`);
      assert.equal(after.transient, rule.retried !== 'never', `${label} after a first connection: ${after.reason}`);
      assert.ok(after.reason.startsWith(label), `${label}: reason ${after.reason}`);
      if (rule.kind !== 'pgferry') assert.equal(isConnectionLoss(err), rule.connectionLoss, `${label}: connection loss`);
      // a lost connection is wrapped as PGFERRY_E_CONNECTION_LOST, which is always retried
      if (rule.connectionLoss) assert.notEqual(rule.retried, 'never', `${label} is a lost connection that is never retried`);
    }
  });

  it('keeps the verdicts the runner has always given', () => {
    for (const code of ['40001', '40P01', '53300', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08P01']) {
      assert.equal(classifyError(serverError(code)).transient, true, code);
    }
    for (const code of ['42601', '23505', '42P01', '28P01', '3D000', '42501', '55P03', '57014', '53100']) {
      assert.equal(classifyError(serverError(code), { connectedOnce: true }).transient, false, code);
    }
    for (const code of ['PGFERRY_E_TARGET_BUSY', 'PGFERRY_E_AUTH', 'PGFERRY_E_DDL', 'PGFERRY_E_STOPPED', 'PGFERRY_E_DNS', 'PGFERRY_E_TLS'] as ErrorCode[]) {
      const v = classifyError(new PgferryError(code, 'no'), { connectedOnce: true });
      assert.deepEqual(v, { transient: false, reason: `${code} is not a transient failure` });
    }
    assert.equal(classifyError(new Error('something else')).transient, false);
    assert.equal(classifyError(undefined).transient, false);
    assert.equal(sessionIsConnectionLoss, isConnectionLoss, 'pg/session.ts re-exports the one function');
  });

  it('judges a wrapped error by its causes, trusting only the server before a first connection', () => {
    const wrap = (code: ErrorCode, cause: unknown) => new PgferryError(code, 'wrapped', { cause });
    assert.equal(classifyError(wrap('PGFERRY_E_COPY', serverError('40P01'))).transient, true, 'a copy that hit a deadlock');
    assert.equal(classifyError(wrap('PGFERRY_E_DDL', serverError('42P07'))).transient, false, 'a rejected object');
    // the server said "starting up": worth waiting for, even at the first connection
    const startingUp = wrap('PGFERRY_E_CONNECT_REFUSED', serverError('57P03', 'the database system is starting up'));
    assert.match(classifyError(startingUp).reason, /^SQLSTATE 57P03 \(cannot_connect_now\)/);
    // a socket closed during the first connection says nothing about the server: fail at once
    const closed = wrap('PGFERRY_E_CONNECT_REFUSED', new Error('Connection terminated unexpectedly'));
    assert.match(classifyError(closed).reason, /^PGFERRY_E_CONNECT_REFUSED before any connection succeeded/);
    assert.equal(classifyError(closed, { connectedOnce: true }).transient, true);
    const timedOut = wrap('PGFERRY_E_CONNECT_TIMEOUT', new Error('Connection terminated due to connection timeout'));
    assert.equal(classifyError(timedOut).transient, false);
    assert.equal(classifyError(timedOut, { connectedOnce: true }).transient, true);
  });

  it('places real socket, driver and connect() errors on their rows', async () => {
    const port = await freePort();
    const refused = await new pg.Client({ host: '127.0.0.1', port, user: 'x', database: 'x' }).connect().then(() => null, (e: unknown) => e);
    assert.equal((refused as { code?: string }).code, 'ECONNREFUSED');
    assert.deepEqual([classifyError(refused).transient, classifyError(refused, { connectedOnce: true }).transient, isConnectionLoss(refused)], [false, true, false]);

    const srv = await closingServer();
    try {
      const client = new pg.Client({ host: '127.0.0.1', port: srv.port, user: 'x', database: 'x' });
      const dropped = await client.connect().then(() => null, (e: unknown) => e);
      assert.match(String((dropped as Error).message), /Connection terminated unexpectedly/);
      assert.deepEqual([classifyError(dropped).transient, isConnectionLoss(dropped)], [true, true]);

      // through connect(): diagnosed as a refused connection, permanent until a first one succeeded
      const info = resolveConnInfo(`postgresql://x@127.0.0.1:${srv.port}/x?sslmode=disable&connect_timeout=5`, {});
      const diagnosed = await connect(info, 'source').then(() => null, (e: unknown) => e);
      assert.ok(diagnosed instanceof PgferryError && diagnosed.code === 'PGFERRY_E_CONNECT_REFUSED', String(diagnosed));
      assert.deepEqual([classifyError(diagnosed).transient, classifyError(diagnosed, { connectedOnce: true }).transient], [false, true]);
    } finally {
      await srv.close();
    }
  });

  it('docs/errors.md "Which errors are retried" lists the same rows and verdicts as the code', () => {
    const doc = fs.readFileSync(path.resolve(import.meta.dirname, '../../docs/errors.md'), 'utf8');
    const start = doc.indexOf('## Which errors are retried');
    assert.ok(start >= 0, 'the section is missing');
    const section = doc.slice(start).split(/\n## /)[0];
    const rows = section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| ---') && !l.startsWith('| error |'))
      .map((l) => l.split(' | ').map((c) => c.replace(/^\| |\s*\|$/g, '').trim()));
    const verdict = { yes: 'always', no: 'never', 'after a first connection': 'after-connect' } as Record<string, string>;
    const documented = rows.filter((r) => /^`[^`]+`$/.test(r[0])).map((r) => {
      const subject = r[0].slice(1, -1).replace(/^(\d\d)xxx$/, 'class $1');
      return `${subject} ${r[1].split(' ')[0]} ${verdict[r[2]] ?? r[2]} loss=${r[3]}`;
    });
    const coded = RETRY_RULES.filter((r) => r.kind !== 'message').map((r) => {
      const subject = r.kind === 'sqlstate-class' ? `class ${r.match}` : r.match;
      const name = r.kind === 'sqlstate' || r.kind === 'sqlstate-class' ? r.name : r.kind === 'system' ? 'node' : 'pgferry';
      return `${subject} ${name} ${r.retried} loss=${r.connectionLoss ? 'yes' : 'no'}`;
    });
    assert.deepEqual(documented, coded);
    // the SQLSTATEs named anywhere in the section are exactly the code's
    const sqlstates = (list: string[]) => [...new Set(list)].sort();
    assert.deepEqual(
      sqlstates([...section.matchAll(/`(\d[0-9A-Z]{4}|\d\dxxx)`/g)].map((m) => m[1].replace('xxx', ''))),
      sqlstates(RETRY_RULES.filter((r) => r.kind === 'sqlstate' || r.kind === 'sqlstate-class').map((r) => r.match)),
    );
    const messageRows = rows.filter((r) => r[0].startsWith('"'));
    assert.deepEqual(messageRows.map((r) => `${verdict[r[2]]} loss=${r[3]}`),
      RETRY_RULES.filter((r) => r.kind === 'message').map((r) => `${r.retried} loss=${r.connectionLoss ? 'yes' : 'no'}`));
  });
});
