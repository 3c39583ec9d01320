/**
 * Selection and table trees (the bug: `--include-table public.orders` on a partitioned table
 * planned no copy unit, created the parent without partitions, copied 0 rows and ended
 * "completed"). A partitioned table selected takes its whole tree: every level, the default
 * partition, partitions in other schemas; excluding it leaves the tree out; a partition selected
 * alone is refused by precheck and migrate (nothing created), or with --partitions-as-tables made
 * a plain table with its rows. Inheritance children follow their parent the same way. Schemas and
 * standalone sequences follow the selection: a public-only selection creates no schema ref, so a
 * second migration of ref alone into the same target passes precheck and works.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { execSql, freshDatabase, server } from '../harness/servers.js';
import { runCli } from '../harness/cli.js';
import { tableDigests } from '../harness/data-oracle.js';
import { listObjects, type ObjectTreeTable } from '../../src/catalog/list-objects.js';

const SOURCE = `
  CREATE SCHEMA archive; CREATE SCHEMA ref;
  -- two levels of range then list partitions, default partitions at both, one partition in archive
  CREATE TABLE public.orders (id int NOT NULL, placed date NOT NULL, region text NOT NULL, total numeric, PRIMARY KEY (id, placed, region)) PARTITION BY RANGE (placed);
  CREATE TABLE public.orders_2023 PARTITION OF public.orders FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
  CREATE TABLE public.orders_2024 PARTITION OF public.orders FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') PARTITION BY LIST (region);
  CREATE TABLE public.orders_2024_eu PARTITION OF public.orders_2024 FOR VALUES IN ('eu');
  CREATE TABLE public.orders_2024_us PARTITION OF public.orders_2024 FOR VALUES IN ('us');
  CREATE TABLE public.orders_2024_other PARTITION OF public.orders_2024 DEFAULT;
  CREATE TABLE archive."Orders 2019" PARTITION OF public.orders FOR VALUES FROM ('2019-01-01') TO ('2020-01-01');
  CREATE TABLE public.orders_default PARTITION OF public.orders DEFAULT;
  INSERT INTO public.orders SELECT g, d, r, g / 7.0
    FROM generate_series(1, 6000) g,
         LATERAL (SELECT (ARRAY['2019-03-01', '2021-06-01', '2023-05-05', '2024-02-02', '2024-08-08']::date[])[1 + g % 5] AS d) x,
         LATERAL (SELECT (ARRAY['eu', 'us', 'apac'])[1 + g % 3] AS r) y;
  -- inheritance: a parent with two children, one in archive
  CREATE TABLE public.measure (id int PRIMARY KEY, v int);
  CREATE TABLE public.measure_2019 (note text) INHERITS (public.measure);
  CREATE TABLE archive.measure_old () INHERITS (public.measure);
  INSERT INTO public.measure SELECT g, g FROM generate_series(1, 10) g;
  INSERT INTO public.measure_2019 SELECT g, g, 'n' FROM generate_series(11, 30) g;
  INSERT INTO archive.measure_old SELECT g, g FROM generate_series(31, 35) g;
  -- standalone sequences: one a default uses, one nothing uses
  CREATE SEQUENCE public.item_seq START 100;
  CREATE SEQUENCE public.unused_seq;
  CREATE TABLE public.items (id int PRIMARY KEY DEFAULT nextval('public.item_seq'), name text);
  INSERT INTO public.items (name) SELECT 'i' || g FROM generate_series(1, 5) g;
  -- schema ref: a table, a function, a standalone sequence
  CREATE SEQUENCE ref.ticket_seq;
  SELECT nextval('ref.ticket_seq') FROM generate_series(1, 7);
  CREATE TABLE ref.codes (code text PRIMARY KEY, n int DEFAULT nextval('ref.ticket_seq'));
  CREATE FUNCTION ref.double(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 2';
  INSERT INTO ref.codes (code) VALUES ('a'), ('b');
  ANALYZE;`;

const ORDERS_LEAVES = ['archive."Orders 2019"', 'public.orders_2023', 'public.orders_2024_eu', 'public.orders_2024_other', 'public.orders_2024_us', 'public.orders_default'];

const userTables = async (uri: string) =>
  (await execSql(uri, `SELECT coalesce(string_agg(format('%I.%I', n.nspname, c.relname), ',' ORDER BY format('%I.%I', n.nspname, c.relname)), '') AS t
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'S', 'v', 'm', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND n.nspname !~ '^pg_'`)).rows[0].t as string;
const schemasOf = async (uri: string) =>
  (await execSql(uri, "SELECT string_agg(nspname, ',' ORDER BY nspname) AS s FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'")).rows[0].s as string;
const planEvent = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.event === 'plan') as { notes: string[]; skipped: unknown[] };
const only = (m: Map<string, string>, keys: string[]) => new Map(keys.map((k) => [k, m.get(k)]));

interface Item {
  id: string;
  status: string;
  detail: string;
  fix?: string;
  objects?: string[];
}

describe('selection of partition and inheritance trees, schemas and sequences', () => {
  let src = '';
  let sourceDigests = new Map<string, string>();
  before(async () => {
    src = (await freshDatabase(await server('15', 'src'), 'treesel')).uri;
    await execSql(src, SOURCE);
    sourceDigests = await tableDigests(src);
  });
  const target = async (label: string) => (await freshDatabase(await server('15', 'dst'), label)).uri;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgferry-treesel-'));
  const env = { PGFERRY_STORE: path.join(dir, 'tasks.db'), PGFERRY_KEY_FILE: path.join(dir, 'secret.key') };
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('include-table-on-partitioned-table-copies-no-rows: the parent brings every partition, at every level and in any schema', async () => {
    const s = await runCli(['schema', '--source', src, '--include-table', 'public.orders', '--section', 'data']);
    assert.equal(s.code, 0, s.stderr);
    const copies = [...s.stdout.matchAll(/^-- (.+): about \d+ rows, \d+ bytes/gm)].map((x) => x[1]).sort();
    assert.deepEqual(copies, ORDERS_LEAVES);
    assert.match(s.stdout, /--\s+partitioned table public\.orders is selected with its whole partition tree: 7 partition\(s\) come with it/);

    const dst = await target('tree_whole');
    // a partition that comes with its parent is selected: it may be renamed
    const pre = await runCli(['precheck', '--source', src, '--target', dst, '--include-table', 'public.orders', '--map-table', 'public.orders_2023=orders_y2023', '--json']);
    assert.equal(pre.code, 0, pre.stdout + pre.stderr);
    const items = new Map((JSON.parse(pre.stdout) as { items: Item[] }).items.map((i) => [i.id, i]));
    assert.deepEqual(items.get('target-schemas')!.objects, ['create archive', 'use existing public']);
    assert.equal(items.get('mapping')!.status, 'pass', items.get('mapping')!.detail);
    const r = await runCli(['migrate', '--source', src, '--target', dst, '--include-table', 'public.orders']);
    assert.equal(r.code, 0, r.stderr);
    const rows = await execSql(dst, 'SELECT count(*)::int AS n FROM public.orders');
    assert.equal(rows.rows[0].n, 6000);
    assert.deepEqual(await tableDigests(dst), only(sourceDigests, ORDERS_LEAVES));
    // the tree is the source's: same bounds, same levels
    const bounds = "SELECT string_agg(format('%s<%s:%s', i.inhparent::regclass, c.oid::regclass, pg_get_expr(c.relpartbound, c.oid)), ';' ORDER BY c.oid::regclass::text) AS b FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid WHERE c.relispartition";
    assert.equal((await execSql(dst, bounds)).rows[0].b, (await execSql(src, bounds)).rows[0].b);
    assert.equal(await schemasOf(dst), 'archive,public', 'no schema ref: nothing selected lives there');
  });

  it('excluding the partitioned table leaves its whole tree out', async () => {
    const dst = await target('tree_excluded');
    const r = await runCli(['migrate', '--source', src, '--target', dst, '--exclude-table', 'public.orders']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await userTables(dst), 'archive.measure_old,public.item_seq,public.items,public.measure,public.measure_2019,public.unused_seq,ref.codes,ref.ticket_seq');
  });

  it('a partition selected alone is refused by precheck and by migrate, before anything is created', async () => {
    const dst = await target('tree_lone');
    const pre = await runCli(['precheck', '--source', src, '--target', dst, '--include-table', 'public.orders_2023', '--json']);
    assert.equal(pre.code, 8, pre.stdout + pre.stderr);
    const sel = (JSON.parse(pre.stdout) as { items: Item[] }).items.find((i) => i.id === 'selection')!;
    assert.equal(sel.status, 'fail');
    assert.deepEqual(sel.objects, ['partition public.orders_2023 is selected without its partitioned table public.orders']);
    assert.match(sel.fix!, /select the partitioned table instead \(its whole partition tree comes with it\), or create the selected partitions as plain tables with their own rows: --partitions-as-tables/);

    const r = await runCli(['migrate', '--source', src, '--target', dst, '--include-table', 'public.orders_2023']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /PGFERRY_E_USAGE: public\.orders_2023: 1 partition\(s\) are selected without their partitioned table: public\.orders_2023 \(of public\.orders\)/);
    assert.match(r.stderr, /--partitions-as-tables/);
    assert.equal(await userTables(dst), '', 'nothing was created');
    assert.equal(await schemasOf(dst), 'public', 'not even the run bookkeeping: the refusal comes before it');

    const s = await runCli(['schema', '--source', src, '--include-table', 'public.orders_2024_eu']);
    assert.equal(s.code, 2, s.stderr);
    assert.match(s.stderr, /public\.orders_2024_eu \(of public\.orders_2024\)/);
  });

  it('with --partitions-as-tables a partition selected alone is a plain table with its own rows, and the plan says so', async () => {
    const dst = await target('tree_plain');
    const sel = ['--include-table', 'public.orders_2023', '--include-table', 'public.orders_2024', '--partitions-as-tables'];
    const pre = await runCli(['precheck', '--source', src, '--target', dst, ...sel, '--json']);
    assert.equal(pre.code, 0, pre.stdout + pre.stderr);
    const r = await runCli(['migrate', '--source', src, '--target', dst, ...sel]);
    assert.equal(r.code, 0, r.stderr);
    const notes = planEvent(r.stdout).notes;
    assert.ok(notes.includes('partition public.orders_2023 is created as a plain table (partitionsAsTables), with its own rows: not a partition of public.orders, which is not selected, and without the foreign keys and triggers it takes from it'), notes.join('\n'));
    const kinds = await execSql(dst, "SELECT string_agg(format('%s:%s:%s', oid::regclass, relkind, relispartition), ',' ORDER BY oid::regclass::text) AS k FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')");
    assert.equal(kinds.rows[0].k, 'orders_2023:r:f,orders_2024:p:f,orders_2024_eu:r:t,orders_2024_other:r:t,orders_2024_us:r:t');
    const leaves = ['public.orders_2023', 'public.orders_2024_eu', 'public.orders_2024_other', 'public.orders_2024_us'];
    assert.deepEqual(await tableDigests(dst), only(sourceDigests, leaves));
    const key = await execSql(dst, "SELECT pg_get_constraintdef(oid) AS d FROM pg_constraint WHERE conrelid = 'public.orders_2023'::regclass AND contype = 'p'");
    assert.equal(key.rows[0].d, 'PRIMARY KEY (id, placed, region)');
  });

  it('a task of a partition alone: its precheck fails with the choice; with --partitions-as-tables it passes and runs', async () => {
    const dst = await target('tree_task');
    const sel = ['--source', src, '--target', dst, '--include-table', 'archive.Orders 2019'];
    const refused = JSON.parse((await runCli(['task', 'create', ...sel, '--json'], env)).stdout) as { id: string };
    const pre = await runCli(['task', 'precheck', refused.id, '--json'], env);
    assert.equal(pre.code, 8, pre.stdout + pre.stderr);
    assert.match(pre.stdout, /partition archive\.\\"Orders 2019\\" is selected without its partitioned table public\.orders/);
    const created = await runCli(['task', 'create', ...sel, '--partitions-as-tables', '--json'], env);
    const { id } = JSON.parse(created.stdout) as { id: string };
    assert.equal((await runCli(['task', 'precheck', id, '--json'], env)).code, 0);
    const run = await runCli(['task', 'start', id, '--foreground', '--json'], env);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(await tableDigests(dst), only(sourceDigests, ['archive."Orders 2019"']));
  });

  it('an inheritance parent brings its children (SELECT from it shows their rows), with a note; a child alone is created without INHERITS', async () => {
    const dst = await target('tree_inherit');
    const r = await runCli(['migrate', '--source', src, '--target', dst, '--include-table', 'public.measure']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(planEvent(r.stdout).notes.some((n) => /^table public\.measure is selected with its 2 inheritance child\(ren\) \(archive\.measure_old, public\.measure_2019\), since SELECT from it shows their rows/.test(n)));
    const count = 'SELECT count(*)::int AS n, sum(v)::int AS s FROM public.measure';
    assert.deepEqual((await execSql(dst, count)).rows[0], (await execSql(src, count)).rows[0]);
    const leaves = ['archive.measure_old', 'public.measure', 'public.measure_2019'];
    assert.deepEqual(await tableDigests(dst), only(sourceDigests, leaves));

    const dst2 = await target('tree_child');
    const c = await runCli(['migrate', '--source', src, '--target', dst2, '--include-table', 'public.measure_2019']);
    assert.equal(c.code, 0, c.stderr);
    assert.ok(planEvent(c.stdout).notes.includes('table public.measure_2019 is created without INHERITS public.measure: its parent is not selected'));
    assert.equal((await execSql(dst2, "SELECT count(*)::int AS n FROM pg_inherits")).rows[0].n, 0);
    assert.deepEqual(await tableDigests(dst2), only(sourceDigests, ['public.measure_2019']));
  });

  it('schema-left-out-is-created: a public-only selection creates no schema ref, and a second migration of ref alone passes precheck and works', async () => {
    const dst = await target('tree_schemas');
    const pub = await runCli(['migrate', '--source', src, '--target', dst, '--include-table', 'public.*']);
    assert.equal(pub.code, 0, pub.stderr);
    assert.equal(await schemasOf(dst), 'archive,public', 'archive holds partitions of public.orders and a child of public.measure');

    const pre = await runCli(['precheck', '--source', src, '--target', dst, '--include-schema', 'ref', '--json']);
    assert.equal(pre.code, 0, pre.stdout + pre.stderr);
    const items = new Map((JSON.parse(pre.stdout) as { items: Item[] }).items.map((i) => [i.id, i]));
    assert.equal(items.get('name-conflicts')!.status, 'pass');
    assert.deepEqual(items.get('target-schemas')!.objects, ['create ref']);
    const ref = await runCli(['migrate', '--source', src, '--target', dst, '--include-schema', 'ref']);
    assert.equal(ref.code, 0, ref.stderr);
    assert.equal(await schemasOf(dst), 'archive,public,ref');
    // the standalone sequence of the selected schema came with it, at its position
    assert.equal((await execSql(dst, 'SELECT last_value::int AS v FROM ref.ticket_seq')).rows[0].v, 9);
    assert.equal((await execSql(dst, 'SELECT ref.double(21) AS v')).rows[0].v, 42);
    assert.deepEqual(await tableDigests(dst), sourceDigests, 'both migrations together moved every table');
  });

  it('with include-table, a standalone sequence comes when a selected column default uses it, not otherwise', async () => {
    const s = await runCli(['schema', '--source', src, '--include-table', 'public.items', '--section', 'pre-data']);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /^CREATE SEQUENCE "public"."item_seq" /m);
    assert.doesNotMatch(s.stdout, /unused_seq|CREATE SCHEMA/);
    const named = await runCli(['schema', '--source', src, '--include-table', 'public.items', '--include-table', 'public.unused_seq', '--section', 'pre-data']);
    assert.match(named.stdout, /^CREATE SEQUENCE "public"."unused_seq" /m);
  });

  for (const major of ['10', '17'] as const) {
    it(`on PostgreSQL ${major} too, the tree lists sub-partitions and the plan copies every leaf`, async () => {
      const uri = (await freshDatabase(await server(major, 'src'), `treesel${major}`)).uri;
      await execSql(uri, `
        CREATE TABLE m (id int, at date, r text) PARTITION BY RANGE (at);
        CREATE TABLE m_1 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') PARTITION BY LIST (r);
        CREATE TABLE m_1_a PARTITION OF m_1 FOR VALUES IN ('a');
        CREATE TABLE m_2 PARTITION OF m FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');`);
      const c = new pg.Client({ connectionString: uri });
      await c.connect();
      try {
        const m = (await listObjects(c)).schemas.find((x) => x.name === 'public')!.tables;
        assert.deepEqual(m.map((t) => [t.name, t.partitions?.map((p) => [p.name, p.partitions?.map((q) => q.name)])]), [['m', [['m_1', ['m_1_a']], ['m_2', undefined]]]]);
      } finally {
        await c.end();
      }
      const s = await runCli(['schema', '--source', uri, '--include-table', 'm', '--section', 'data']);
      assert.equal(s.code, 0, s.stderr);
      // every leaf is a copy unit (empty ones are listed as having nothing to copy)
      assert.deepEqual([...s.stdout.matchAll(/^-- (\S+): (?:about|no pages)/gm)].map((x) => x[1]).sort(), ['public.m_1_a', 'public.m_2']);
    });
  }

  it('the objects tree lists partitions under their parent, every level, with their rows', async () => {
    const c = new pg.Client({ connectionString: src });
    await c.connect();
    try {
      const tree = await listObjects(c);
      const pub = tree.schemas.find((x) => x.name === 'public')!;
      assert.deepEqual(pub.tables.map((t) => t.name), ['item_seq', 'items', 'measure', 'measure_2019', 'orders', 'unused_seq']);
      const orders = pub.tables.find((t) => t.name === 'orders')!;
      const shape = (t: ObjectTreeTable): unknown => ({ name: t.name, rows: t.rows, ...(t.partitions ? { partitions: t.partitions.map((p) => ({ schema: p.schema, bound: p.bound, ...(shape(p) as object) })) } : {}) });
      assert.deepEqual(shape(orders), {
        name: 'orders', rows: 6000, partitions: [
          { schema: 'archive', bound: "FOR VALUES FROM ('2019-01-01') TO ('2020-01-01')", name: 'Orders 2019', rows: 1200 },
          { schema: 'public', bound: "FOR VALUES FROM ('2023-01-01') TO ('2024-01-01')", name: 'orders_2023', rows: 1200 },
          { schema: 'public', bound: "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')", name: 'orders_2024', rows: 2400, partitions: [
            { schema: 'public', bound: "FOR VALUES IN ('eu')", name: 'orders_2024_eu', rows: 800 },
            { schema: 'public', bound: 'DEFAULT', name: 'orders_2024_other', rows: 800 },
            { schema: 'public', bound: "FOR VALUES IN ('us')", name: 'orders_2024_us', rows: 800 },
          ] },
          { schema: 'public', bound: 'DEFAULT', name: 'orders_default', rows: 1200 },
        ],
      });
      assert.deepEqual(tree.schemas.find((x) => x.name === 'archive')!.tables.map((t) => t.name), ['measure_old'], 'a partition is listed under its parent only');
      // sizes: a leaf's on disk, a partitioned table's its partitions' sum
      const leaves = (t: ObjectTreeTable): ObjectTreeTable[] => (t.partitions ? t.partitions.flatMap(leaves) : [t]);
      assert.ok(leaves(orders).every((p) => p.bytes > 0));
      assert.equal(orders.bytes, leaves(orders).reduce((n, p) => n + p.bytes, 0));
    } finally {
      await c.end();
    }
  });
});
