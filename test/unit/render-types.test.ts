/**
 * The exact text of render-types.ts and render-types-more.ts: schemas (new, and one the target
 * has already), enums, composites, domains and their late constraints, extensions, collations,
 * range, shell and base types, on hostile names.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BaseType, CatalogObject, DomainType } from '../../src/catalog/model.js';
import { renderComposite, renderDomain, renderDomainConstraint, renderEnum, renderExtension, renderSchema } from '../../src/ddl/render-types.js';
import { renderBaseType, renderCollation, renderRange, renderShellType } from '../../src/ddl/render-types-more.js';
import { ctx, DOT, LONG, ownerCtx, QUOTE, schema, SPACE } from './catalog-fixture.js';

const obj = (oid: number, s: string, name: string, extra: Partial<CatalogObject> = {}): CatalogObject => ({
  key: `pg_type:${oid}`, oid, schema: s, name, owner: 'postgres', comment: null, acl: null, ...extra,
});

describe('renderSchema', () => {
  it('a new schema: CREATE, owner, privileges as the difference from the default, comment', () => {
    const s = schema(1, QUOTE, {
      owner: 'Alice B', comment: 'x',
      acl: [{ grantee: 'Alice B', grantor: 'Alice B', privilege: 'USAGE', grantable: false }, { grantee: null, grantor: 'Alice B', privilege: 'USAGE', grantable: false }],
    });
    assert.deepEqual(renderSchema(s, ownerCtx, undefined), [
      'CREATE SCHEMA "we""ird"',
      'ALTER SCHEMA "we""ird" OWNER TO "Alice B"',
      'REVOKE CREATE ON SCHEMA "we""ird" FROM "Alice B"',
      'GRANT USAGE ON SCHEMA "we""ird" TO PUBLIC',
      `COMMENT ON SCHEMA "we""ird" IS 'x'`,
    ]);
    assert.deepEqual(renderSchema(schema(2, LONG), ctx, undefined), [`CREATE SCHEMA "${LONG}"`]);
  });

  it('a schema the target has already takes the source\'s owner and comment (NULL clears it)', () => {
    assert.deepEqual(renderSchema(schema(3, DOT, { owner: 'Alice B' }), ownerCtx, 'postgres'), [
      'ALTER SCHEMA "a.b" OWNER TO "Alice B"',
      'COMMENT ON SCHEMA "a.b" IS NULL',
    ]);
  });
});

describe('enums, composites, domains, extensions', () => {
  it('an enum with quotes in its labels', () => {
    assert.deepEqual(renderEnum({ ...obj(10, SPACE, QUOTE, { comment: 'mood' }), labels: ["it's", 'a.b', LONG] }, ctx), [
      `CREATE TYPE "Foo Bar"."we""ird" AS ENUM ('it''s', 'a.b', '${LONG}')`,
      `COMMENT ON TYPE "Foo Bar"."we""ird" IS 'mood'`,
    ]);
  });

  it('a composite with attribute collations and comments', () => {
    const t = { ...obj(11, DOT, SPACE), attributes: [{ name: QUOTE, type: 'text', collation: '"C"', comment: 'a' }, { name: LONG, type: 'integer', collation: null, comment: null }] };
    assert.deepEqual(renderComposite(t, ctx), [
      `CREATE TYPE "a.b"."Foo Bar" AS ("we""ird" text COLLATE "C", "${LONG}" integer)`,
      `COMMENT ON COLUMN "a.b"."Foo Bar"."we""ird" IS 'a'`,
    ]);
  });

  const domain: DomainType = {
    ...obj(12, SPACE, DOT, { comment: 'dom' }), baseType: 'text', collation: '"C"', defaultExpr: `'x'::text`, notNull: true,
    notNullConstraint: { name: `${QUOTE}_not_null`, comment: 'nn' },
    constraints: [
      { name: LONG, definition: 'CHECK ((VALUE <> \'\'::text))', validated: true, comment: 'ck' },
      { name: 'late"one', definition: 'CHECK ((length(VALUE) < 10)) NOT VALID', validated: false, comment: null },
    ],
  };

  it('a domain: collation, default, named NOT NULL (17+), validated checks and their comments', () => {
    assert.deepEqual(renderDomain(domain, ctx), [
      `CREATE DOMAIN "Foo Bar"."a.b" AS text COLLATE "C" DEFAULT 'x'::text CONSTRAINT "we""ird_not_null" NOT NULL CONSTRAINT "${LONG}" CHECK ((VALUE <> ''::text))`,
      `COMMENT ON DOMAIN "Foo Bar"."a.b" IS 'dom'`,
      `COMMENT ON CONSTRAINT "${LONG}" ON DOMAIN "Foo Bar"."a.b" IS 'ck'`,
      `COMMENT ON CONSTRAINT "we""ird_not_null" ON DOMAIN "Foo Bar"."a.b" IS 'nn'`,
    ]);
    assert.deepEqual(renderDomain({ ...domain, notNullConstraint: null, constraints: [], comment: null, collation: null, defaultExpr: null }, ctx), [
      'CREATE DOMAIN "Foo Bar"."a.b" AS text NOT NULL',
    ]);
  });

  it('a NOT VALID domain constraint comes apart', () => {
    assert.deepEqual(renderDomainConstraint(domain, domain.constraints[1]), [`ALTER DOMAIN "Foo Bar"."a.b" ADD CONSTRAINT "late""one" CHECK ((length(VALUE) < 10)) NOT VALID`]);
  });

  it('an extension: its version only when the target offers it, its comment unless told not to', () => {
    const e = { key: 'pg_extension:1', oid: 1, name: 'we"ird ext', schema: SPACE, version: '1.2', relocatable: true, owner: 'postgres', comment: 'ext' };
    assert.deepEqual(renderExtension(e, ['1.1', '1.2']), [
      `CREATE EXTENSION IF NOT EXISTS "we""ird ext" WITH SCHEMA "Foo Bar" VERSION '1.2'`,
      `COMMENT ON EXTENSION "we""ird ext" IS 'ext'`,
    ]);
    assert.deepEqual(renderExtension(e, ['1.3'], { comment: false }), ['CREATE EXTENSION IF NOT EXISTS "we""ird ext" WITH SCHEMA "Foo Bar"']);
  });
});

describe('collations, ranges, shell and base types', () => {
  it('collations of each provider', () => {
    const c = (raw: Record<string, unknown>) => renderCollation({ ...obj(20, SPACE, QUOTE), key: 'pg_collation:20', raw }, ctx);
    assert.deepEqual(c({ collprovider: 'c', collcollate: 'C', collctype: 'C' }), [`CREATE COLLATION "Foo Bar"."we""ird" (provider = libc, locale = 'C')`]);
    assert.deepEqual(c({ collprovider: 'c', collcollate: 'C', collctype: 'POSIX' }), [`CREATE COLLATION "Foo Bar"."we""ird" (provider = libc, lc_collate = 'C', lc_ctype = 'POSIX')`]);
    assert.deepEqual(c({ collprovider: 'i', colliculocale: 'und-u-ks-level2', collisdeterministic: false }), [
      `CREATE COLLATION "Foo Bar"."we""ird" (provider = icu, locale = 'und-u-ks-level2', deterministic = false)`,
    ]);
    assert.deepEqual(c({ collprovider: 'b', colllocale: 'C.UTF-8', collicurules: null }), [`CREATE COLLATION "Foo Bar"."we""ird" (provider = builtin, locale = 'C.UTF-8')`]);
    assert.deepEqual(c({ collprovider: 'i', colllocale: 'und', collicurules: '&a < b' }), [`CREATE COLLATION "Foo Bar"."we""ird" (provider = icu, locale = 'und', rules = '&a < b')`]);
  });

  it('a range type with every option', () => {
    const r = {
      ...obj(21, DOT, LONG, { comment: 'r' }), subtype: 'double precision', opclass: 'float8_ops', collation: null, canonical: null,
      subdiff: '"a.b".diff', multirange: `"a.b"."we""ird_multi"`, multirangeOid: 22,
    };
    assert.deepEqual(renderRange(r, ctx), [
      `CREATE TYPE "a.b"."${LONG}" AS RANGE (subtype = double precision, subtype_opclass = float8_ops, subtype_diff = "a.b".diff, multirange_type_name = "a.b"."we""ird_multi")`,
      `COMMENT ON TYPE "a.b"."${LONG}" IS 'r'`,
    ]);
  });

  const base: BaseType = {
    ...obj(30, SPACE, QUOTE), defined: true, element: null, collatable: true, ioFunctions: [31, 32],
    raw: {
      typinput: '"Foo Bar".we_in', typoutput: '"Foo Bar".we_out', typreceive: '-', typsend: '-', typmodin: '-', typmodout: '-', typanalyze: '-',
      typsubscript: '-', typlen: -1, typbyval: false, typalign: 'i', typstorage: 'x', typcategory: 'U', typispreferred: false, typdefault: null, typdelim: ',',
    },
  };

  it('a shell type, then the base type that completes it', () => {
    assert.deepEqual(renderShellType(base), ['CREATE TYPE "Foo Bar"."we""ird"']);
    assert.deepEqual(renderBaseType(base, ctx), [
      'CREATE TYPE "Foo Bar"."we""ird" (INPUT = "Foo Bar".we_in, OUTPUT = "Foo Bar".we_out, INTERNALLENGTH = VARIABLE, ALIGNMENT = int4, STORAGE = extended, COLLATABLE = true)',
    ]);
    const fixed = { ...base, collatable: false, raw: { ...base.raw, typreceive: 'recv', typlen: 8, typbyval: true, typalign: 'd', typstorage: 'p', typcategory: 'N', typispreferred: true, typdefault: '0', typdelim: ';' } };
    assert.deepEqual(renderBaseType(fixed, ctx), [
      `CREATE TYPE "Foo Bar"."we""ird" (INPUT = "Foo Bar".we_in, OUTPUT = "Foo Bar".we_out, RECEIVE = recv, INTERNALLENGTH = 8, PASSEDBYVALUE, ALIGNMENT = double, ` +
        `STORAGE = plain, CATEGORY = 'N', PREFERRED = true, DEFAULT = '0', DELIMITER = ';')`,
    ]);
  });
});
