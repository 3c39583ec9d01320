/**
 * C-language functions cannot move to another server: `migrate --schema-only` lists each one and
 * every object that needs it (language, base type, operators, cast, views, tables, keys) with the
 * reason, creates everything else, and exits with 7, "completed with skipped objects".
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { execSql, freshDatabase, server } from '../harness/servers.js';
import { psqlFile } from '../harness/tools.js';
import { runCli } from '../harness/cli.js';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/c-functions.sql');

describe('C-language functions', () => {
  it('are skipped with their dependents, each listed with its reason; exit code 7', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'cfun');
    const dst = await freshDatabase(await server('15', 'dst'), 'cfun');
    await psqlFile(src.uri, FIXTURE);
    const r = await runCli(['migrate', '--schema-only', '--source', src.uri, '--target', dst.uri]);
    assert.equal(r.code, 7, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; skipped?: { kind: string; name: string; reason: string }[] });
    const skipped = new Map(events.find((e) => e.event === 'plan')!.skipped!.map((s) => [`${s.kind} ${s.name}`, s.reason]));
    assert.match(skipped.get('function kinds_c.c_kv_in(cstring)') ?? '', /C-language function: its shared library cannot be moved/);
    const expected: [string, RegExp][] = [
      ['language kinds_c_pl', /depends on function kinds_c\.c_handler\(\)/],
      ['base type kinds_c.c_kv', /depends on function kinds_c\.c_kv_/],
      ['operator "kinds_c".= (kinds_c.c_kv, kinds_c.c_kv)', /depends on function kinds_c\.c_kv_eq/],
      ['cast (kinds_c.c_kv AS text[])', /depends on function kinds_c\.c_kv_to_array/],
      ['view kinds_c.v_c_calls', /depends on function kinds_c\.c_kv_fetch/],
      ['function kinds_c.pl_hello(who text)', /depends on language kinds_c_pl/],
      ['table kinds_c.c_typed', /depends on base type kinds_c\.c_kv/],
      ['constraint c_typed_pkey on kinds_c.c_typed', /depends on table kinds_c\.c_typed/],
    ];
    for (const [name, reason] of expected) assert.match(skipped.get(name) ?? `(not listed: ${[...skipped.keys()].join('; ')})`, reason, name);
    const summary = events.at(-1) as unknown as { event: string; summary: { skipped: unknown[]; failures: unknown[] } };
    assert.equal(summary.event, 'summary');
    assert.equal(summary.summary.skipped.length, skipped.size);
    assert.deepEqual(summary.summary.failures, []);

    // everything that does not need C is there, and no shell of the skipped type is left behind
    const there = await execSql(dst.uri, `SELECT
      (SELECT count(*) FROM pg_class WHERE relnamespace = 'kinds_c'::regnamespace AND relname IN ('plain', 'plain_view'))::int AS kept,
      (SELECT count(*) FROM pg_type WHERE typnamespace = 'kinds_c'::regnamespace AND typname = 'c_kv')::int AS shells,
      (SELECT count(*) FROM pg_proc WHERE pronamespace = 'kinds_c'::regnamespace)::int AS functions`);
    assert.deepEqual(there.rows[0], { kept: 2, shells: 0, functions: 0 });
  });
});
