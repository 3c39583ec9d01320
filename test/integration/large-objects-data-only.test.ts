/**
 * `migrate --data-only` and large objects. Regression: a data-only run used to lo_unlink and
 * lo_create every large object on the target, so one the schema migration had made lost its owner
 * (it became the connecting role's), its GRANTs and its comment. Now an existing object is emptied
 * in place and keeps them; one that only the source has arrives with the source's owner,
 * privileges and comment; one that only the target has is left alone.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { resolveConnInfo } from '../../src/config/conninfo.js';
import { ident, literal } from '../../src/pg/quote.js';
import { runMigration } from '../../src/run/run-migration.js';
import { execSql, freshDatabase, server, uriOf, type Major } from '../harness/servers.js';

interface LoState {
  oid: number;
  md5: string;
  size: number;
  owner: string;
  acl: string | null;
  comment: string | null;
}

/** Every large object of a database: digest of its contents, owner, ACL and comment. */
async function largeObjects(uri: string): Promise<LoState[]> {
  const r = await execSql(
    uri,
    `SELECT m.oid::int AS oid, md5(lo_get(m.oid)) AS md5, length(lo_get(m.oid)) AS size, m.lomowner::regrole::text AS owner,
            m.lomacl::text AS acl, obj_description(m.oid, 'pg_largeobject') AS comment
       FROM pg_largeobject_metadata m ORDER BY m.oid`,
  );
  return r.rows as LoState[];
}

/** Each large object's metadata row version: a row dropped and made again gets a new one. */
async function metadataVersions(uri: string): Promise<{ oid: number; xmin: string }[]> {
  return (await execSql(uri, 'SELECT oid::int AS oid, xmin::text AS xmin FROM pg_largeobject_metadata ORDER BY oid')).rows;
}

type ServerRef = Awaited<ReturnType<typeof server>>;
type Db = { uri: string; name: string };

/**
 * Runs `fn` with the roles `names` on both servers (roles are cluster-wide: suffixed per test)
 * and a fresh database on each; drops them all afterwards.
 */
async function withRolesAndDatabases(servers: [ServerRef, ServerRef], names: string[], label: string, fn: (src: Db, dst: Db) => Promise<void>): Promise<void> {
  for (const s of servers) for (const n of names) await execSql(uriOf(s, 'postgres'), `CREATE ROLE ${ident(n)}`);
  const dbs: [ServerRef, Db][] = [];
  try {
    for (const s of servers) dbs.push([s, await freshDatabase(s, label)]);
    await fn(dbs[0][1], dbs[1][1]);
  } finally {
    for (const [s, db] of dbs) await execSql(uriOf(s, 'postgres'), `DROP DATABASE IF EXISTS ${ident(db.name)}`);
    for (const s of servers) for (const n of names) await execSql(uriOf(s, 'postgres'), `DROP ROLE IF EXISTS ${ident(n)}`);
  }
}

const PAIRS: [Major, Major][] = [
  ['15', '15'],
  ['13', '17'],
];

describe('large objects keep their owner, privileges and comment through migrate --data-only', () => {
  for (const [from, to] of PAIRS) {
    it(`data-only no longer drops and remakes existing large objects (losing owner, ACL, comment); new ones get the source's (${from} → ${to})`, async () => {
      const sfx = crypto.randomBytes(3).toString('hex');
      const owner = `lo owner "${sfx}"`;
      const reader = `lo_reader_${sfx}`;
      const [s, t] = [await server(from, 'src'), await server(to, 'dst')];
      await withRolesAndDatabases([s, t], [owner, reader], 'lo_data_only', async (src, dst) => {
        const o = ident(owner);
        const big = (n: number, seed: string) => `(SELECT string_agg(decode(md5('${seed}' || i), 'hex'), '') FROM generate_series(1, ${n}) i)`;
        // 4242001: owned, granted, commented, 1.5 MB (two chunks); 4242002: owned, NULL ACL, small
        await execSql(
          src.uri,
          `SELECT lo_from_bytea(4242001, ${big(98304, 'a')});
           ALTER LARGE OBJECT 4242001 OWNER TO ${o};
           GRANT SELECT ON LARGE OBJECT 4242001 TO ${ident(reader)};
           COMMENT ON LARGE OBJECT 4242001 IS ${literal(`it's the one with a "comment" ${sfx}`)};
           SELECT lo_from_bytea(4242002, 'small'::bytea);
           ALTER LARGE OBJECT 4242002 OWNER TO ${o};`,
        );
        const base = { source: resolveConnInfo(src.uri), target: resolveConnInfo(dst.uri), jobs: 2, schemaOnly: false, dataOnly: false };
        await runMigration(base);
        const before = await largeObjects(src.uri);
        assert.equal(before.length, 2);
        assert.match(before[0].acl!, new RegExp(`${reader}=r/`));
        assert.equal(before[1].acl, null);
        assert.deepEqual(await largeObjects(dst.uri), before);

        // the source changes: 4242001 shorter, 4242002 longer (past one chunk), 4242003 new;
        // 4242009 exists only on the target
        await execSql(
          src.uri,
          `SELECT lo_truncate(lo_open(4242001, ${0x20000}), 0);
           SELECT lo_put(4242001, 0, 'now short'::bytea);
           SELECT lo_put(4242002, 5, ${big(131072, 'b')});
           SELECT lo_from_bytea(4242003, ${big(70000, 'c')});
           ALTER LARGE OBJECT 4242003 OWNER TO ${o};
           GRANT SELECT, UPDATE ON LARGE OBJECT 4242003 TO ${ident(reader)} WITH GRANT OPTION;
           REVOKE UPDATE ON LARGE OBJECT 4242003 FROM ${o};
           COMMENT ON LARGE OBJECT 4242003 IS 'made after the schema migration';`,
        );
        await execSql(dst.uri, `SELECT lo_from_bytea(4242009, 'target only'::bytea); COMMENT ON LARGE OBJECT 4242009 IS 'mine'`);
        const targetOnly = (await largeObjects(dst.uri)).filter((x) => x.oid === 4242009);
        const metadataRows = await metadataVersions(dst.uri);

        await runMigration({ ...base, dataOnly: true });
        const after = await largeObjects(src.uri);
        assert.deepEqual(after.map((x) => x.size), [9, 5 + 131072 * 16, 70000 * 16]);
        assert.match(after[2].acl!, new RegExp(`${reader}=r\\*w\\*/`));
        assert.deepEqual(await largeObjects(dst.uri), [...after, ...targetOnly]);
        // emptied in place: the metadata rows the schema migration wrote are the same row versions
        assert.deepEqual((await metadataVersions(dst.uri)).filter((x) => x.oid !== 4242003), metadataRows);
      });
    });
  }

  it('a new object whose owner the target user may not take on stays the target user\'s, with its grants and comment', async () => {
    const sfx = crypto.randomBytes(3).toString('hex');
    const [owner, reader, loader] = [`lo_owner_${sfx}`, `lo_reader_${sfx}`, `lo_loader_${sfx}`];
    const [s, t] = [await server('15', 'src'), await server('15', 'dst')];
    await withRolesAndDatabases([s, t], [owner, reader, loader], 'lo_not_member', async (src, dst) => {
      await execSql(uriOf(t, 'postgres'), `ALTER ROLE ${ident(loader)} LOGIN; GRANT CREATE ON DATABASE ${ident(dst.name)} TO ${ident(loader)}`);
      await execSql(
        src.uri,
        `SELECT lo_from_bytea(4242101, 'not yours'::bytea);
         ALTER LARGE OBJECT 4242101 OWNER TO ${ident(owner)};
         GRANT SELECT ON LARGE OBJECT 4242101 TO ${ident(reader)};
         COMMENT ON LARGE OBJECT 4242101 IS 'kept';`,
      );
      const target = resolveConnInfo(`postgresql://${loader}@127.0.0.1:${t.port}/${dst.name}`);
      await runMigration({ source: resolveConnInfo(src.uri), target, jobs: 1, schemaOnly: false, dataOnly: true });
      const [lo] = await largeObjects(dst.uri);
      assert.deepEqual(lo, { ...(await largeObjects(src.uri))[0], owner: loader, acl: `{${loader}=rw/${loader},${reader}=r/${loader}}` });
    });
  });
});
