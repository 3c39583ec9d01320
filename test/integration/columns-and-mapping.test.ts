/**
 * Column selection and object name mapping: a column left out is not created and what needs it
 * is skipped with the reason; a renamed schema, table and column arrive under their new names
 * with views, keys and triggers following them; verify compares through the mapping; the
 * precheck fails a mapping to a name over 63 bytes or two objects mapped to one name.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { execSql, freshDatabase, server } from '../harness/servers.js';
import { runCli } from '../harness/cli.js';

const SOURCE = `
  CREATE SCHEMA shop;
  CREATE TABLE shop.customers (id serial PRIMARY KEY, name text NOT NULL, email text UNIQUE, password_hash text, "Mixed Case" int);
  CREATE INDEX customers_pw ON shop.customers (password_hash);
  CREATE VIEW shop.customer_names AS SELECT id, name FROM shop.customers;
  CREATE VIEW shop.customer_secrets AS SELECT id, password_hash FROM shop.customers;
  CREATE TABLE shop.orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id int REFERENCES shop.customers (id),
                            total numeric CHECK (total >= 0), note text);
  CREATE FUNCTION shop.order_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM shop.orders $$;
  CREATE FUNCTION shop.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.note := coalesce(NEW.note, 'touched'); RETURN NEW; END $$;
  CREATE TRIGGER orders_touch BEFORE INSERT ON shop.orders FOR EACH ROW EXECUTE FUNCTION shop.touch();
  INSERT INTO shop.customers (name, email, password_hash, "Mixed Case")
    SELECT 'n' || i, 'e' || i || '@x', md5(i::text), i FROM generate_series(1, 200) i;
  INSERT INTO shop.orders (customer_id, total) SELECT 1 + i % 200, i / 7.0 FROM generate_series(1, 1000) i;`;

const FLAGS = [
  '--exclude-column', 'shop.customers.password_hash',
  '--map-schema', 'shop=store',
  '--map-table', 'shop.orders=purchases',
  '--map-column', 'shop.customers.name=full_name',
];

type Item = { id: string; status: string; detail: string; objects?: string[] };
const items = (stdout: string) => (JSON.parse(stdout.trim()) as { items: Item[] }).items;

describe('column selection and name mapping', () => {
  it('migrates a column subset under new schema, table and column names, and verifies through the mapping', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'map');
    await execSql(src.uri, SOURCE);
    const dst = await freshDatabase(await server('15', 'dst'), 'map');

    const pre = await runCli(['precheck', '--source', src.uri, '--target', dst.uri, ...FLAGS, '--json']);
    const mapping = items(pre.stdout).find((i) => i.id === 'mapping')!;
    assert.equal(mapping.status, 'warn', pre.stdout);
    assert.ok(mapping.objects!.some((o) => /function shop\.order_count\(\) mentions orders in a text body/.test(o)), mapping.objects!.join('\n'));

    const r = await runCli(['migrate', '--source', src.uri, '--target', dst.uri, ...FLAGS]);
    assert.equal(r.code, 7, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const plan = events.find((e) => e.event === 'plan') as { skipped: { kind: string; name: string; reason: string }[]; notes: string[] };
    assert.deepEqual(plan.skipped.map((s) => `${s.kind} ${s.name}: ${s.reason}`).sort(), [
      'index shop.customers_pw: needs column shop.customers.password_hash, which is not selected',
      'view shop.customer_secrets: needs column shop.customers.password_hash, which is not selected',
    ]);
    assert.ok(plan.notes.some((n) => /^shop\.orders is renamed to purchases after the migration; .*constraint orders_customer_id_fkey|trigger orders_touch on shop\.orders/.test(n)), plan.notes.join('\n'));

    const cols = await execSql(dst.uri, "SELECT string_agg(attname, ',' ORDER BY attnum) AS c FROM pg_attribute WHERE attrelid = 'store.customers'::regclass AND attnum > 0 AND NOT attisdropped");
    assert.equal(cols.rows[0].c, 'id,full_name,email,Mixed Case');
    const schemas = await execSql(dst.uri, "SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'shop'");
    assert.equal(schemas.rows[0].n, 0, 'no schema left under the old name');
    const view = await execSql(dst.uri, "SELECT pg_get_viewdef('store.customer_names'::regclass) AS d");
    assert.match(view.rows[0].d as string, /customers\.full_name AS name/);
    const fk = await execSql(dst.uri, "SELECT pg_get_constraintdef(oid) AS d FROM pg_constraint WHERE conrelid = 'store.purchases'::regclass AND contype = 'f'");
    assert.equal(fk.rows[0].d, 'FOREIGN KEY (customer_id) REFERENCES store.customers(id)');

    const v = await runCli(['verify', '--source', src.uri, '--target', dst.uri, ...FLAGS]);
    assert.equal(v.code, 0, v.stdout);
    assert.match(v.stdout, /verify: PASS tables=2 rows=1200/);
    const vj = JSON.parse((await runCli(['verify', '--source', src.uri, '--target', dst.uri, ...FLAGS, '--json'])).stdout.trim()) as { tables: { table: string; ok: boolean; targetRows: number }[] };
    assert.deepEqual(vj.tables.map((t) => [t.table, t.ok, t.targetRows]), [['shop.customers → store.customers', true, 200], ['shop.orders → store.purchases', true, 1000]]);
    // without the mapping, verify sees the difference
    const plain = await runCli(['verify', '--source', src.uri, '--target', dst.uri]);
    assert.equal(plain.code, 4);
    // the identity sequence went on from the source's position, and the trigger fires on the new name
    const ins = await execSql(dst.uri, 'INSERT INTO store.purchases (customer_id, total) VALUES (1, 1) RETURNING id, note');
    assert.deepEqual(ins.rows[0], { id: '1001', note: 'touched' });
  });

  it('precheck fails a mapping to a name over 63 bytes and two objects mapped to one name', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'map_bad');
    await execSql(src.uri, SOURCE);
    const dst = await freshDatabase(await server('15', 'dst'), 'map_bad');
    const long = 'é'.repeat(32);
    const pre = await runCli(['precheck', '--source', src.uri, '--target', dst.uri, '--json',
      '--map-table', `shop.orders=${long}`, '--map-table', 'shop.customer_names=customers', '--map-column', 'shop.nope.x=y']);
    assert.equal(pre.code, 8);
    const mapping = items(pre.stdout).find((i) => i.id === 'mapping')!;
    assert.equal(mapping.status, 'fail');
    assert.deepEqual(mapping.objects!.sort(), [
      `column shop.nope.x is mapped, but the source has no such column`,
      `shop.customer_names and shop.customers would both be named shop.customers (tables, views, sequences and indexes share one namespace)`,
      `table shop.orders is mapped to "${long}", 64 bytes: PostgreSQL names have at most 63`,
    ]);
    const m = await runCli(['migrate', '--source', src.uri, '--target', dst.uri, '--map-table', `shop.orders=${long}`]);
    assert.equal(m.code, 2, m.stderr);
    assert.match(m.stderr, /PGFERRY_E_MAPPING: name mapping: table shop\.orders is mapped to/);
    const nothing = await execSql(dst.uri, "SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'shop'");
    assert.equal(nothing.rows[0].n, 0, 'a refused mapping changes nothing on the target');
  });
});
