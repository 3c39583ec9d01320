/**
 * COPY messages written from the source's wire to the target's unchanged (copy-passthrough.ts):
 * the payload is byte for byte what pg-copy-streams reads; rows larger than a socket read, frame
 * headers cut by a read, NOTICEs between rows and a source error mid-copy all behave, and after
 * a failed copy both connections take queries again.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { copyInFramed, copyOutFramed } from '../../src/copy/copy-passthrough.js';
import { execSql, freshDatabase, server } from '../harness/servers.js';
import { tableDigests } from '../harness/data-oracle.js';

async function client(uri: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: uri });
  await c.connect();
  return c;
}

/** All bytes of a readable stream (the test data is a few MB). */
async function drain(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** The COPY data inside a run of CopyData messages; throws on anything but CopyData. */
function unframe(framed: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < framed.length; ) {
    assert.equal(framed[i], 0x64, `CopyData expected at byte ${i}`);
    const size = framed.readUInt32BE(i + 1);
    parts.push(framed.subarray(i + 5, i + 1 + size));
    i += 1 + size;
  }
  return Buffer.concat(parts);
}

it('passes COPY data through unchanged: wide rows, cut headers, notices, both formats, and a failing source', async () => {
  const src = await freshDatabase(await server('15', 'src'), 'passthrough');
  const dst = await freshDatabase(await server('15', 'dst'), 'passthrough');
  const ddl = `CREATE TABLE "Odd ""t""" (id int PRIMARY KEY, "the data" bytea, label text, arr int[]);`;
  await execSql(src.uri, ddl);
  await execSql(dst.uri, ddl);
  // row sizes from 1 byte to 3 MB, so rows span socket reads and reads end inside frame headers
  await execSql(
    src.uri,
    `INSERT INTO "Odd ""t""" SELECT i, decode(repeat(md5(i::text), (i % 97) + 1), 'hex'), E'tab\\there ünï "q" \\\\ ' || i, ARRAY[i, -i]
       FROM generate_series(1, 20000) i;
     INSERT INTO "Odd ""t""" SELECT 100000 + i, decode(repeat(md5(i::text), 200000 * i), 'hex'), NULL, NULL FROM generate_series(1, 3) i;
     CREATE FUNCTION noisy(i int) RETURNS int LANGUAGE plpgsql AS $$
       BEGIN IF i % 1000 = 0 THEN RAISE NOTICE 'row %', i; END IF; RETURN i; END $$;`,
  );
  const s = await client(src.uri);
  const t = await client(dst.uri);
  try {
    for (const format of ['binary', 'text']) {
      const sql = `COPY "Odd ""t""" TO STDOUT (FORMAT ${format})`;
      const framed = copyOutFramed(sql);
      const payload = unframe(await drain(s.query(framed)));
      const reference = await drain(s.query(copyTo(sql)));
      assert.equal(framed.payloadBytes, reference.length, `${format}: payload bytes counted`);
      assert.ok(payload.equals(reference), `${format}: the framed stream carries pg-copy-streams' bytes`);
      assert.equal(framed.rowCount, 20003);

      await t.query('TRUNCATE "Odd ""t"""');
      const writer = t.query(copyInFramed(`COPY "Odd ""t""" FROM STDIN (FORMAT ${format})`));
      await pipeline(s.query(copyOutFramed(sql)), writer);
      assert.equal((writer as unknown as { rowCount: number }).rowCount, 20003);
      assert.deepEqual([...(await tableDigests(dst.uri))], [...(await tableDigests(src.uri))], `${format}: the copy is exact`);
    }

    // NOTICE messages between the rows (client_min_messages = notice) are left out of the data
    const noisy = 'COPY (SELECT noisy(i) FROM generate_series(1, 5000) i) TO STDOUT';
    await s.query('SET client_min_messages = notice');
    const withNotices = unframe(await drain(s.query(copyOutFramed(noisy))));
    assert.equal(withNotices.toString(), Array.from({ length: 5000 }, (_, i) => `${i + 1}\n`).join(''));

    // the source fails after some rows: the target's COPY is failed between messages and rolled back
    await t.query('BEGIN');
    await t.query('TRUNCATE "Odd ""t"""');
    await execSql(dst.uri, 'SELECT 1');
    const failing = s.query(copyOutFramed(`COPY (SELECT i, NULL::bytea, (10 / (30000 - i))::text, NULL::int[] FROM generate_series(1, 40000) i) TO STDOUT`));
    await assert.rejects(pipeline(failing, t.query(copyInFramed('COPY "Odd ""t""" FROM STDIN'))), /division by zero/);
    await t.query('ROLLBACK');
    const after = await t.query('SELECT count(*)::int AS n FROM "Odd ""t"""');
    assert.equal(after.rows[0].n, 20003, 'the rolled-back load left the earlier rows');
    assert.equal((await s.query('SELECT 42 AS x')).rows[0].x, 42, 'the source connection takes queries again');
  } finally {
    await s.end();
    await t.end();
  }
});
