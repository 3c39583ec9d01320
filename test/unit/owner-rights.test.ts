/**
 * The owner decisions and the statements they produce for an ordinary target account, stated
 * as SQL (target-rights.test.ts runs them against real servers).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OwnerRights, ownersWarning } from '../../src/ddl/owner-rights.js';
import { ownerAndPrivileges, ownerTo, type OwnershipContext } from '../../src/ddl/common.js';
import { renderSchema } from '../../src/ddl/render-types.js';
import { asAccountMay } from '../../src/plan/account-limits.js';
import { runConnections } from '../../src/plan/run-connections.js';
import type { TargetAccount } from '../../src/pg/target-account.js';
import type { FunctionObj, SchemaObj } from '../../src/catalog/model.js';

function account(over: Partial<TargetAccount> = {}): TargetAccount {
  return {
    user: 'acct', superuser: false, serverVersion: 170000, createOnDatabase: true,
    roles: new Set(['acct', 'postgres', 'kept', 'other', 'reader', 'pg_database_owner']), superusers: new Set(['postgres']),
    actsAs: new Set(['acct', 'kept', 'pg_database_owner']), keepable: new Set(['acct', 'kept']), defaultPrivilegeRoles: new Set(['acct', 'kept']),
    privilegesOf: new Map([['acct', new Set(['acct', 'kept'])], ['kept', new Set(['kept'])]]), keepableCreateOnDatabase: new Set(['acct']),
    createInSchema: new Map([['public', new Set(['acct'])]]), languages: new Map([['internal', false], ['plpgsql', true]]),
    installedExtensions: new Map(), usableWrappers: new Set(), replicaRole: false,
    ...over,
  };
}

const ownerAcl = (owner: string) =>
  ['INSERT', 'SELECT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'].map((privilege) => ({ grantee: owner, grantor: owner, privilege, grantable: false }));

const schema = (name: string, owner: string, acl: SchemaObj['acl'] = null): SchemaObj => ({ key: `pg_namespace:${name}`, oid: 1, schema: name, name, owner, comment: null, acl });

function context(a: TargetAccount, schemas: SchemaObj[], targetSchemas = new Map([['public', 'pg_database_owner']])): OwnershipContext {
  const rights = new OwnerRights(a);
  rights.planSchemas(schemas, targetSchemas, true, true);
  return { applyOwners: true, applyPrivileges: true, targetUser: a.user, targetRoles: a.roles, rights };
}

describe('owner rights of an ordinary target account', () => {
  it('keeps an owner it may SET ROLE to and act for, when that owner may create in the schema', () => {
    const ctx = context(account(), [schema('app', 'postgres', [{ grantee: 'kept', grantor: 'postgres', privilege: 'CREATE', grantable: false }]), schema('bare', 'postgres')]);
    assert.deepEqual(ownerTo('TABLE "app"."t"', 'kept', ctx, { schema: 'app' }), ['ALTER TABLE "app"."t" OWNER TO "kept"']);
    // no CREATE for kept in bare (owned by the account, since postgres cannot be kept): stays with the account
    assert.deepEqual(ownerTo('TABLE "bare"."t"', 'kept', ctx, { schema: 'bare' }), []);
    assert.deepEqual(ownerTo('TABLE "app"."u"', 'other', ctx, { schema: 'app' }), []);
    // the object stays with the account and its grants are applied all the same
    assert.deepEqual(
      ownerAndPrivileges('TABLE "app"."v"', { owner: 'postgres', schema: 'app', acl: [...ownerAcl('postgres'), { grantee: 'reader', grantor: 'postgres', privilege: 'SELECT', grantable: false }] }, { ...ctx, sourceMajor: 15 }),
      ['GRANT SELECT ON TABLE "app"."v" TO "reader"'],
    );
    assert.deepEqual(ctx.rights!.notKept().map((o) => [o.role, o.objects, o.reasons.map((r) => r.kind)]), [
      ['kept', ['TABLE "bare"."t"'], ['no-create']],
      ['other', ['TABLE "app"."u"'], ['not-member']],
      ['postgres', ['TABLE "app"."v"'], ['not-member']],
    ]);
    const w = ownersWarning([], ctx.rights!.notKept(), account())!;
    assert.match(w.fix, /to keep other: GRANT "other" TO "acct" WITH INHERIT TRUE, SET TRUE on the target/);
    assert.match(w.fix, /to keep kept in schema bare: GRANT CREATE ON SCHEMA "bare" TO "kept" on the source/);
  });

  it('asks a superuser account nothing, except that an event trigger belongs to a superuser', () => {
    const ctx = context(account({ superuser: true }), [schema('app', 'postgres')]);
    assert.deepEqual(ownerTo('TABLE "app"."t"', 'other', ctx, { schema: 'app' }), ['ALTER TABLE "app"."t" OWNER TO "other"']);
    assert.deepEqual(ownerTo('EVENT TRIGGER "e"', 'other', ctx, 'superuser'), []);
    assert.deepEqual(ownerTo('EVENT TRIGGER "e"', 'postgres', ctx, 'superuser'), ['ALTER EVENT TRIGGER "e" OWNER TO "postgres"']);
  });

  it('leaves an existing schema it does not act for as the target has it, and changes public through pg_database_owner', () => {
    const a = account();
    const ctx = context(a, [schema('public', 'postgres')], new Map([['public', 'postgres']]));
    assert.deepEqual(renderSchema({ ...schema('public', 'postgres'), comment: 'x' }, ctx, 'postgres'), []);
    assert.match(ctx.rights!.notes[0], /^schema public exists on the target, owned by postgres, which acct does not act for/);
    const own = context(a, [schema('public', 'postgres', [{ grantee: null, grantor: 'postgres', privilege: 'CREATE', grantable: false }])]);
    assert.deepEqual(renderSchema({ ...schema('public', 'postgres', [{ grantee: null, grantor: 'postgres', privilege: 'CREATE', grantable: false }]), comment: 'x' }, own, 'pg_database_owner'), [
      'REVOKE ALL ON SCHEMA "public" FROM "postgres"',
      'GRANT CREATE ON SCHEMA "public" TO PUBLIC',
      `COMMENT ON SCHEMA "public" IS 'x'`,
    ]);
  });

  it('drops LEAKPROOF and SUPPORT from the attributes line only, and says so', () => {
    const f: FunctionObj = {
      key: 'pg_proc:1', oid: 1, schema: 'app', name: 'f', owner: 'postgres', comment: null, acl: null, kind: 'f', language: 'sql', identityArgs: 'i integer',
      definition: "CREATE OR REPLACE FUNCTION app.f(i integer)\n RETURNS integer\n LANGUAGE sql\n IMMUTABLE STRICT LEAKPROOF\n SET search_path TO 'LEAKPROOF'\nAS $function$select i$function$\n",
    };
    const notes: string[] = [];
    const note = (n: string) => notes.push(n);
    assert.equal(asAccountMay(f, account(), note).definition, "CREATE OR REPLACE FUNCTION app.f(i integer)\n RETURNS integer\n LANGUAGE sql\n IMMUTABLE STRICT\n SET search_path TO 'LEAKPROOF'\nAS $function$select i$function$\n");
    assert.deepEqual(notes, ['function app.f(i integer) is created without LEAKPROOF: only a superuser may set it (acct is not one)']);
    assert.equal(asAccountMay(f, account({ superuser: true }), note), f);
    const supported = { ...f, definition: 'CREATE OR REPLACE FUNCTION app.f(i integer)\n RETURNS SETOF integer\n LANGUAGE sql\n IMMUTABLE LEAKPROOF STRICT SUPPORT generate_series_int4_support\nAS $function$ SELECT 1 $function$\n' };
    assert.equal(asAccountMay(supported, account(), note).definition, 'CREATE OR REPLACE FUNCTION app.f(i integer)\n RETURNS SETOF integer\n LANGUAGE sql\n IMMUTABLE STRICT\nAS $function$ SELECT 1 $function$\n');
    assert.match(notes[1], /without LEAKPROOF and SUPPORT: only a superuser may set them/);
  });

  it('counts the connections a run opens as run-migration.ts opens them', () => {
    // source: leader + 2 copy pairs; target: leader + lock + 2 pre-data extra / 2 pairs / 2 post-data
    assert.deepEqual(runConnections(2, 10, 0), { source: 3, target: 4 });
    assert.deepEqual(runConnections(1, 10, 0), { source: 2, target: 3 });
    // catalog readers: leader + 7 while the catalog is read; one table, no large objects: one pair
    assert.deepEqual(runConnections(8, 1, 0), { source: 8, target: 10 });
    assert.deepEqual(runConnections(4, 0, 5), { source: 5, target: 6 });
  });
});
