/**
 * What a newer target cannot take is named in the plan before anything runs: a postfix operator
 * (gone in 14), a column of abstime (gone in 12) and a table WITH OIDS (12+ has none), 10 → 17.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { execSql, freshDatabase, server } from '../harness/servers.js';
import { runCli } from '../harness/cli.js';

describe('cross-version gaps 10 → 17', () => {
  it('are skipped or noted in the plan with the reason, and the rest migrates', async () => {
    const src = await freshDatabase(await server('10', 'src'), 'gaps');
    const dst = await freshDatabase(await server('17', 'dst'), 'gaps');
    await execSql(src.uri, `
      CREATE FUNCTION fact(bigint) RETURNS numeric LANGUAGE sql IMMUTABLE AS 'SELECT $1::numeric';
      CREATE OPERATOR !!! (LEFTARG = bigint, PROCEDURE = fact);
      CREATE TABLE old_times (id int PRIMARY KEY, at abstime);
      CREATE VIEW old_view AS SELECT id FROM old_times;
      CREATE TABLE oids (id int) WITH OIDS;
      INSERT INTO oids VALUES (1), (2);
      CREATE TABLE fine (id int PRIMARY KEY);
      INSERT INTO fine VALUES (1);`);
    const r = await runCli(['migrate', '--source', src.uri, '--target', dst.uri]);
    assert.equal(r.code, 7, r.stderr);
    const plan = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.event === 'plan') as {
      skipped: { kind: string; name: string; reason: string }[];
      notes: string[];
    };
    const skipped = new Map(plan.skipped.map((s) => [`${s.kind} ${s.name}`, s.reason]));
    assert.match(skipped.get('operator "public".!!! (bigint, NONE)') ?? '', /postfix operators do not exist in PostgreSQL 14 and later/);
    assert.match(skipped.get('table public.old_times') ?? '', /column at has type abstime, removed in PostgreSQL 12/);
    assert.match(skipped.get('view public.old_view') ?? '', /depends on table public\.old_times/);
    assert.ok(plan.notes.some((n) => /table public\.oids: was created WITH OIDS/.test(n)), plan.notes.join('\n'));
    const there = await execSql(dst.uri, "SELECT (SELECT count(*) FROM oids)::int AS oids, (SELECT count(*) FROM fine)::int AS fine, to_regclass('old_times') IS NULL AS gone");
    assert.deepEqual(there.rows[0], { oids: 2, fine: 1, gone: true });
  });
});
