/**
 * The exact GRANT and REVOKE statements of render-acl.ts: the difference from each kind's built-in
 * default (MAINTAIN from 17), grantees quoted, roles the target lacks left out.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AclEntry } from '../../src/catalog/model.js';
import { renderAcl } from '../../src/ddl/render-acl.js';
import { LONG, QUOTE } from './catalog-fixture.js';

const roles = new Set(['Alice B', QUOTE, LONG]);
const e = (grantee: string | null, privilege: string, grantable = false, grantor = 'Alice B'): AclEntry => ({ grantee, grantor, privilege, grantable });
const TABLE_PRIVS = ['INSERT', 'SELECT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'];

describe('renderAcl', () => {
  it('a NULL ACL is the default: nothing', () => {
    assert.deepEqual(renderAcl('TABLE "a.b"."we""ird"', 'Alice B', null, roles), []);
  });

  it('a table: the owner\'s full default needs nothing, grants grouped per grantee, WITH GRANT OPTION apart', () => {
    const acl = [...TABLE_PRIVS.map((p) => e('Alice B', p)), e(QUOTE, 'SELECT'), e(QUOTE, 'INSERT', true), e(LONG, 'UPDATE'), e('absent', 'SELECT'), e(null, 'SELECT')];
    assert.deepEqual(renderAcl('TABLE "a.b"."Foo Bar"', 'Alice B', acl, roles, 15), [
      'GRANT SELECT ON TABLE "a.b"."Foo Bar" TO "we""ird"',
      'GRANT INSERT ON TABLE "a.b"."Foo Bar" TO "we""ird" WITH GRANT OPTION',
      `GRANT UPDATE ON TABLE "a.b"."Foo Bar" TO "${LONG}"`,
      'GRANT SELECT ON TABLE "a.b"."Foo Bar" TO PUBLIC',
    ]);
  });

  it('a table of a 17 source lacks MAINTAIN from its owner: REVOKE MAINTAIN; a 15 source\'s owner has all', () => {
    const acl = TABLE_PRIVS.map((p) => e('Alice B', p));
    assert.deepEqual(renderAcl('TABLE "t"', 'Alice B', acl, roles, 17), ['REVOKE MAINTAIN ON TABLE "t" FROM "Alice B"']);
    assert.deepEqual(renderAcl('TABLE "t"', 'Alice B', acl, roles, 15), []);
  });

  it('an owner with fewer privileges than the default: REVOKE those missing, or ALL', () => {
    assert.deepEqual(renderAcl('SEQUENCE "s"', QUOTE, [e(QUOTE, 'SELECT')], roles), ['REVOKE USAGE, UPDATE ON SEQUENCE "s" FROM "we""ird"']);
    assert.deepEqual(renderAcl('SCHEMA "Foo Bar"', QUOTE, [], roles), ['REVOKE ALL ON SCHEMA "Foo Bar" FROM "we""ird"']);
  });

  it('a function without EXECUTE for PUBLIC: REVOKE ALL FROM PUBLIC; an owner the target lacks is not revoked from', () => {
    assert.deepEqual(renderAcl('FUNCTION "a.b"."f"(integer)', 'gone', [e('Alice B', 'EXECUTE')], roles), [
      'REVOKE ALL ON FUNCTION "a.b"."f"(integer) FROM PUBLIC',
      'GRANT EXECUTE ON FUNCTION "a.b"."f"(integer) TO "Alice B"',
    ]);
  });

  it('types, languages, large objects and foreign servers have their own defaults', () => {
    assert.deepEqual(renderAcl('TYPE "a.b"."t"', 'Alice B', [e('Alice B', 'USAGE')], roles), ['REVOKE ALL ON TYPE "a.b"."t" FROM PUBLIC']);
    assert.deepEqual(renderAcl('LANGUAGE "pl"', 'Alice B', [e('Alice B', 'USAGE'), e(null, 'USAGE')], roles), []);
    assert.deepEqual(renderAcl('LARGE OBJECT 1234', 'Alice B', [e('Alice B', 'SELECT'), e('Alice B', 'UPDATE'), e(QUOTE, 'SELECT')], roles), [
      'GRANT SELECT ON LARGE OBJECT 1234 TO "we""ird"',
    ]);
    assert.deepEqual(renderAcl('FOREIGN SERVER "s"', 'Alice B', [e('Alice B', 'USAGE', true)], roles), ['GRANT USAGE ON FOREIGN SERVER "s" TO "Alice B" WITH GRANT OPTION']);
  });
});
