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

/**
 * A second database for build-plan.test.ts and rendered-ddl.test.ts, with one object of many
 * kinds in schema `Foo Bar` (a PostgreSQL 15 source): an enum, a composite, a domain with a late
 * NOT VALID check, a trigger function, a standalone sequence, a collation, a text search
 * configuration, table `Items` (identity column, inline CHECK, primary key, trigger, policy and
 * row-level security, extended statistics, a rule, an expression index), a view that needs its
 * key (a placeholder until the key exists), a partitioned table with a partition, a materialized
 * view, a range type, an aggregate, an operator, a cast, a foreign data wrapper with its server,
 * user mapping and foreign table, a large object, an event trigger, default privileges and a
 * publication of `Items`.
 */
export function kindsCatalog(): Catalog {
  const s = schema(17000, SPACE);
  const typ = (oid: number, name: string) => ({ key: `pg_type:${oid}`, oid, schema: SPACE, name, owner: 'postgres', comment: null, acl: null });
  const items = relation(17010, SPACE, 'Items', [
    column('id', { type: 'bigint', notNull: true, identity: 'a' }),
    column(QUOTE, { type: '"Foo Bar"."we""ird"', binaryOk: true }),
    column('qty', { type: `"Foo Bar"."${LONG}"`, binaryOk: true }),
    column('note', { type: 'text', collation: '"Foo Bar"."C.x"' }),
  ], { bytes: 1 * MB, blocks: 128, estimatedRows: 10000, rowSecurity: true });
  items.constraints.push(
    constraint(17012, items, 'qty ok', 'c', 'CHECK (((qty)::integer < 500))'),
    constraint(17013, items, 'Items_pkey', 'p', 'PRIMARY KEY (id)', { indexOid: 17014 }),
  );
  const parted = relation(17020, SPACE, 'Parted', [column('k')], { relkind: 'p', partitionKey: 'LIST (k)' });
  const part = relation(17021, SPACE, 'Parted 1', [column('k')], { isPartition: true, partitionBound: 'FOR VALUES IN (1)', parents: [{ schema: SPACE, name: 'Parted', oid: 17020 }] });
  const byId = relation(17031, SPACE, 'by id', [column('id', { type: 'bigint' }), column('note', { type: 'text', collation: '"Foo Bar"."C.x"' })], {
    relkind: 'v', accessMethod: null, viewDefinition: ` SELECT "Items".id,\n    "Items".note\n   FROM "Foo Bar"."Items"\n  GROUP BY "Items".id;`,
  });
  const remote = relation(17040, SPACE, 'remote.t', [column('a', { fdwOptions: ['column_name=A'] })], {
    relkind: 'f', accessMethod: null, foreignServer: 'Foo Bar srv', foreignOptions: ['table_name=we"ird'],
  });
  const mv = relation(17030, SPACE, 'a.b mv', [column('id', { type: 'bigint' })], {
    relkind: 'm', populated: false, viewDefinition: ` SELECT "Items".id\n   FROM "Foo Bar"."Items";`,
  });
  return emptyCatalog({
    schemas: [s],
    enums: [{ ...typ(17001, QUOTE), labels: ["it's", 'a.b'] }],
    composites: [{ ...typ(17002, DOT), attributes: [{ name: 'x', type: 'integer', collation: null, comment: null }, { name: QUOTE, type: 'text', collation: null, comment: 'q' }] }],
    domains: [{
      ...typ(17003, LONG), baseType: 'integer', collation: null, defaultExpr: null, notNull: true, notNullConstraint: null,
      constraints: [
        { name: 'positive', definition: 'CHECK ((VALUE > 0))', validated: true, comment: null },
        { name: 'late"one', definition: 'CHECK ((VALUE < 1000)) NOT VALID', validated: false, comment: null },
      ],
    }],
    functions: [{
      key: 'pg_proc:17004', oid: 17004, schema: SPACE, name: 'trg fn', owner: 'postgres', comment: null, acl: null, kind: 'f', language: 'plpgsql', identityArgs: '',
      definition: 'CREATE OR REPLACE FUNCTION "Foo Bar"."trg fn"()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$BEGIN RETURN NEW; END$function$\n',
    }, {
      key: 'pg_proc:17008', oid: 17008, schema: SPACE, name: 'on ddl', owner: 'postgres', comment: null, acl: null, kind: 'f', language: 'plpgsql', identityArgs: '',
      definition: 'CREATE OR REPLACE FUNCTION "Foo Bar"."on ddl"()\n RETURNS event_trigger\n LANGUAGE plpgsql\nAS $function$BEGIN END$function$\n',
    }],
    sequences: [
      sequence(17005, SPACE, `${QUOTE}_seq`),
      sequence(17011, SPACE, 'Items_id_seq', { identity: true, ownedBy: { tableOid: 17010, schema: SPACE, table: 'Items', column: 'id' } }),
    ],
    collations: [{ ...typ(17006, 'C.x'), key: 'pg_collation:17006', raw: { collprovider: 'c', collcollate: 'C', collctype: 'C', collisdeterministic: true } }],
    textSearch: [{
      ...typ(17007, `${QUOTE} ts`), key: 'pg_ts_config:17007', tsKind: 'configuration',
      parts: { parser: 'pg_catalog."default"', mappings: [{ token: 'asciiword', dictionaries: ['simple'] }] },
    }],
    relations: [items, parted, part, mv, byId, remote],
    indexes: [
      index(17014, items, 'Items_pkey', 'CREATE UNIQUE INDEX "Items_pkey" ON "Foo Bar"."Items" USING btree (id)', { constraintOid: 17013 }),
      index(17032, items, 'lower note', 'CREATE INDEX "lower note" ON "Foo Bar"."Items" USING btree (lower(note))', { plainColumns: false, columnStats: [{ num: 1, target: 100 }] }),
    ],
    ranges: [{ ...typ(17050, 'a.b range'), subtype: 'integer', opclass: null, collation: null, canonical: null, subdiff: null, multirange: '"Foo Bar"."a.b multirange"', multirangeOid: 17051 }],
    aggregates: [{
      ...typ(17052, 'sum.it'), key: 'pg_proc:17052', identityArgs: 'integer', args: 'integer', aggKind: 'n', numDirectArgs: 0, sfunc: 'int4pl', stype: 'integer', sspace: null,
      finalfunc: null, finalfuncExtra: false, finalfuncModify: 'r', combinefunc: 'int4pl', serialfunc: null, deserialfunc: null, initcond: '0', msfunc: null,
      minvfunc: null, mstype: null, msspace: null, mfinalfunc: null, mfinalfuncExtra: false, mfinalfuncModify: 'r', minitcond: null, sortop: null, parallel: 's',
    }],
    operators: [{
      ...typ(17053, '==='), key: 'pg_operator:17053', opKind: 'b', leftType: 'integer', rightType: 'integer', function: 'int4eq', commutator: 'OPERATOR("Foo Bar".===)',
      negator: null, restrict: 'eqsel', join: 'eqjoinsel', hashes: false, merges: false, comment: 'three',
    }],
    casts: [{ key: 'pg_cast:17054', oid: 17054, sourceType: '"Foo Bar"."we""ird"', targetType: 'integer', method: 'i', function: null, context: 'e', comment: null }],
    foreignData: [
      { key: 'pg_foreign_data_wrapper:17060', oid: 17060, fdKind: 'wrapper', name: 'we"ird fdw', owner: 'postgres', comment: null, acl: null, parts: { handler: null, validator: null }, options: ['debug=true'] },
      { key: 'pg_foreign_server:17061', oid: 17061, fdKind: 'server', name: 'Foo Bar srv', owner: 'postgres', comment: 'srv', acl: null, parts: { type: null, version: '1.0', wrapper: 'we"ird fdw', wrapper_oid: 17060 }, options: ['host=a.b'] },
      { key: 'pg_user_mapping:17062', oid: 17062, fdKind: 'user mapping', name: 'Foo Bar srv', owner: 'postgres', comment: null, acl: null, parts: { server_oid: 17061 }, options: ['user=u', "password=p'w"] },
    ],
    largeObjects: [{ oid: 424242, owner: 'postgres', comment: "it's large", acl: null }],
    eventTriggers: [{ key: 'pg_event_trigger:17063', oid: 17063, name: 'we"ird et', event: 'ddl_command_end', owner: 'postgres', function: '"Foo Bar"."on ddl"', tags: ['CREATE TABLE'], enabled: 'O', comment: null }],
    defaultPrivileges: [{ key: 'pg_default_acl:17064', oid: 17064, role: 'postgres', schema: null, objType: 'f', acl: [{ grantee: 'postgres', grantor: 'postgres', privilege: 'EXECUTE', grantable: false }] }],
    triggers: [{
      key: 'pg_trigger:17015', oid: 17015, relOid: 17010, schema: SPACE, table: 'Items', name: 'a.b trg', enabled: 'D', comment: 'trg', cloneStates: [],
      definition: 'CREATE TRIGGER "a.b trg" BEFORE INSERT ON "Foo Bar"."Items" FOR EACH ROW EXECUTE FUNCTION "Foo Bar"."trg fn"()',
    }],
    rules: [{
      key: 'pg_rewrite:17016', oid: 17016, relOid: 17010, schema: SPACE, table: 'Items', name: 'r.1', enabled: 'O', comment: null,
      definition: 'CREATE RULE "r.1" AS\n    ON DELETE TO "Foo Bar"."Items"\n   WHERE (old.id < 0) DO INSTEAD NOTHING;',
    }],
    policies: [{
      key: 'pg_policy:17017', oid: 17017, relOid: 17010, schema: SPACE, table: 'Items', name: QUOTE, command: 'r', permissive: true, roles: [null],
      usingExpr: '(qty IS NOT NULL)', checkExpr: null, comment: null,
    }],
    statistics: [{ ...typ(17018, `${QUOTE} st`), key: 'pg_statistic_ext:17018', relOid: 17010, statTarget: 200, definition: 'CREATE STATISTICS "Foo Bar"."we""ird st" (ndistinct) ON id, qty FROM "Foo Bar"."Items"' }],
    publications: [{
      key: 'pg_publication:17019', oid: 17019, name: SPACE, owner: 'postgres', comment: null,
      raw: { puballtables: false, pubinsert: true, pubupdate: true, pubdelete: true, pubtruncate: false, pubviaroot: false },
      members: [{ memberKind: 'table', schema: SPACE, name: 'Items', relOid: 17010, rowFilter: null, columns: ['id', 'qty'] }],
    }],
    depends: [
      ...[17001, 17002, 17003].map((o): [string, string] => [`pg_type:${o}`, 'pg_namespace:17000']),
      ['pg_proc:17004', 'pg_namespace:17000'],
      ['pg_class:17005', 'pg_namespace:17000'],
      ['pg_collation:17006', 'pg_namespace:17000'],
      ['pg_ts_config:17007', 'pg_namespace:17000'],
      ['pg_class:17010', 'pg_namespace:17000'],
      ['pg_class:17010', 'pg_type:17001'],
      ['pg_class:17010', 'pg_type:17003'],
      ['pg_class:17010', 'pg_collation:17006'],
      ['pg_constraint:17012', 'pg_class:17010'],
      ['pg_constraint:17013', 'pg_class:17010'],
      ['pg_trigger:17015', 'pg_class:17010'],
      ['pg_trigger:17015', 'pg_proc:17004'],
      ['pg_rewrite:17016', 'pg_class:17010'],
      ['pg_policy:17017', 'pg_class:17010'],
      ['pg_statistic_ext:17018', 'pg_class:17010'],
      ['pg_statistic_ext:17018', 'pg_namespace:17000'],
      ['pg_class:17020', 'pg_namespace:17000'],
      ['pg_class:17021', 'pg_namespace:17000'],
      ['pg_class:17030', 'pg_namespace:17000'],
      ['pg_class:17030', 'pg_class:17010'],
      ['pg_proc:17008', 'pg_namespace:17000'],
      ['pg_class:17031', 'pg_namespace:17000'],
      ['pg_class:17031', 'pg_class:17010'],
      ['pg_class:17031', 'pg_constraint:17013'],
      ['pg_class:17031', 'pg_collation:17006'],
      ['pg_class:17032', 'pg_class:17010'],
      ['pg_class:17040', 'pg_namespace:17000'],
      ['pg_class:17040', 'pg_foreign_server:17061'],
      ['pg_type:17050', 'pg_namespace:17000'],
      ['pg_proc:17052', 'pg_namespace:17000'],
      ['pg_operator:17053', 'pg_namespace:17000'],
      ['pg_cast:17054', 'pg_type:17001'],
      ['pg_event_trigger:17063', 'pg_proc:17008'],
    ],
  });
}

/** How kindsCatalog() is planned: publications too. */
export const kindsOptions: PlanOptions = { ...planOptions, publications: true };

/** The pre-data statements of kindsCatalog()'s plan, in order. */
export const KINDS_PRE_DATA = [
  { key: 'pg_namespace:17000', sql: [
    'CREATE SCHEMA "Foo Bar"',
  ] },
  { key: 'pg_foreign_data_wrapper:17060', sql: [
    `CREATE FOREIGN DATA WRAPPER "we""ird fdw" OPTIONS ("debug" 'true')`,
  ] },
  { key: 'pg_foreign_server:17061', sql: [
    `CREATE SERVER "Foo Bar srv" VERSION '1.0' FOREIGN DATA WRAPPER "we""ird fdw" OPTIONS ("host" 'a.b')`,
    `COMMENT ON SERVER "Foo Bar srv" IS 'srv'`,
  ] },
  { key: 'pg_user_mapping:17062', sql: [
    `CREATE USER MAPPING FOR "postgres" SERVER "Foo Bar srv" OPTIONS ("user" 'u', "password" 'p''w')`,
  ] },
  { key: 'pg_collation:17006', sql: [
    `CREATE COLLATION "Foo Bar"."C.x" (provider = libc, locale = 'C')`,
  ] },
  { key: 'pg_type:17001', sql: [
    `CREATE TYPE "Foo Bar"."we""ird" AS ENUM ('it''s', 'a.b')`,
  ] },
  { key: 'pg_type:17050', sql: [
    'CREATE TYPE "Foo Bar"."a.b range" AS RANGE (subtype = integer, multirange_type_name = "Foo Bar"."a.b multirange")',
  ] },
  { key: 'pg_type:17002', sql: [
    'CREATE TYPE "Foo Bar"."a.b" AS ("x" integer, "we""ird" text)',
    `COMMENT ON COLUMN "Foo Bar"."a.b"."we""ird" IS 'q'`,
  ] },
  { key: 'pg_type:17003', sql: [
    `CREATE DOMAIN "Foo Bar"."${LONG}" AS integer NOT NULL CONSTRAINT "positive" CHECK ((VALUE > 0))`,
  ] },
  { key: 'pg_proc:17008', sql: [
    `CREATE OR REPLACE FUNCTION "Foo Bar"."on ddl"()\n RETURNS event_trigger\n LANGUAGE plpgsql\nAS $function$BEGIN END$function$`,
  ] },
  { key: 'pg_proc:17004', sql: [
    `CREATE OR REPLACE FUNCTION "Foo Bar"."trg fn"()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$BEGIN RETURN NEW; END$function$`,
  ] },
  { key: 'pg_proc:17052', sql: [
    `CREATE AGGREGATE "Foo Bar"."sum.it"(integer) (SFUNC = int4pl, STYPE = integer, COMBINEFUNC = int4pl, INITCOND = '0', PARALLEL = SAFE)`,
  ] },
  { key: 'pg_operator:17053', sql: [
    'CREATE OPERATOR "Foo Bar".=== (PROCEDURE = int4eq, LEFTARG = integer, RIGHTARG = integer, COMMUTATOR = OPERATOR("Foo Bar".===), RESTRICT = eqsel, JOIN = eqjoinsel)',
    `COMMENT ON OPERATOR "Foo Bar".=== (integer, integer) IS 'three'`,
  ] },
  { key: 'pg_cast:17054', sql: [
    'CREATE CAST ("Foo Bar"."we""ird" AS integer) WITH INOUT',
  ] },
  { key: 'pg_ts_config:17007', sql: [
    'CREATE TEXT SEARCH CONFIGURATION "Foo Bar"."we""ird ts" (PARSER = pg_catalog."default")',
    'ALTER TEXT SEARCH CONFIGURATION "Foo Bar"."we""ird ts" ADD MAPPING FOR "asciiword" WITH simple',
  ] },
  { key: 'pg_class:17005', sql: [
    'CREATE SEQUENCE "Foo Bar"."we""ird_seq" AS bigint START WITH 1 INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 CACHE 1',
  ] },
  { key: 'pg_class:17010', sql: [
    `CREATE TABLE "Foo Bar"."Items" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME "Foo Bar"."Items_id_seq" START WITH 1 INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 CACHE 1), "we""ird" "Foo Bar"."we""ird", "qty" "Foo Bar"."${LONG}", "note" text COLLATE "Foo Bar"."C.x", CONSTRAINT "qty ok" CHECK (((qty)::integer < 500)))`,
  ] },
  { key: 'pg_class:17020', sql: [
    'CREATE TABLE "Foo Bar"."Parted" ("k" integer) PARTITION BY LIST (k)',
  ] },
  { key: 'pg_class:17021', sql: [
    'CREATE TABLE "Foo Bar"."Parted 1" ("k" integer)',
    'ALTER TABLE ONLY "Foo Bar"."Parted" ATTACH PARTITION "Foo Bar"."Parted 1" FOR VALUES IN (1)',
  ] },
  { key: 'pg_class:17040', sql: [
    `CREATE FOREIGN TABLE "Foo Bar"."remote.t" ("a" integer) SERVER "Foo Bar srv" OPTIONS ("table_name" 'we"ird')`,
    `ALTER FOREIGN TABLE ONLY "Foo Bar"."remote.t" ALTER COLUMN "a" OPTIONS ("column_name" 'A')`,
  ] },
  { key: 'pg_class:17031', sql: [
    'CREATE VIEW "Foo Bar"."by id" AS SELECT NULL::bigint AS "id", NULL::text COLLATE "Foo Bar"."C.x" AS "note"',
  ] },
  { key: 'pg_class:17030', sql: [
    `CREATE MATERIALIZED VIEW "Foo Bar"."a.b mv" AS SELECT "Items".id\n   FROM "Foo Bar"."Items" WITH NO DATA`,
  ] },
  { key: 'pg_largeobject:424242', sql: [
    'SELECT pg_catalog.lo_create(424242)',
    `COMMENT ON LARGE OBJECT 424242 IS 'it''s large'`,
  ] },
];

/** Its post-data statements, in the order postDataSteps gives them. */
export const KINDS_POST_DATA = [
  { key: 'pg_constraint:17013', sql: [
    'ALTER TABLE ONLY "Foo Bar"."Items" ADD CONSTRAINT "Items_pkey" PRIMARY KEY (id)',
  ] },
  { key: 'pg_class:17032', sql: [
    'CREATE INDEX "lower note" ON "Foo Bar"."Items" USING btree (lower(note))',
    'ALTER INDEX "Foo Bar"."lower note" ALTER COLUMN 1 SET STATISTICS 100',
  ] },
  { key: 'pg_type:17003:check:late"one', sql: [
    `ALTER DOMAIN "Foo Bar"."${LONG}" ADD CONSTRAINT "late""one" CHECK ((VALUE < 1000)) NOT VALID`,
  ] },
  { key: 'pg_trigger:17015', sql: [
    'CREATE TRIGGER "a.b trg" BEFORE INSERT ON "Foo Bar"."Items" FOR EACH ROW EXECUTE FUNCTION "Foo Bar"."trg fn"()',
    'ALTER TABLE "Foo Bar"."Items" DISABLE TRIGGER "a.b trg"',
    `COMMENT ON TRIGGER "a.b trg" ON "Foo Bar"."Items" IS 'trg'`,
  ] },
  { key: 'pg_class:17031:definition', sql: [
    `CREATE OR REPLACE VIEW "Foo Bar"."by id" AS SELECT "Items".id,\n    "Items".note\n   FROM "Foo Bar"."Items"\n  GROUP BY "Items".id`,
  ] },
  { key: 'pg_rewrite:17016', sql: [
    `CREATE RULE "r.1" AS\n    ON DELETE TO "Foo Bar"."Items"\n   WHERE (old.id < 0) DO INSTEAD NOTHING`,
  ] },
  { key: 'pg_class:17010:row-security', sql: [
    'ALTER TABLE "Foo Bar"."Items" ENABLE ROW LEVEL SECURITY',
  ] },
  { key: 'pg_policy:17017', sql: [
    'CREATE POLICY "we""ird" ON "Foo Bar"."Items" FOR SELECT TO PUBLIC USING ((qty IS NOT NULL))',
  ] },
  { key: 'pg_statistic_ext:17018', sql: [
    'CREATE STATISTICS "Foo Bar"."we""ird st" (ndistinct) ON id, qty FROM "Foo Bar"."Items"',
    'ALTER STATISTICS "Foo Bar"."we""ird st" SET STATISTICS 200',
  ] },
];

/** Its final steps (the publication). */
export const KINDS_FINAL = [
  { key: 'pg_event_trigger:17063', sql: [
    `CREATE EVENT TRIGGER "we""ird et" ON "ddl_command_end" WHEN TAG IN ('CREATE TABLE') EXECUTE PROCEDURE "Foo Bar"."on ddl"()`,
  ] },
  { key: 'pg_publication:17019', sql: [
    `CREATE PUBLICATION "Foo Bar" WITH (publish = 'insert, update, delete')`,
    'ALTER PUBLICATION "Foo Bar" ADD TABLE ONLY "Foo Bar"."Items" ("id", "qty")',
  ] },
  { key: 'pg_default_acl:17064', sql: [
    'ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" REVOKE ALL ON FUNCTIONS FROM PUBLIC',
  ] },
];
