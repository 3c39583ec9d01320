/**
 * The exact text of render-database-objects.ts: event triggers, publications, foreign data
 * wrappers, servers and user mappings, large objects, default privileges and the privileges of
 * system objects, on hostile names.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ForeignDataObj, PublicationObj } from '../../src/catalog/model.js';
import {
  renderDefaultPrivileges,
  renderEventTrigger,
  renderForeignData,
  renderLargeObject,
  renderPublication,
  renderSystemPrivileges,
} from '../../src/ddl/render-database-objects.js';
import { ctx, DOT, LONG, ownerCtx, QUOTE, SPACE } from './catalog-fixture.js';

const roles = new Set(['postgres', 'Alice B', QUOTE]);

describe('renderEventTrigger', () => {
  it('tags quoted as strings, its state, a superuser owner and comment', () => {
    const e = { key: 'pg_event_trigger:1', oid: 1, name: QUOTE, event: 'ddl_command_end', owner: 'Alice B', function: '"Foo Bar".on_ddl', tags: ['CREATE TABLE', "it's"], enabled: 'D' as const, comment: 'et' };
    assert.deepEqual(renderEventTrigger(e, ownerCtx), [
      `CREATE EVENT TRIGGER "we""ird" ON "ddl_command_end" WHEN TAG IN ('CREATE TABLE', 'it''s') EXECUTE PROCEDURE "Foo Bar".on_ddl()`,
      'ALTER EVENT TRIGGER "we""ird" DISABLE',
      'ALTER EVENT TRIGGER "we""ird" OWNER TO "Alice B"',
      `COMMENT ON EVENT TRIGGER "we""ird" IS 'et'`,
    ]);
    assert.deepEqual(renderEventTrigger({ ...e, tags: null, enabled: 'O', comment: null }, ctx), [`CREATE EVENT TRIGGER "we""ird" ON "ddl_command_end" EXECUTE PROCEDURE "Foo Bar".on_ddl()`]);
  });
});

describe('renderPublication', () => {
  const pub = (raw: Record<string, unknown>, members: PublicationObj['members'] = []): PublicationObj => ({
    key: 'pg_publication:2', oid: 2, name: SPACE, owner: 'postgres', comment: null, raw, members,
  });

  it('its publish flags, then its tables (columns, row filter) and schemas', () => {
    const p = pub({ pubinsert: true, pubupdate: true, pubdelete: false, pubtruncate: true, pubviaroot: true }, [
      { memberKind: 'table', schema: DOT, name: QUOTE, relOid: 3, rowFilter: '(id > 0)', columns: ['id', LONG] },
      { memberKind: 'table', schema: SPACE, name: LONG, relOid: 4, rowFilter: null, columns: null },
      { memberKind: 'schema', schema: QUOTE, name: null, relOid: null, rowFilter: null, columns: null },
    ]);
    assert.deepEqual(renderPublication({ ...p, comment: 'pub' }, ctx), [
      `CREATE PUBLICATION "Foo Bar" WITH (publish = 'insert, update, truncate', publish_via_partition_root = true)`,
      `ALTER PUBLICATION "Foo Bar" ADD TABLE ONLY "a.b"."we""ird" ("id", "${LONG}") WHERE ((id > 0))`,
      `ALTER PUBLICATION "Foo Bar" ADD TABLE ONLY "Foo Bar"."${LONG}"`,
      'ALTER PUBLICATION "Foo Bar" ADD TABLES IN SCHEMA "we""ird"',
      `COMMENT ON PUBLICATION "Foo Bar" IS 'pub'`,
    ]);
  });

  it('FOR ALL TABLES, stored generated columns (18+), an owner', () => {
    assert.deepEqual(renderPublication({ ...pub({ puballtables: true, pubinsert: true, pubgencols: 's' }), owner: 'Alice B' }, ownerCtx), [
      `CREATE PUBLICATION "Foo Bar" FOR ALL TABLES WITH (publish = 'insert', publish_generated_columns = stored)`,
      'ALTER PUBLICATION "Foo Bar" OWNER TO "Alice B"',
    ]);
  });
});

describe('renderForeignData', () => {
  const fd = (fdKind: ForeignDataObj['fdKind'], extra: Partial<ForeignDataObj>): ForeignDataObj => ({
    key: 'pg_foreign_data_wrapper:5', oid: 5, fdKind, name: QUOTE, owner: 'postgres', comment: null, acl: null, parts: {}, options: null, ...extra,
  });

  it('a wrapper: handler, validator, options, privileges and comment', () => {
    const w = fd('wrapper', {
      parts: { handler: '"Foo Bar".h', validator: null }, options: ['debug=true'], comment: 'w',
      acl: [{ grantee: 'postgres', grantor: 'postgres', privilege: 'USAGE', grantable: false }, { grantee: 'Alice B', grantor: 'postgres', privilege: 'USAGE', grantable: false }],
    });
    assert.deepEqual(renderForeignData(w, ctx), [
      `CREATE FOREIGN DATA WRAPPER "we""ird" HANDLER "Foo Bar".h OPTIONS ("debug" 'true')`,
      `COMMENT ON FOREIGN DATA WRAPPER "we""ird" IS 'w'`,
    ]);
    assert.deepEqual(renderForeignData(w, { ...ctx, targetRoles: roles }), [
      `CREATE FOREIGN DATA WRAPPER "we""ird" HANDLER "Foo Bar".h OPTIONS ("debug" 'true')`,
      'GRANT USAGE ON FOREIGN DATA WRAPPER "we""ird" TO "Alice B"',
      `COMMENT ON FOREIGN DATA WRAPPER "we""ird" IS 'w'`,
    ]);
  });

  it('a server: type, version, wrapper, options; its grants name FOREIGN SERVER', () => {
    const s = fd('server', {
      key: 'pg_foreign_server:6', name: SPACE, parts: { type: "it's", version: '1.0', wrapper: QUOTE }, options: ['host=db.example', 'dbname=a b'],
      acl: [{ grantee: 'postgres', grantor: 'postgres', privilege: 'USAGE', grantable: false }, { grantee: null, grantor: 'postgres', privilege: 'USAGE', grantable: false }],
    });
    assert.deepEqual(renderForeignData(s, ctx), [
      `CREATE SERVER "Foo Bar" TYPE 'it''s' VERSION '1.0' FOREIGN DATA WRAPPER "we""ird" OPTIONS ("host" 'db.example', "dbname" 'a b')`,
      'GRANT USAGE ON FOREIGN SERVER "Foo Bar" TO PUBLIC',
    ]);
  });

  it('a user mapping for a role and for PUBLIC, on the server named by the caller', () => {
    const m = fd('user mapping', { key: 'pg_user_mapping:7', name: 'ignored', owner: 'Alice B', options: ['user=u', "password=p'w"] });
    assert.deepEqual(renderForeignData(m, ctx, SPACE), [`CREATE USER MAPPING FOR "Alice B" SERVER "Foo Bar" OPTIONS ("user" 'u', "password" 'p''w')`]);
    assert.deepEqual(renderForeignData({ ...m, owner: null, options: null, name: LONG }, ctx), [`CREATE USER MAPPING FOR PUBLIC SERVER "${LONG}"`]);
  });
});

describe('renderLargeObject', () => {
  it('the object by its OID, its owner, privileges and comment', () => {
    const lo = { oid: 424242, owner: 'Alice B', comment: "it's", acl: [{ grantee: 'Alice B', grantor: 'Alice B', privilege: 'SELECT', grantable: false }] };
    assert.deepEqual(renderLargeObject(lo, ownerCtx), [
      'SELECT pg_catalog.lo_create(424242)',
      'ALTER LARGE OBJECT 424242 OWNER TO "Alice B"',
      'REVOKE UPDATE ON LARGE OBJECT 424242 FROM "Alice B"',
      `COMMENT ON LARGE OBJECT 424242 IS 'it''s'`,
    ]);
  });
});

describe('renderDefaultPrivileges', () => {
  it('for the whole database: the difference from the built-in default', () => {
    const d = { key: 'pg_default_acl:8', oid: 8, role: 'Alice B', schema: null, objType: 'f' as const, acl: [{ grantee: 'Alice B', grantor: 'Alice B', privilege: 'EXECUTE', grantable: false }] };
    assert.deepEqual(renderDefaultPrivileges(d, roles), ['ALTER DEFAULT PRIVILEGES FOR ROLE "Alice B" REVOKE ALL ON FUNCTIONS FROM PUBLIC']);
  });

  it('in one schema: grants only, to roles the target has', () => {
    const d = {
      key: 'pg_default_acl:9', oid: 9, role: QUOTE, schema: DOT, objType: 'S' as const,
      acl: [
        { grantee: 'Alice B', grantor: QUOTE, privilege: 'USAGE', grantable: true },
        { grantee: null, grantor: QUOTE, privilege: 'SELECT', grantable: false },
        { grantee: 'absent', grantor: QUOTE, privilege: 'SELECT', grantable: false },
      ],
    };
    assert.deepEqual(renderDefaultPrivileges(d, roles), [
      'ALTER DEFAULT PRIVILEGES FOR ROLE "we""ird" IN SCHEMA "a.b" GRANT USAGE ON SEQUENCES TO "Alice B" WITH GRANT OPTION',
      'ALTER DEFAULT PRIVILEGES FOR ROLE "we""ird" IN SCHEMA "a.b" GRANT SELECT ON SEQUENCES TO PUBLIC',
    ]);
  });
});

describe('renderSystemPrivileges', () => {
  it('grants and revokes on a system object and its columns, for roles the target has', () => {
    assert.deepEqual(renderSystemPrivileges([
      { target: 'FUNCTION pg_catalog.pg_ls_dir(text)', columnName: null, action: 'grant', grantee: 'Alice B', privilege: 'EXECUTE', grantable: true },
      { target: 'TABLE pg_catalog.pg_authid', columnName: 'rol name', action: 'grant', grantee: QUOTE, privilege: 'SELECT', grantable: false },
      { target: 'FUNCTION pg_catalog.now()', columnName: null, action: 'revoke', grantee: null, privilege: 'EXECUTE', grantable: false },
      { target: 'FUNCTION pg_catalog.now()', columnName: null, action: 'grant', grantee: 'absent', privilege: 'EXECUTE', grantable: false },
    ], roles), [
      'GRANT EXECUTE ON FUNCTION pg_catalog.pg_ls_dir(text) TO "Alice B" WITH GRANT OPTION',
      'GRANT SELECT ("rol name") ON TABLE pg_catalog.pg_authid TO "we""ird"',
      'REVOKE EXECUTE ON FUNCTION pg_catalog.now() FROM PUBLIC',
    ]);
  });
});
