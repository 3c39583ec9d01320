/**
 * Hand-made catalog objects for the DDL unit tests, shaped as src/catalog/read-*.ts fills them
 * (keys `pg_class:<oid>`, definitions as pg_get_*def prints them), with hostile names: a space and
 * capitals, a dot, a double quote, and a name of exactly 63 bytes of UTF-8. `planCatalog()` is the
 * small database build-plan.test.ts plans and rendered-ddl.test.ts then runs on real servers.
 */
import type { Catalog, Column, Constraint, IndexObj, Relation, SchemaObj, SequenceObj } from '../../src/catalog/model.js';
import type { OwnershipContext } from '../../src/ddl/common.js';
import type { PlanOptions } from '../../src/plan/build-plan.js';

/** A space and capitals. */
export const SPACE = 'Foo Bar';
/** A dot, which must never split a name. */
export const DOT = 'a.b';
/** A double quote, doubled when quoted. */
export const QUOTE = 'we"ird';
/** 30 × 'é' (2 bytes each) and 3 ASCII letters: 63 bytes, the longest name PostgreSQL keeps whole. */
export const LONG = `${'é'.repeat(30)}xyz`;

/** No owners, no privileges given away: the statements the account creates as itself. */
export const ctx: OwnershipContext = { applyOwners: false, targetUser: 'postgres', targetRoles: new Set(['postgres']), applyPrivileges: true };

/** Owners applied, to roles the target has (`Alice B` and `we"ird role`). */
export const ownerCtx: OwnershipContext = {
  applyOwners: true,
  targetUser: 'postgres',
  targetRoles: new Set(['postgres', 'Alice B', 'we"ird role']),
  applyPrivileges: true,
};

/** A column as columns.sql reads it: nullable integer, local, binary-copyable, nothing set. */
export function column(name: string, extra: Partial<Column> = {}): Column {
  return {
    num: 1, name, type: 'integer', notNull: false, notNullConstraint: null, defaultExpr: null, identity: '', generated: '',
    isLocal: true, collation: null, comment: null, binaryOk: true, storage: null, compression: null, statTarget: null,
    options: null, fdwOptions: null, acl: null, ...extra,
  };
}

/** A relation as relations.sql reads it (an empty heap table unless told otherwise). */
export function relation(oid: number, schema: string, name: string, columns: Column[], extra: Partial<Relation> = {}): Relation {
  return {
    key: `pg_class:${oid}`, oid, schema, name, owner: 'postgres', comment: null, acl: null, relkind: 'r', persistence: 'p',
    options: null, isPartition: false, partitionKey: null, partitionBound: null, parents: [], viewDefinition: null, populated: true,
    replicaIdentity: 'd', bytes: 0, estimatedRows: 0, blocks: 0, inheritedStats: false, ofType: null, rowSecurity: false,
    forceRowSecurity: false, foreignServer: null, foreignOptions: null, hasOids: false, accessMethod: 'heap',
    columns: columns.map((c, i) => ({ ...c, num: i + 1 })), constraints: [], ...extra,
  };
}

/** A constraint of `rel` as constraints.sql reads it (pg_get_constraintdef text). */
export function constraint(oid: number, rel: Relation, name: string, type: Constraint['type'], definition: string, extra: Partial<Constraint> = {}): Constraint {
  return {
    key: `pg_constraint:${oid}`, oid, relOid: rel.oid, schema: rel.schema, table: rel.name, name, type, definition,
    validated: true, isLocal: true, inheritedCount: 0, indexOid: 0, refRelOid: 0, comment: null, ...extra,
  };
}

/** An index of `rel` as indexes.sql reads it (pg_get_indexdef text). */
export function index(oid: number, rel: Relation, name: string, definition: string, extra: Partial<IndexObj> = {}): IndexObj {
  return {
    key: `pg_class:${oid}`, oid, relOid: rel.oid, schema: rel.schema, name, table: rel.name, definition, partitioned: false,
    clustered: false, replicaIdentity: false, constraintOid: null, parentIndex: null, comment: null, columnStats: null,
    plainColumns: true, ...extra,
  };
}

/** A bigint sequence with the defaults of CREATE SEQUENCE, as sequences.sql reads it. */
export function sequence(oid: number, schema: string, name: string, extra: Partial<SequenceObj> = {}): SequenceObj {
  return {
    key: `pg_class:${oid}`, oid, schema, name, owner: 'postgres', comment: null, acl: null, dataType: 'bigint', start: '1',
    increment: '1', min: '1', max: '9223372036854775807', cache: '1', cycle: false, unlogged: false, ownedBy: null,
    identity: false, ...extra,
  };
}

/** A user schema as schemas.sql reads it. */
export function schema(oid: number, name: string, extra: Partial<SchemaObj> = {}): SchemaObj {
  return { key: `pg_namespace:${oid}`, oid, schema: name, name, owner: 'postgres', comment: null, acl: null, ...extra };
}

/** A catalog of PostgreSQL 15 with nothing in it. */
export function emptyCatalog(extra: Partial<Catalog> = {}): Catalog {
  return {
    serverVersionNum: 150000, schemas: [], extensions: [], enums: [], composites: [], domains: [], functions: [], aggregates: [],
    sequences: [], collations: [], ranges: [], baseTypes: [], operators: [], opFamilies: [], opClasses: [], casts: [], procedural: [],
    textSearch: [], relations: [], indexes: [], triggers: [], rules: [], policies: [], statistics: [], eventTriggers: [],
    publications: [], largeObjects: [], extensionConfig: [], foreignData: [], defaultPrivileges: [], systemPrivileges: [],
    depends: [], skipped: [], ...extra,
  };
}

const MB = 1024 * 1024;

/**
 * The database of the build-plan test, in schema `Foo Bar`:
 * - table `a.b` (20 MB): `id` bigint, default nextval of sequence `a.b_id_seq` (OWNED BY it), and
 *   a 63-byte-named text column; primary key `a.b_pkey`;
 * - table `we"ird` (1 MB): `id` integer NOT NULL, `a.b id` bigint; primary key `we"ird_pkey`, an
 *   index `we"ird_a.b id_idx`, and foreign key `we"ird_fk` to `a.b` (20 MB: added NOT VALID and
 *   validated apart);
 * - view `<LONG>` over `a.b`;
 * - default privileges of postgres in the schema (a final step).
 * Both tables have rows enough that their keys stay after the data.
 */
export function planCatalog(): Catalog {
  const s = schema(16400, SPACE, { comment: 'hostile names' });
  const seq = sequence(16401, SPACE, 'a.b_id_seq', { ownedBy: { tableOid: 16402, schema: SPACE, table: DOT, column: 'id' } });
  const ab = relation(16402, SPACE, DOT, [
    column('id', { type: 'bigint', notNull: true, defaultExpr: `nextval('"Foo Bar"."a.b_id_seq"'::regclass)` }),
    column(LONG, { type: 'text', comment: '63 bytes' }),
  ], { bytes: 20 * MB, blocks: 2560, estimatedRows: 100000 });
  ab.constraints.push(constraint(16410, ab, 'a.b_pkey', 'p', 'PRIMARY KEY (id)', { indexOid: 16411 }));
  const weird = relation(16403, SPACE, QUOTE, [
    column('id', { notNull: true }),
    column('a.b id', { type: 'bigint' }),
  ], { bytes: 1 * MB, blocks: 128, estimatedRows: 10000 });
  weird.constraints.push(
    constraint(16412, weird, 'we"ird_pkey', 'p', 'PRIMARY KEY (id)', { indexOid: 16413 }),
    constraint(16414, weird, 'we"ird_fk', 'f', `FOREIGN KEY ("a.b id") REFERENCES "Foo Bar"."a.b"(id)`, { refRelOid: ab.oid }),
  );
  const view = relation(16405, SPACE, LONG, [column('id', { type: 'bigint' }), column(LONG, { type: 'text' })], {
    relkind: 'v', accessMethod: null,
    viewDefinition: ` SELECT "a.b".id,\n    "a.b"."${LONG}"\n   FROM "Foo Bar"."a.b";`,
  });
  return emptyCatalog({
    schemas: [s],
    sequences: [seq],
    relations: [ab, weird, view],
    indexes: [
      index(16411, ab, 'a.b_pkey', 'CREATE UNIQUE INDEX "a.b_pkey" ON "Foo Bar"."a.b" USING btree (id)', { constraintOid: 16410 }),
      index(16413, weird, 'we"ird_pkey', 'CREATE UNIQUE INDEX "we""ird_pkey" ON "Foo Bar"."we""ird" USING btree (id)', { constraintOid: 16412 }),
      index(16415, weird, 'we"ird_a.b id_idx', 'CREATE INDEX "we""ird_a.b id_idx" ON "Foo Bar"."we""ird" USING btree ("a.b id")'),
    ],
    defaultPrivileges: [{
      key: 'pg_default_acl:16420', oid: 16420, role: 'postgres', schema: SPACE, objType: 'r',
      acl: [{ grantee: null, grantor: 'postgres', privilege: 'SELECT', grantable: false }],
    }],
    // as depends.sql folds pg_depend: each object on its schema, the table (its default) on the
    // sequence, the view on the table, the keys and index on their table, the foreign key on both
    // tables and on the referenced key's index; OWNED BY is left out (it comes after both)
    depends: [
      ['pg_class:16401', 'pg_namespace:16400'],
      ['pg_class:16402', 'pg_namespace:16400'],
      ['pg_class:16403', 'pg_namespace:16400'],
      ['pg_class:16405', 'pg_namespace:16400'],
      ['pg_class:16402', 'pg_class:16401'],
      ['pg_class:16405', 'pg_class:16402'],
      ['pg_constraint:16410', 'pg_class:16402'],
      ['pg_constraint:16412', 'pg_class:16403'],
      ['pg_class:16415', 'pg_class:16403'],
      ['pg_constraint:16414', 'pg_class:16403'],
      ['pg_constraint:16414', 'pg_class:16402'],
      ['pg_constraint:16414', 'pg_class:16411'],
    ],
  });
}

/** How build-plan.test.ts and rendered-ddl.test.ts plan planCatalog(): no owners, `public` on the target. */
export const planOptions: PlanOptions = { ownership: ctx, targetSchemas: new Map([['public', 'postgres']]) };

/** The pre-data statements of the fixture's plan, in order. */
export const PLAN_PRE_DATA = [
  { key: 'pg_namespace:16400', kind: 'schema', name: '"Foo Bar"', sql: ['CREATE SCHEMA "Foo Bar"', `COMMENT ON SCHEMA "Foo Bar" IS 'hostile names'`] },
  {
    key: 'pg_class:16401', kind: 'sequence', name: '"Foo Bar"."a.b_id_seq"',
    sql: ['CREATE SEQUENCE "Foo Bar"."a.b_id_seq" AS bigint START WITH 1 INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 CACHE 1'],
  },
  {
    key: 'pg_class:16402', kind: 'table', name: '"Foo Bar"."a.b"',
    sql: [
      `CREATE TABLE "Foo Bar"."a.b" ("id" bigint DEFAULT nextval('"Foo Bar"."a.b_id_seq"'::regclass) NOT NULL, "${LONG}" text)`,
      `COMMENT ON COLUMN "Foo Bar"."a.b"."${LONG}" IS '63 bytes'`,
    ],
  },
  { key: 'pg_class:16403', kind: 'table', name: '"Foo Bar"."we""ird"', sql: ['CREATE TABLE "Foo Bar"."we""ird" ("id" integer NOT NULL, "a.b id" bigint)'] },
  {
    key: 'pg_class:16405', kind: 'view', name: `"Foo Bar"."${LONG}"`,
    sql: [`CREATE VIEW "Foo Bar"."${LONG}" AS SELECT "a.b".id,\n    "a.b"."${LONG}"\n   FROM "Foo Bar"."a.b"`],
  },
  { key: 'pg_class:16401:owned', kind: 'sequence owner', name: '"Foo Bar"."a.b_id_seq"', sql: ['ALTER SEQUENCE "Foo Bar"."a.b_id_seq" OWNED BY "Foo Bar"."a.b"."id"'] },
];

/** The post-data statements, in the order postDataSteps gives them. */
export const PLAN_POST_DATA = [
  { key: 'pg_constraint:16410', kind: 'constraint', name: '"a.b_pkey" on "Foo Bar"."a.b"', sql: ['ALTER TABLE ONLY "Foo Bar"."a.b" ADD CONSTRAINT "a.b_pkey" PRIMARY KEY (id)'] },
  { key: 'pg_constraint:16412', kind: 'constraint', name: '"we""ird_pkey" on "Foo Bar"."we""ird"', sql: ['ALTER TABLE ONLY "Foo Bar"."we""ird" ADD CONSTRAINT "we""ird_pkey" PRIMARY KEY (id)'] },
  { key: 'pg_class:16415', kind: 'index', name: '"Foo Bar"."we""ird_a.b id_idx"', sql: ['CREATE INDEX "we""ird_a.b id_idx" ON "Foo Bar"."we""ird" USING btree ("a.b id")'] },
  {
    key: 'pg_constraint:16414', kind: 'constraint', name: '"we""ird_fk" on "Foo Bar"."we""ird"',
    sql: ['ALTER TABLE ONLY "Foo Bar"."we""ird" ADD CONSTRAINT "we""ird_fk" FOREIGN KEY ("a.b id") REFERENCES "Foo Bar"."a.b"(id) NOT VALID'],
  },
  {
    key: 'pg_constraint:16414:validate', kind: 'foreign key check', name: '"we""ird_fk" on "Foo Bar"."we""ird"',
    sql: ['ALTER TABLE ONLY "Foo Bar"."we""ird" VALIDATE CONSTRAINT "we""ird_fk"'],
  },
];

/** The final steps (default privileges). */
export const PLAN_FINAL = [
  {
    key: 'pg_default_acl:16420', kind: 'default privileges', name: 'for role postgres in schema "Foo Bar"',
    sql: ['ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "Foo Bar" GRANT SELECT ON TABLES TO PUBLIC'],
  },
];
