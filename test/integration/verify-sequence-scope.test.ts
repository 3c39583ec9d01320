/**
 * Regression: verify failed "sequence ...: source=missing" for a sequence both sides have, when
 * its table was excluded and the target's copy had lost its OWNED BY (as a run whose target
 * account skips the table leaves it, test/integration/managed-accounts.test.ts). The source's
 * copy followed its excluded table out of scope, the target's went by its name and came back
 * in. A sequence the source has is now in scope on both sides as it is on the source.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { execSql, freshDatabase, server } from '../harness/servers.js';
import { runCli } from '../harness/cli.js';

describe('verify scope of sequences', () => {
  it('verify said source=missing for a sequence whose table is excluded and whose target copy lost its OWNED BY', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'vs_owned');
    const dst = await freshDatabase(await server('15', 'dst'), 'vs_owned');
    const schema = `CREATE TABLE skipped_t (id int PRIMARY KEY, n int);
      CREATE SEQUENCE counter OWNED BY skipped_t.n;
      CREATE TABLE kept (id serial PRIMARY KEY, v text)`;
    await execSql(src.uri, `${schema}; SELECT setval('counter', 42); INSERT INTO kept (v) SELECT 'x' FROM generate_series(1, 5)`);
    const m = await runCli(['migrate', '--source', src.uri, '--target', dst.uri]);
    assert.equal(m.code, 0, m.stderr);
    // the target's table is gone, its sequence stays, free
    await execSql(dst.uri, 'ALTER SEQUENCE counter OWNED BY NONE; DROP TABLE skipped_t');

    const v = await runCli(['verify', '--source', src.uri, '--target', dst.uri, '--exclude-table', 'public.skipped_t']);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    // kept and its own sequence; counter is out of scope on both sides
    assert.match(v.stdout, /verify: PASS tables=1 rows=5 sequences=1 /);

    // a sequence the source lacks is still reported when the rules select it
    await execSql(dst.uri, 'CREATE SEQUENCE extra_seq');
    const extra = await runCli(['verify', '--source', src.uri, '--target', dst.uri, '--exclude-table', 'public.skipped_t']);
    assert.equal(extra.code, 4, extra.stdout);
    assert.match(extra.stdout, /^FAIL sequence public\.extra_seq: source=missing target=1 \(not called\)$/m);
  });
});
