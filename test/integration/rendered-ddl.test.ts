/**
 * The statements the unit tests pin run on real servers: the plan of catalog-fixture.ts's small
 * catalog (schema `Foo Bar`, tables `a.b` and `we"ird`, a sequence owned by a column, keys, an
 * index, a foreign key added NOT VALID then validated, a view with a 63-byte name, default
 * privileges), statement by statement in plan order (pre-data, a row, post-data, final steps) on
 * a fresh database of PostgreSQL 15 and 17. The objects then exist under exactly those names.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { freshDatabase, server, type Major } from '../harness/servers.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { postDataSteps } from '../../src/plan/plan-model.js';
import { LONG, PLAN_FINAL, PLAN_POST_DATA, PLAN_PRE_DATA, planCatalog, planOptions } from '../unit/catalog-fixture.js';

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
      assert.deepEqual(plan.finalSteps.map((s) => s.sql), PLAN_FINAL.map((s) => s.sql));

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
  });
}
