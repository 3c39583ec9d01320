/** --max-rate holds the copy of all workers together under the given megabytes per second. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { execSql, freshDatabase, server } from '../harness/servers.js';
import { resolveConnInfo } from '../../src/config/conninfo.js';
import { runMigration } from '../../src/run/run-migration.js';
import { runVerify } from '../../src/verify/run-verify.js';

describe('--max-rate', () => {
  it('copies no faster than the limit across workers, and the copy is exact', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'rate');
    const dst = await freshDatabase(await server('15', 'dst'), 'rate');
    await execSql(src.uri, `
      CREATE TABLE a (id int PRIMARY KEY, pad text);
      CREATE TABLE b (id int PRIMARY KEY, pad text);
      INSERT INTO a SELECT i, repeat(md5(i::text), 3) FROM generate_series(1, 60000) i;
      INSERT INTO b SELECT i, repeat(md5(i::text), 3) FROM generate_series(1, 60000) i;`);
    const rate = 4; // MB/s
    const summary = await runMigration({
      source: resolveConnInfo(src.uri), target: resolveConnInfo(dst.uri), jobs: 2, schemaOnly: false, dataOnly: false, maxRateMBps: rate,
    });
    const mb = summary.bytesCopied / 1024 / 1024;
    assert.ok(mb > 10, `copied ${mb.toFixed(1)} MB`);
    // one second of burst is allowed
    const floor = mb / rate - 1;
    assert.ok(summary.phaseSeconds.data! >= floor, `data phase ${summary.phaseSeconds.data}s for ${mb.toFixed(1)} MB at ${rate} MB/s (at least ${floor.toFixed(1)}s)`);
    assert.ok(summary.phaseSeconds.data! < mb / rate + 5, `data phase ${summary.phaseSeconds.data}s: much slower than the limit`);
    const report = await runVerify({ source: resolveConnInfo(src.uri), target: resolveConnInfo(dst.uri), jobs: 2 });
    assert.ok(report.ok);
  });
});
