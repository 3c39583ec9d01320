/**
 * How a table is loaded: in a fresh run a small table goes straight into the table pre-data just
 * created; a large one is truncated in the load's transaction and loaded with COPY FREEZE; a
 * resumed run truncates every table it loads (an earlier attempt may have left committed block
 * ranges of it). Every way gives an exact copy.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import pg from 'pg';
import { resolveConnInfo } from '../../src/config/conninfo.js';
import { runMigration } from '../../src/run/run-migration.js';
import { RateLimiter } from '../../src/copy/rate-limit.js';
import type { PgferryError } from '../../src/errors.js';
import { execSql, freshDatabase, server } from '../harness/servers.js';
import { tableDigests } from '../harness/data-oracle.js';

async function truncated(uri: string): Promise<Record<string, boolean>> {
  const c = new pg.Client({ connectionString: uri });
  await c.connect();
  try {
    // a table's first file is named after its OID; TRUNCATE gives it a new one
    const r = await c.query<{ relname: string; truncated: boolean }>(
      "SELECT relname, relfilenode <> oid AS truncated FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY 1",
    );
    return Object.fromEntries(r.rows.map((x) => [x.relname, x.truncated]));
  } finally {
    await c.end();
  }
}

it('small tables load without TRUNCATE in a fresh run, large ones with TRUNCATE + FREEZE, and resumed runs truncate', async () => {
  const src = await freshDatabase(await server('15', 'src'), 'loadmodes');
  const dst = await freshDatabase(await server('15', 'dst'), 'loadmodes');
  await execSql(
    src.uri,
    `CREATE TABLE big (id int PRIMARY KEY, pad text);
     INSERT INTO big SELECT i, repeat(md5(i::text), 4) FROM generate_series(1, 30000) i;
     CREATE TABLE small (id int PRIMARY KEY REFERENCES big, v text);
     INSERT INTO small SELECT i, 'v' || i FROM generate_series(1, 500) i;`,
  );
  await execSql(src.uri, 'VACUUM ANALYZE');
  const base = { source: resolveConnInfo(src.uri), target: resolveConnInfo(dst.uri), jobs: 2, schemaOnly: false, dataOnly: false };
  await runMigration(base);
  assert.deepEqual(await truncated(dst.uri), { big: true, small: false });
  assert.deepEqual([...(await tableDigests(dst.uri))], [...(await tableDigests(src.uri))]);

  // a run stopped after pre-data, resumed: its tables may hold rows an earlier attempt committed
  const dst2 = await freshDatabase(await server('15', 'dst'), 'loadmodes2');
  const runId = 'resumed-load-modes';
  let preDataDone = false;
  await assert.rejects(
    runMigration({
      ...base,
      target: resolveConnInfo(dst2.uri),
      runId,
      onEvent: (e) => {
        if (e.type === 'phase-end' && e.phase === 'pre-data') preDataDone = true;
      },
      control: { stopRequested: () => preDataDone, jobs: () => 2, limiter: new RateLimiter(1e12) },
    }),
    (err: PgferryError) => err.code === 'PGFERRY_E_STOPPED',
  );
  await execSql(dst2.uri, "INSERT INTO small VALUES (1, 'left by an earlier attempt')");
  await runMigration({ ...base, target: resolveConnInfo(dst2.uri), runId, resume: true });
  assert.deepEqual(await truncated(dst2.uri), { big: true, small: true });
  assert.deepEqual([...(await tableDigests(dst2.uri))], [...(await tableDigests(src.uri))]);
});
