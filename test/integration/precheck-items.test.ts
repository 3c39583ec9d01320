/**
 * Precheck items that the main precheck test leaves passing, each provoked here: versions (a
 * target older than the source), source and target privileges (a role without grants), encoding
 * (a LATIN1 target), extensions (chkpass on PostgreSQL 10, which 17 lacks), and
 * the target schemas the migration creates or uses.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { execSql, freshDatabase, PASSWORD_ROLE, server, uriOf, ensurePasswordRole, PASSWORD_ROLE_PASSWORD } from '../harness/servers.js';
import { runCli } from '../harness/cli.js';

type Item = { id: string; status: string; detail: string; fix?: string; objects?: string[] };
const PASSWORD = PASSWORD_ROLE_PASSWORD;

async function precheck(source: string, target: string): Promise<Map<string, Item>> {
  const r = await runCli(['precheck', '--source', source, '--target', target, '--json']);
  return new Map((JSON.parse(r.stdout.trim()) as { items: Item[] }).items.map((i) => [i.id, i]));
}

describe('precheck items', () => {
  before(async () => {
    for (const role of ['src', 'dst'] as const) {
      const s = await server('15', role);
      await ensurePasswordRole(s);
    }
  });

  it('fails source and target privileges for a role without grants, and a target in another encoding', async () => {
    const s = await server('15', 'src');
    const d = await server('15', 'dst');
    const src = await freshDatabase(s, 'pre_priv');
    await execSql(src.uri, 'CREATE SCHEMA app; CREATE TABLE app.secret (id int PRIMARY KEY); CREATE TABLE public.open (id int PRIMARY KEY); GRANT SELECT ON public.open TO PUBLIC');
    const latin = `pre_latin_${Date.now()}`;
    await execSql(uriOf(d, 'postgres'), `CREATE DATABASE ${latin} ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`);
    const as = (port: number, db: string) => `postgresql://${PASSWORD_ROLE}:${PASSWORD}@127.0.0.1:${port}/${db}`;
    const items = await precheck(as(s.port, src.name), as(d.port, latin));

    const sp = items.get('source-privileges')!;
    assert.equal(sp.status, 'fail');
    assert.deepEqual(sp.objects, ['app.secret']);
    assert.match(sp.fix!, /GRANT USAGE ON SCHEMA/);
    const tp = items.get('target-privileges')!;
    assert.equal(tp.status, 'fail');
    assert.equal(tp.detail, 'the target role lacks CREATE on the database, CREATE on schema public');
    const enc = items.get('encoding')!;
    assert.equal(enc.status, 'fail');
    assert.match(enc.detail, /^encoding UTF8 on the source, LATIN1 on the target; collation .* on the source, C\/C on the target: text the target encoding cannot hold will fail to load$/);
    const schemas = items.get('target-schemas')!;
    assert.equal(schemas.status, 'pass');
    assert.deepEqual(schemas.objects, ['create app', 'use existing public']);
  });

  it('fails a target older than the source', async () => {
    const src = await freshDatabase(await server('17', 'src'), 'pre_ver');
    const dst = await freshDatabase(await server('15', 'dst'), 'pre_ver');
    const items = await precheck(src.uri, dst.uri);
    const v = items.get('versions')!;
    assert.equal(v.status, 'fail');
    assert.equal(v.detail, "target: the target runs PostgreSQL 15, older than the source's 17");
    assert.equal(items.get('target-connectivity')!.status, 'pass', 'it connected: the version is what fails');
    assert.match(v.fix!, /same or a newer major version/);
  });

  it('fails an extension the target does not have (chkpass left PostgreSQL in 11)', async () => {
    const src = await freshDatabase(await server('10', 'src'), 'pre_ext');
    await execSql(src.uri, 'CREATE EXTENSION chkpass; CREATE TABLE login (id int PRIMARY KEY, pw chkpass)');
    const dst = await freshDatabase(await server('17', 'dst'), 'pre_ext');
    const items = await precheck(src.uri, dst.uri);
    const v = items.get('versions')!;
    assert.deepEqual([v.status, v.detail.split(':')[0]], ['pass', 'source PostgreSQL 10, target PostgreSQL 17']);
    const ext = items.get('extensions')!;
    assert.equal(ext.status, 'fail');
    assert.deepEqual(ext.objects, ['chkpass 1.0']);
    assert.ok(ext.fix);
  });
});
