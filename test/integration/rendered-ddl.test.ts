/**
 * The statements the unit tests pin run on real servers: the plan of catalog-fixture.ts's small
 * catalog (schema `Foo Bar`, tables `a.b` and `we"ird`, a sequence owned by a column, keys, an
 * index, a foreign key added NOT VALID then validated, a view with a 63-byte name, default
 * privileges), statement by statement in plan order (pre-data, a row, post-data, final steps) on
 * a fresh database of PostgreSQL 15 and 17. The objects then exist under exactly those names.
 * Then the same for the catalog of many object kinds (types, domain, functions, aggregate,
 * operator, cast, collation, text search, foreign data, identity, partition, views, trigger, rule,
 * policy, statistics, large object, event trigger, default privileges, publication).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { freshDatabase, server, type Major } from '../harness/servers.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { postDataSteps, stageSteps } from '../../src/plan/plan-model.js';
import {
  KINDS_FINAL, KINDS_POST_DATA, KINDS_PRE_DATA, kindsCatalog, kindsOptions, LONG, PLAN_FINAL, PLAN_POST_DATA, PLAN_PRE_DATA, planCatalog, planOptions,
} from '../unit/catalog-fixture.js';

/** Runs each statement alone, so that a failure names the one the server refused. */
async function runEach(c: pg.Client, statements: string[]): Promise<void> {
  for (const sql of statements) {
    try {
      await c.query(sql);
    } catch (err) {
      throw new Error(`${sql}\n  refused: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

for (const major of ['15', '17'] as Major[]) {
  describe(`the pinned DDL of the build-plan fixture on PostgreSQL ${major}`, () => {
    it('runs in plan order and creates every object under its hostile name', async () => {
      // the statements run are the ones build-plan.test.ts pins, and still the plan's
      const plan = buildPlan(planCatalog(), planOptions);
      assert.deepEqual(plan.preData.map((s) => s.sql), PLAN_PRE_DATA.map((s) => s.sql));
      assert.deepEqual(postDataSteps(plan).map((s) => s.sql), PLAN_POST_DATA.map((s) => s.sql));
      assert.deepEqual(stageSteps(plan, 'final').map((s) => s.sql), PLAN_FINAL.map((s) => s.sql));

      const db = await freshDatabase(await server(major, 'dst'), 'rendered_ddl');
      const c = new pg.Client({ connectionString: db.uri });
      await c.connect();
      try {
        await runEach(c, PLAN_PRE_DATA.flatMap((s) => s.sql));
        // a row in each table, as the copy would bring them (the id from the owned sequence)
        await c.query(`INSERT INTO "Foo Bar"."a.b" ("${LONG}") VALUES ($1)`, ['first']);
        await c.query('INSERT INTO "Foo Bar"."we""ird" (id, "a.b id") VALUES (1, 1)');
        await runEach(c, [...PLAN_POST_DATA, ...PLAN_FINAL].flatMap((s) => s.sql));

        const rels = await c.query(
          `SELECT c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = $1 AND c.relkind IN ('r', 'S', 'i', 'v') ORDER BY c.relname COLLATE "C"`,
          ['Foo Bar'],
        );
        assert.deepEqual(rels.rows, [
          { relname: 'a.b', relkind: 'r' },
          { relname: 'a.b_id_seq', relkind: 'S' },
          { relname: 'a.b_pkey', relkind: 'i' },
          { relname: 'we"ird', relkind: 'r' },
          { relname: 'we"ird_a.b id_idx', relkind: 'i' },
          { relname: 'we"ird_pkey', relkind: 'i' },
          { relname: LONG, relkind: 'v' },
        ]);
        assert.equal(Buffer.byteLength(LONG), 63);

        const cons = await c.query(
          `SELECT k.conname, k.contype::text, k.convalidated, k.conrelid::regclass::text AS rel, pg_get_constraintdef(k.oid) AS def
           FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace WHERE n.nspname = $1 ORDER BY k.conname COLLATE "C"`,
          ['Foo Bar'],
        );
        assert.deepEqual(cons.rows, [
          { conname: 'a.b_pkey', contype: 'p', convalidated: true, rel: '"Foo Bar"."a.b"', def: 'PRIMARY KEY (id)' },
          { conname: 'we"ird_fk', contype: 'f', convalidated: true, rel: '"Foo Bar"."we""ird"', def: 'FOREIGN KEY ("a.b id") REFERENCES "Foo Bar"."a.b"(id)' },
          { conname: 'we"ird_pkey', contype: 'p', convalidated: true, rel: '"Foo Bar"."we""ird"', def: 'PRIMARY KEY (id)' },
        ]);

        const misc = await c.query(
          `SELECT pg_get_serial_sequence('"Foo Bar"."a.b"', 'id') AS owned,
                  obj_description('"Foo Bar"'::regnamespace, 'pg_namespace') AS schema_comment,
                  col_description('"Foo Bar"."a.b"'::regclass, 2) AS column_comment,
                  (SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute WHERE attrelid = format('%I.%I', 'Foo Bar', $1::text)::regclass AND attnum > 0) AS view_columns,
                  (SELECT count(*)::int FROM pg_default_acl WHERE defaclnamespace = '"Foo Bar"'::regnamespace AND defaclobjtype = 'r') AS default_acls,
                  (SELECT array_agg(id) FROM "Foo Bar"."${LONG}") AS view_ids`,
          [LONG],
        );
        assert.deepEqual(misc.rows[0], {
          owned: '"Foo Bar"."a.b_id_seq"', schema_comment: 'hostile names', column_comment: '63 bytes', view_columns: ['id', LONG], default_acls: 1, view_ids: ['1'],
        });
      } finally {
        await c.end();
      }
    });

    it('runs the many-kinds plan in order: every object exists under its hostile name', async () => {
      const plan = buildPlan(kindsCatalog(), kindsOptions);
      assert.deepEqual([...plan.preData, ...postDataSteps(plan), ...stageSteps(plan, 'final')].map((s) => s.sql), [...KINDS_PRE_DATA, ...KINDS_POST_DATA, ...KINDS_FINAL].map((s) => s.sql));

      const db = await freshDatabase(await server(major, 'dst'), 'rendered_kinds');
      const c = new pg.Client({ connectionString: db.uri });
      await c.connect();
      try {
        await runEach(c, KINDS_PRE_DATA.flatMap((s) => s.sql));
        await c.query(`INSERT INTO "Foo Bar"."Items" ("we""ird", qty, note) VALUES ('a.b', 5, 'n'), ($1, 7, NULL)`, ["it's"]);
        await c.query('INSERT INTO "Foo Bar"."Parted" (k) VALUES (1)');
        await runEach(c, [...KINDS_POST_DATA, ...KINDS_FINAL].flatMap((s) => s.sql));

        const objects = await c.query(
          `SELECT kind, name, detail FROM (
           SELECT 'class' AS kind, relname::text AS name, relkind::text AS detail FROM pg_class WHERE relnamespace = '"Foo Bar"'::regnamespace
           UNION ALL SELECT 'type', typname::text, typtype::text FROM pg_type WHERE typnamespace = '"Foo Bar"'::regnamespace AND typtype IN ('e', 'c', 'd', 'r', 'm') AND typrelid = 0
           UNION ALL SELECT 'composite', typname::text, typtype::text FROM pg_type t JOIN pg_class r ON r.oid = t.typrelid WHERE typnamespace = '"Foo Bar"'::regnamespace AND r.relkind = 'c'
           UNION ALL SELECT 'constraint', conname::text, contype::text || convalidated::text FROM pg_constraint WHERE connamespace = '"Foo Bar"'::regnamespace
           UNION ALL SELECT 'function', proname::text, prokind::text FROM pg_proc p WHERE pronamespace = '"Foo Bar"'::regnamespace
             -- not the constructors of the range type
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'i')
           UNION ALL SELECT 'collation', collname::text, '' FROM pg_collation WHERE collnamespace = '"Foo Bar"'::regnamespace
           UNION ALL SELECT 'ts config', cfgname::text, '' FROM pg_ts_config WHERE cfgnamespace = '"Foo Bar"'::regnamespace
           UNION ALL SELECT 'trigger', tgname::text, tgenabled::text FROM pg_trigger WHERE tgrelid = '"Foo Bar"."Items"'::regclass AND NOT tgisinternal
           UNION ALL SELECT 'rule', rulename::text, ev_enabled::text FROM pg_rewrite WHERE ev_class = '"Foo Bar"."Items"'::regclass
           UNION ALL SELECT 'policy', polname::text, polcmd::text FROM pg_policy WHERE polrelid = '"Foo Bar"."Items"'::regclass
           UNION ALL SELECT 'statistics', stxname::text, '' FROM pg_statistic_ext WHERE stxnamespace = '"Foo Bar"'::regnamespace
           UNION ALL SELECT 'operator', oprname::text, format('%s %s %s', oprleft::regtype, oprcode, oprcom::regoperator) FROM pg_operator WHERE oprnamespace = '"Foo Bar"'::regnamespace
           UNION ALL SELECT 'cast', format('%s AS %s', castsource::regtype, casttarget::regtype), castmethod::text FROM pg_cast WHERE castsource = '"Foo Bar"."we""ird"'::regtype
           UNION ALL SELECT 'fdw', fdwname::text, array_to_string(fdwoptions, ',') FROM pg_foreign_data_wrapper
           UNION ALL SELECT 'server', srvname::text, srvversion FROM pg_foreign_server
           UNION ALL SELECT 'user mapping', srvname::text, usename::text FROM pg_user_mappings
           UNION ALL SELECT 'foreign table', ftrelid::regclass::text, array_to_string(ftoptions, ',') FROM pg_foreign_table
           UNION ALL SELECT 'large object', oid::text, obj_description(oid, 'pg_largeobject') FROM pg_largeobject_metadata
           UNION ALL SELECT 'event trigger', evtname::text, array_to_string(evttags, ',') FROM pg_event_trigger
           UNION ALL SELECT 'default acl', defaclobjtype::text, defaclacl::text FROM pg_default_acl WHERE defaclnamespace = 0
           UNION ALL SELECT 'index stats', attname::text, attstattarget::text FROM pg_attribute WHERE attrelid = '"Foo Bar"."lower note"'::regclass
           -- the real definition replaced the placeholder (its text differs between majors)
           UNION ALL SELECT 'view', viewname::text, CASE WHEN definition LIKE '%GROUP BY%' THEN 'grouped' ELSE definition END FROM pg_views WHERE schemaname = 'Foo Bar'
           UNION ALL SELECT 'publication', pubname::text, (SELECT string_agg(attname, ',' ORDER BY attname) FROM pg_publication_tables pt, unnest(pt.attnames) attname WHERE pt.pubname = p.pubname)
             FROM pg_publication p
           ) o ORDER BY kind, name COLLATE "C"`,
        );
        assert.deepEqual(objects.rows.map((r) => `${r.kind} ${r.name} ${r.detail}`), [
          'cast "Foo Bar"."we""ird" AS integer i',
          'class Items r',
          'class Items_id_seq S',
          'class Items_pkey i',
          'class Parted p',
          'class Parted 1 r',
          'class a.b c',
          'class a.b mv m',
          'class by id v',
          'class lower note i',
          'class remote.t f',
          'class we"ird_seq S',
          'collation C.x ',
          'composite a.b c',
          'constraint Items_pkey ptrue',
          'constraint late"one cfalse',
          'constraint positive ctrue',
          'constraint qty ok ctrue',
          // from 17 a domain's NOT NULL is a constraint, named by the server as pg_restore would have it
          ...(major === '17' ? [`constraint ${'é'.repeat(27)}_not_null ntrue`] : []),
          'default acl f {postgres=X/postgres}',
          'event trigger we"ird et CREATE TABLE',
          'fdw we"ird fdw debug=true',
          'foreign table "Foo Bar"."remote.t" table_name=we"ird',
          'function on ddl f',
          'function sum.it a',
          'function trg fn f',
          'index stats lower 100',
          "large object 424242 it's large",
          'operator === integer int4eq "Foo Bar".===(integer,integer)',
          'policy we"ird r',
          'publication Foo Bar id,qty',
          'rule r.1 O',
          'server Foo Bar srv 1.0',
          'statistics we"ird st ',
          'trigger a.b trg D',
          'ts config we"ird ts ',
          'type a.b multirange m',
          'type a.b range r',
          'type we"ird e',
          `type ${LONG} d`,
          'user mapping Foo Bar srv postgres',
          'view by id grouped',
        ]);
        const checks = await c.query(
          `SELECT (SELECT relrowsecurity FROM pg_class WHERE oid = '"Foo Bar"."Items"'::regclass) AS rls,
                  pg_get_serial_sequence('"Foo Bar"."Items"', 'id') AS identity_seq,
                  (SELECT array_agg(enumlabel::text ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = '"Foo Bar"."we""ird"'::regtype) AS labels,
                  (SELECT inhparent::regclass::text FROM pg_inherits WHERE inhrelid = '"Foo Bar"."Parted 1"'::regclass) AS partition_of,
                  (SELECT count(*)::int FROM "Foo Bar"."Items") AS item_rows`,
        );
        assert.deepEqual(checks.rows[0], { rls: true, identity_seq: '"Foo Bar"."Items_id_seq"', labels: ["it's", 'a.b'], partition_of: '"Foo Bar"."Parted"', item_rows: 2 });
      } finally {
        await c.end();
      }
    });
  });
}
