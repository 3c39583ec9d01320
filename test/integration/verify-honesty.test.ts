/**
 * Verify fails on real differences and only on them. Regressions for three reports: a partitioned
 * table whose partitions never arrived "passed" (verify compared leaves only, and the selection
 * hid them); "0 sequences equal" after 300 serial sequences were migrated (owned sequences did not
 * follow their tables through a selection); and every table with text "FAILED" after a LATIN1
 * source moved intact to a UTF8 target (each server hashed its own bytes).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { execSql, freshDatabase, server, uriOf } from '../harness/servers.js';
import { runCli } from '../harness/cli.js';

type Report = { ok: boolean; tables: { table: string; ok: boolean; sourceRows: number | null; targetRows: number | null; problems: string[]; partitionOf?: string; partitioned?: boolean }[]; sequences: { sequence: string; ok: boolean }[] };

const verify = (src: string, dst: string, ...flags: string[]) => runCli(['verify', '--source', src, '--target', dst, ...flags]);
const verifyJson = async (src: string, dst: string, ...flags: string[]) => JSON.parse((await verify(src, dst, ...flags, '--json')).stdout.trim()) as Report;
const migrate = async (src: string, dst: string) => {
  const r = await runCli(['migrate', '--source', src, '--target', dst, '--json']);
  assert.equal(r.code, 0, r.stderr);
};

/** A database with its own encoding (the harness's servers default to UTF8). */
async function databaseWithEncoding(major: '15' | '17', role: 'src' | 'dst', label: string, encoding: string): Promise<string> {
  const ref = await server(major, role);
  const name = `${label}_${crypto.randomBytes(3).toString('hex')}`;
  await execSql(uriOf(ref, 'postgres'), `CREATE DATABASE ${name} ENCODING '${encoding}' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`);
  return uriOf(ref, name);
}

// two levels and a default partition; each partition gets rows
const PARTITIONED = `
  CREATE SCHEMA app;
  CREATE TABLE app.events (id int, region text, at date, payload text, PRIMARY KEY (id, region, at)) PARTITION BY LIST (region);
  CREATE TABLE app.events_eu PARTITION OF app.events FOR VALUES IN ('eu') PARTITION BY RANGE (at);
  CREATE TABLE app.events_eu_2024 PARTITION OF app.events_eu FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
  CREATE TABLE app.events_eu_2025 PARTITION OF app.events_eu FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
  CREATE TABLE app.events_us PARTITION OF app.events FOR VALUES IN ('us');
  CREATE TABLE app.events_other PARTITION OF app.events DEFAULT;
  INSERT INTO app.events SELECT i, (ARRAY['eu', 'us', 'apac'])[1 + i % 3], date '2024-06-01' + (i % 400), md5(i::text) FROM generate_series(1, 1200) i;
  CREATE TABLE app.plain (id serial PRIMARY KEY, v text);
  INSERT INTO app.plain (v) SELECT 'x' FROM generate_series(1, 10);`;

describe('verify honesty', () => {
  it('verify said passed for a partitioned table whose partitions never arrived: partitions are compared through their parent', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'vh_part');
    await execSql(src.uri, PARTITIONED);
    const counts = (await execSql(src.uri, `SELECT tableoid::regclass::text AS t, count(*)::int AS n FROM app.events GROUP BY 1`)).rows as { t: string; n: number }[];
    const rows = (t: string) => counts.find((c) => c.t === t)!.n;
    const dst = await freshDatabase(await server('15', 'dst'), 'vh_part');
    await migrate(src.uri, dst.uri);

    const ok = await verify(src.uri, dst.uri);
    assert.equal(ok.code, 0, ok.stdout);
    // six tables in the tree plus app.plain; the rows are the partitions' and app.plain's, each counted once
    assert.match(ok.stdout, /verify: PASS tables=7 rows=1210 sequences=1 /);
    const selected = await verifyJson(src.uri, dst.uri, '--include-table', 'app.events');
    assert.ok(selected.ok);
    assert.deepEqual(selected.tables.map((t) => `${t.table}${t.partitionOf ? ` < ${t.partitionOf}` : ''}: ${t.sourceRows}`), [
      'app.events: 1200',
      'app.events_eu < app.events: 400',
      `app.events_eu_2024 < app.events_eu: ${rows('app.events_eu_2024')}`,
      `app.events_eu_2025 < app.events_eu: ${rows('app.events_eu_2025')}`,
      'app.events_other < app.events: 400',
      'app.events_us < app.events: 400',
    ], '--include-table of the parent covers every partition, at both levels');

    // one partition's rows gone on the target: that partition fails, and its parents through it
    await execSql(dst.uri, 'DELETE FROM app.events_eu_2025');
    for (const flags of [[], ['--include-table', 'app.events']]) {
      const v = await verify(src.uri, dst.uri, ...flags);
      assert.equal(v.code, 4, v.stdout);
      assert.match(v.stdout, new RegExp(`^FAIL table app\\.events_eu_2025 \\(partition of app\\.events_eu\\): all rows: rows source=${rows('app.events_eu_2025')} target=0$`, 'm'));
      assert.match(v.stdout, new RegExp(`^FAIL table app\\.events: partitions that differ: app\\.events_eu, app\\.events_eu_2025 \\(rows through it: source=1200 target=${1200 - rows('app.events_eu_2025')}\\)$`, 'm'));
      assert.match(v.stdout, /^FAIL table app\.events_eu \(partition of app\.events\): partitions that differ: app\.events_eu_2025 /m);
      assert.doesNotMatch(v.stdout, /FAIL table app\.events_(us|other|eu_2024)/);
    }

    // a partition dropped on the target is named as missing, under its parent and on its own line
    await execSql(dst.uri, 'DROP TABLE app.events_us');
    const dropped = await verify(src.uri, dst.uri, '--include-table', 'app.events');
    assert.equal(dropped.code, 4);
    assert.match(dropped.stdout, /^FAIL table app\.events: partition app\.events_us missing in target$/m);
    assert.match(dropped.stdout, /^FAIL table app\.events_us \(partition of app\.events\): missing in target \(rows source=400\)$/m);
    // detached rather than dropped: the table is equal, its parent is not
    await execSql(dst.uri, 'ALTER TABLE app.events DETACH PARTITION app.events_other');
    const detached = await verify(src.uri, dst.uri);
    assert.match(detached.stdout, /^FAIL table app\.events: partition app\.events_other not attached to it in target$/m);
    assert.doesNotMatch(detached.stdout, /FAIL table app\.events_other/);
    // and a partition only the target has
    await execSql(dst.uri, "CREATE TABLE app.events_apac PARTITION OF app.events FOR VALUES IN ('apac'); INSERT INTO app.events_apac VALUES (1, 'apac', '2024-01-01', 'x')");
    const extra = await verify(src.uri, dst.uri, '--include-table', 'app.events');
    assert.match(extra.stdout, /^FAIL table app\.events: partition app\.events_apac extra in target$/m);
    assert.match(extra.stdout, /^FAIL table app\.events_apac: extra in target \(rows target=1\)$/m);

    // the reported case: the target has the parent, empty, and no partitions at all
    const bare = await freshDatabase(await server('15', 'dst'), 'vh_bare');
    await execSql(bare.uri, 'CREATE SCHEMA app; CREATE TABLE app.events (id int, region text, at date, payload text, PRIMARY KEY (id, region, at)) PARTITION BY LIST (region)');
    const empty = await verify(src.uri, bare.uri, '--include-table', 'app.events');
    assert.equal(empty.code, 4, empty.stdout);
    for (const p of ['events_eu', 'events_us', 'events_other']) assert.match(empty.stdout, new RegExp(`^FAIL table app\\.events: partition app\\.${p} missing in target$`, 'm'));
    assert.match(empty.stdout, /^FAIL table app\.events: rows through it: source=1200 target=0$/m);
    assert.match(empty.stdout, /^FAIL table app\.events_us \(partition of app\.events\): missing in target \(rows source=400\)$/m);
    assert.match(empty.stdout, /verify: FAIL tables=6 rows=1200 /);
  });

  it('0 sequences equal after 300 serial sequences were migrated: owned sequences follow their tables', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'vh_seq');
    await execSql(src.uri, `
      CREATE SCHEMA s;
      DO $$ BEGIN
        FOR i IN 1..60 LOOP
          EXECUTE format('CREATE TABLE s.t%s (a serial PRIMARY KEY, b serial, c bigserial, d smallserial, e serial, v text)', i);
          EXECUTE format('INSERT INTO s.t%s (v) SELECT ''x'' FROM generate_series(1, %s)', i, i);
        END LOOP;
      END $$;
      CREATE TABLE s.ident (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text);
      INSERT INTO s.ident (v) VALUES ('a'), ('b');
      CREATE SEQUENCE s.free_seq; SELECT setval('s.free_seq', 42);`);
    const dst = await freshDatabase(await server('15', 'dst'), 'vh_seq');
    await migrate(src.uri, dst.uri);

    const all = await verify(src.uri, dst.uri);
    assert.equal(all.code, 0, all.stdout);
    assert.match(all.stdout, /verify: PASS tables=61 rows=1832 sequences=302 /);
    // the tables named one by one, as the console's wizard names them: their 301 owned sequences come along
    const named = ['s.ident', ...Array.from({ length: 60 }, (_x, i) => `s.t${i + 1}`)].flatMap((t) => ['--include-table', t]);
    const sel = await verifyJson(src.uri, dst.uri, ...named);
    assert.ok(sel.ok);
    assert.equal(sel.sequences.length, 301);
    assert.ok(sel.sequences.every((q) => q.ok));
    assert.ok(sel.sequences.some((q) => q.sequence === 's.ident_id_seq') && !sel.sequences.some((q) => q.sequence === 's.free_seq'));
    const one = await verifyJson(src.uri, dst.uri, '--include-table', 's.t7');
    assert.deepEqual(one.sequences.map((q) => q.sequence), ['s.t7_a_seq', 's.t7_b_seq', 's.t7_c_seq', 's.t7_d_seq', 's.t7_e_seq']);

    await execSql(dst.uri, "SELECT setval('s.t7_c_seq', 1000)");
    for (const flags of [[], named]) {
      const v = await verify(src.uri, dst.uri, ...flags);
      assert.equal(v.code, 4, v.stdout);
      assert.match(v.stdout, /^FAIL sequence s\.t7_c_seq: source=7 target=1000$/m);
      assert.match(v.stdout, /failed_tables=0 failed_sequences=1/);
    }
  });

  it('every table with text failed after a LATIN1 source moved intact to a UTF8 target: rows are hashed as UTF-8', async () => {
    const src = await databaseWithEncoding('17', 'src', 'vh_latin1', 'LATIN1');
    await execSql(src, `
      CREATE TYPE pair AS (a text, b varchar(20));
      CREATE TABLE words (id int PRIMARY KEY, w text, c char(4), arr text[], p pair, ps pair[], j jsonb, n name);
      INSERT INTO words VALUES
        (1, 'Café naïve ñ ü ß éÿ', 'ñé¼', ARRAY['é', 'ñ', 'a b', '¼'], ROW('ß', 'ÿ'), ARRAY[ROW('é,', 'x')::pair, ROW('½ ¾', NULL)::pair], '{"é": "ñ", "list": ["ß"]}', 'Ångström'),
        (2, (SELECT string_agg(chr(i), '' ORDER BY i) FROM generate_series(1, 255) i), 'ÿÿ', ARRAY[(SELECT string_agg(chr(i), '' ORDER BY i) FROM generate_series(160, 255) i)], ROW('«»', '°±²³'), NULL, NULL, 'ÞÐ');
      CREATE TABLE names (name text PRIMARY KEY, n int);
      INSERT INTO names VALUES ('a', 1), ('z', 2), ('Z', 3), ('é', 4), ('ñ', 5), ('ß', 6), ('ÿ', 7), ('¼', 8), ('Æsir', 9);`);
    const dst = (await freshDatabase(await server('17', 'dst'), 'vh_latin1')).uri;
    await migrate(src, dst);

    // node-postgres reads both sides in UTF-8 (each server converts): the text arrived intact
    const read = async (uri: string) => (await execSql(uri, 'SELECT id, w, c, arr, p::text AS p, ps::text AS ps, j::text AS j, n::text AS n, convert_to(w, current_setting(\'server_encoding\')) AS raw FROM words ORDER BY id')).rows;
    const [a, b] = [await read(src), await read(dst)];
    assert.deepEqual(a.map(({ raw: _r, ...r }) => r), b.map(({ raw: _r, ...r }) => r));
    assert.equal(a[0].w, 'Café naïve ñ ü ß éÿ');
    assert.notDeepEqual(a[0].raw, b[0].raw, 'the stored bytes differ (LATIN1 and UTF-8)');

    const v = await verify(src, dst, '--rows-per-range', '2');
    assert.equal(v.code, 0, v.stdout);
    assert.match(v.stdout, /verify: PASS tables=2 rows=11 /);

    // one character changed on the target: only that table fails
    await execSql(dst, "UPDATE words SET arr[1] = 'è' WHERE id = 1");
    const changed = await verify(src, dst, '--rows-per-range', '2');
    assert.equal(changed.code, 4, changed.stdout + changed.stderr);
    assert.match(changed.stdout, /^FAIL table public\.words: id < 2: rows source=1 target=1, checksum .* \(same count, different content\)$/m);
    assert.doesNotMatch(changed.stdout, /FAIL table public\.names/);

    // LATIN1 on both sides: hashed as stored, and still equal, and still caught
    const same = await databaseWithEncoding('17', 'dst', 'vh_latin1_same', 'LATIN1');
    await migrate(src, same);
    assert.equal((await verify(src, same)).code, 0);
    await execSql(same, "UPDATE names SET name = 'è' WHERE name = 'é'");
    const renamed = await verify(src, same);
    assert.equal(renamed.code, 4, renamed.stdout);
    assert.match(renamed.stdout, /^FAIL table public\.names: all rows: rows source=9 target=9, checksum /m);
  });

  it('a SQL_ASCII source: ASCII and UTF-8 bytes verify equal to a UTF8 target, other bytes differ', async () => {
    const src = await databaseWithEncoding('15', 'src', 'vh_sqlascii', 'SQL_ASCII');
    // node-postgres sends UTF-8, which a SQL_ASCII database stores as it comes
    await execSql(src, "CREATE TABLE t (id int PRIMARY KEY, v text, arr text[]); INSERT INTO t VALUES (1, 'plain ascii', ARRAY['a']), (2, 'Café ñ 日本 €', ARRAY['é', '日本'])");
    const dst = (await freshDatabase(await server('17', 'dst'), 'vh_sqlascii')).uri;
    await migrate(src, dst);
    const read = async (uri: string) => (await execSql(uri, 'SELECT v, arr FROM t ORDER BY id')).rows;
    assert.deepEqual(await read(src), await read(dst));
    const v = await verify(src, dst);
    assert.equal(v.code, 0, v.stdout);
    await execSql(dst, "UPDATE t SET v = 'Cafe ñ 日本 €' WHERE id = 2");
    const changed = await verify(src, dst);
    assert.equal(changed.code, 4, changed.stdout + changed.stderr);
    assert.match(changed.stdout, /^FAIL table public\.t: all rows: .*same count, different content/m);

    // a byte that is not UTF-8 (0xe9, é in LATIN1): a UTF8 target cannot hold it as it is, so a
    // table that holds its LATIN1 reading instead is reported as different
    await execSql(src, "CREATE TABLE legacy (id int PRIMARY KEY, v text); INSERT INTO legacy VALUES (1, E'caf\\xe9')");
    await execSql(dst, "CREATE TABLE legacy (id int PRIMARY KEY, v text); INSERT INTO legacy VALUES (1, 'café')");
    const legacy = await verify(src, dst, '--include-table', 'legacy');
    assert.equal(legacy.code, 4, legacy.stdout);
    assert.match(legacy.stdout, /^FAIL table public\.legacy: all rows: .*same count, different content/m);
  });
});
