/**
 * Object selection: schemas and tables by include/exclude globs. What is left out is not created;
 * a selected object that needs it is skipped with the reason; precheck fails a foreign key to a
 * left-out table and names the three ways out; verify compares the same selection.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { execSql, freshDatabase, server } from '../harness/servers.js';
import { runCli } from '../harness/cli.js';

const SOURCE = `
  CREATE SCHEMA app; CREATE SCHEMA audit;
  CREATE TABLE app.parent (id int PRIMARY KEY);
  CREATE TABLE app.child (id int PRIMARY KEY, parent_id int REFERENCES app.parent (id));
  CREATE TABLE app.other (id serial PRIMARY KEY, v text);
  CREATE VIEW app.v_parent AS SELECT id FROM app.parent;
  CREATE TABLE audit.log (at timestamptz, msg text);
  INSERT INTO app.parent SELECT generate_series(1, 10);
  INSERT INTO app.child SELECT i, i FROM generate_series(1, 10) i;
  INSERT INTO app.other (v) SELECT 'x' FROM generate_series(1, 5);
  INSERT INTO audit.log VALUES (now(), 'm');`;

const tables = async (uri: string) =>
  (await execSql(uri, "SELECT string_agg(format('%s.%s', schemaname, relname), ',' ORDER BY format('%s.%s', schemaname, relname) COLLATE \"C\") AS t FROM pg_stat_user_tables")).rows[0].t as string | null;

describe('object selection', () => {
  it('leaves out what is not selected and skips what needs it, with the reason', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'sel');
    await execSql(src.uri, SOURCE);

    const dst1 = await freshDatabase(await server('15', 'dst'), 'sel_excl');
    const pre = await runCli(['precheck', '--source', src.uri, '--target', dst1.uri, '--exclude-table', 'app.parent', '--json']);
    assert.equal(pre.code, 8, pre.stderr);
    const sel = (JSON.parse(pre.stdout.trim()) as { items: { id: string; status: string; fix?: string; objects?: string[] }[] }).items.find((i) => i.id === 'selection')!;
    assert.equal(sel.status, 'fail');
    assert.match(sel.fix!, /add the referenced \(parent\) tables to the selection, or leave the referencing \(child\) tables out too, or drop the foreign key/);
    assert.ok(sel.objects!.some((o) => /^constraint child_parent_id_fkey on app\.child: depends on table app\.parent, which is not selected$/.test(o)), sel.objects!.join('\n'));

    const r = await runCli(['migrate', '--source', src.uri, '--target', dst1.uri, '--exclude-table', 'app.parent']);
    assert.equal(r.code, 7, r.stderr);
    const plan = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.event === 'plan') as { skipped: { kind: string; name: string; reason: string }[] };
    assert.deepEqual(plan.skipped.map((s) => `${s.kind} ${s.name}: ${s.reason}`).sort(), [
      'constraint child_parent_id_fkey on app.child: depends on table app.parent, which is not selected',
      'view app.v_parent: depends on table app.parent, which is not selected',
    ]);
    assert.equal(await tables(dst1.uri), 'app.child,app.other,audit.log');
    const v = await runCli(['verify', '--source', src.uri, '--target', dst1.uri, '--exclude-table', 'app.parent']);
    assert.equal(v.code, 0, v.stdout);
    assert.match(v.stdout, /verify: PASS tables=3 rows=16 sequences=1/);

    const dst2 = await freshDatabase(await server('15', 'dst'), 'sel_schema');
    const s = await runCli(['migrate', '--source', src.uri, '--target', dst2.uri, '--include-schema', 'app']);
    assert.equal(s.code, 0, s.stderr);
    assert.equal(await tables(dst2.uri), 'app.child,app.other,app.parent');
    const schemas = await execSql(dst2.uri, "SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'audit'");
    assert.equal(schemas.rows[0].n, 0);
    assert.equal((await runCli(['verify', '--source', src.uri, '--target', dst2.uri, '--include-schema', 'app'])).code, 0);

    const dst3 = await freshDatabase(await server('15', 'dst'), 'sel_glob');
    const g = await runCli(['migrate', '--source', src.uri, '--target', dst3.uri, '--include-table', 'app.o*']);
    assert.equal(g.code, 0, g.stderr);
    assert.equal(await tables(dst3.uri), 'app.other');
    const seq = await execSql(dst3.uri, "SELECT last_value::int AS v FROM app.other_id_seq");
    assert.equal(seq.rows[0].v, 5, 'the owned sequence came with its table, at its position');
  });
});
