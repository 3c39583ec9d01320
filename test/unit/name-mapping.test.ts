/**
 * The name mapping (src/plan/name-mapping.ts) on a hand-made catalog with hostile names: the
 * mapper both ways, the one rename step and its order, what makes a mapping impossible, and the
 * notes on what follows a rename and what does not (text function bodies).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Catalog, FunctionObj } from '../../src/catalog/model.js';
import { mappingNotes, mappingProblems, NameMapper, needsColumnDepends, renamesAnything, renameStep, type NameMapping } from '../../src/plan/name-mapping.js';
import { column, DOT, emptyCatalog, index, LONG, QUOTE, relation, schema, sequence, SPACE } from './catalog-fixture.js';

const fn = (oid: number, name: string, definition: string): FunctionObj => ({
  key: `pg_proc:${oid}`, oid, schema: SPACE, name, owner: 'postgres', comment: null, acl: null, kind: 'f', language: 'plpgsql', identityArgs: '', definition,
});

/** `Foo Bar`: table `a.b` (id, `we"ird`), view v on it, sequence s, index i; child inheriting a column; two functions. */
function mappingCatalog(): Catalog {
  const ab = relation(10, SPACE, DOT, [column('id'), column(QUOTE)]);
  return emptyCatalog({
    schemas: [schema(1, SPACE), schema(2, 'other')],
    relations: [
      ab,
      relation(11, SPACE, 'v', [column('id')], { relkind: 'v', viewDefinition: 'SELECT 1' }),
      relation(12, SPACE, 'child', [column('id', { isLocal: false })], { parents: [{ schema: SPACE, name: DOT, oid: 10 }] }),
    ],
    sequences: [sequence(13, SPACE, 's'), sequence(14, SPACE, 'ident', { identity: true, ownedBy: { tableOid: 10, schema: SPACE, table: DOT, column: 'id' } })],
    indexes: [index(15, ab, 'i', 'CREATE INDEX i ON "Foo Bar"."a.b" USING btree (id)')],
    functions: [
      fn(20, 'text_body', 'CREATE FUNCTION ... AS $$ BEGIN PERFORM 1 FROM "Foo Bar"."a.b"; END $$'),
      fn(21, 'atomic', 'CREATE FUNCTION ... BEGIN ATOMIC SELECT 1 FROM "a.b"; END'),
    ],
    depends: [['pg_class:11', 'pg_class:10']],
    columnDepends: [{ key: 'pg_class:11', relOid: 10, columnName: QUOTE }],
  });
}

describe('needsColumnDepends and renamesAnything', () => {
  it('column lists or column renames need column dependencies; a mapping to the same name renames nothing', () => {
    assert.equal(needsColumnDepends(undefined, undefined), false);
    assert.equal(needsColumnDepends({ excludeColumns: ['t.c'] }, undefined), true);
    assert.equal(needsColumnDepends(undefined, { columns: [{ schema: 's', table: 't', from: 'c', to: 'c' }] }), true);
    assert.equal(renamesAnything(undefined), false);
    assert.equal(renamesAnything({ schemas: [{ from: 'a', to: 'a' }], tables: [] }), false);
    assert.equal(renamesAnything({ tables: [{ schema: 's', from: 'a', to: 'b' }] }), true);
  });
});

describe('NameMapper', () => {
  const m = new NameMapper({
    schemas: [{ from: SPACE, to: 'x.y' }],
    tables: [{ schema: SPACE, from: DOT, to: QUOTE }],
    columns: [{ schema: SPACE, table: DOT, from: 'id', to: LONG }],
  });

  it('maps source names to target names; unmapped ones stay', () => {
    assert.deepEqual(m.table(SPACE, DOT), { schema: 'x.y', name: QUOTE });
    assert.deepEqual(m.table(SPACE, 'v'), { schema: 'x.y', name: 'v' });
    assert.deepEqual(m.table('other', DOT), { schema: 'other', name: DOT });
    assert.equal(m.column(SPACE, DOT, 'id'), LONG);
    assert.equal(m.column(SPACE, DOT, QUOTE), QUOTE);
  });

  it('sourceOf maps back; a target name that was mapped away matches no source name', () => {
    assert.deepEqual(m.sourceOf('x.y', QUOTE), { schema: SPACE, name: DOT });
    assert.deepEqual(m.sourceOf('other', 't'), { schema: 'other', name: 't' });
    assert.deepEqual(m.sourceOf(SPACE, 't'), { schema: `\0${SPACE}`, name: 't' });
    assert.deepEqual(m.sourceOf('x.y', DOT), { schema: SPACE, name: `\0${DOT}` });
  });
});

describe('renameStep', () => {
  const mapping: NameMapping = {
    schemas: [{ from: SPACE, to: 'x.y' }, { from: 'other', to: 'other' }],
    tables: [{ schema: SPACE, from: DOT, to: QUOTE }, { schema: SPACE, from: 'v', to: 'View 2' }, { schema: SPACE, from: 's', to: LONG }, { schema: SPACE, from: 'missing', to: 'x' }],
    columns: [{ schema: SPACE, table: DOT, from: QUOTE, to: 'plain' }],
  };

  it('columns first under the source names, then relations with their own verb, then schemas', () => {
    assert.deepEqual(renameStep(mappingCatalog(), mapping, () => true), {
      key: 'renames', kind: 'rename', name: 'object name mapping',
      sql: [
        'ALTER TABLE "Foo Bar"."a.b" RENAME COLUMN "we""ird" TO "plain"',
        'ALTER TABLE "Foo Bar"."a.b" RENAME TO "we""ird"',
        'ALTER VIEW "Foo Bar"."v" RENAME TO "View 2"',
        `ALTER SEQUENCE "Foo Bar"."s" RENAME TO "${LONG}"`,
        'ALTER SCHEMA "Foo Bar" RENAME TO "x.y"',
      ],
      deps: ['pg_class:10', 'pg_class:11', 'pg_class:13', 'pg_namespace:1'],
    });
  });

  it('objects the plan does not create are not renamed; nothing left: no step', () => {
    const step = renameStep(mappingCatalog(), mapping, (k) => k !== 'pg_class:10' && k !== 'pg_namespace:1');
    assert.deepEqual(step?.sql, ['ALTER VIEW "Foo Bar"."v" RENAME TO "View 2"', `ALTER SEQUENCE "Foo Bar"."s" RENAME TO "${LONG}"`]);
    assert.equal(renameStep(mappingCatalog(), mapping, () => false), null);
  });
});

describe('mappingProblems', () => {
  it('a good mapping has none', () => {
    assert.deepEqual(mappingProblems(mappingCatalog(), { tables: [{ schema: SPACE, from: DOT, to: LONG }] }, undefined), []);
  });

  it('missing names, a name over 63 bytes, an inherited column, two objects given one name', () => {
    const tooLong = `${LONG}é`;
    const problems = mappingProblems(mappingCatalog(), {
      schemas: [{ from: 'nope', to: 'x' }, { from: 'other', to: SPACE }],
      tables: [{ schema: SPACE, from: 'gone', to: 'y' }, { schema: SPACE, from: DOT, to: tooLong }, { schema: SPACE, from: 'v', to: 'i' }],
      columns: [{ schema: SPACE, table: DOT, from: 'nope', to: 'z' }, { schema: SPACE, table: 'child', from: 'id', to: 'k' }, { schema: SPACE, table: DOT, from: QUOTE, to: 'id' }],
    }, undefined);
    assert.deepEqual(problems, [
      'schema nope is mapped, but the source has no such schema',
      'table "Foo Bar".gone is mapped, but the source has no such table, view or sequence',
      `table "Foo Bar"."a.b" is mapped to "${tooLong}", 65 bytes: PostgreSQL names have at most 63`,
      'column "Foo Bar"."a.b".nope is mapped, but the source has no such column',
      'column "Foo Bar".child.id is inherited: map it on the parent table, whose children follow',
      'schema "Foo Bar" and schema other would both be named "Foo Bar" on the target',
      '"Foo Bar".v and index "Foo Bar".i would both be named "Foo Bar".i (tables, views, sequences and indexes share one namespace)',
      'column "Foo Bar"."a.b".id and column "Foo Bar"."a.b"."we""ird" would both be named id in one table',
    ]);
  });

  it('a table renamed to the name of one of its schema\'s types clashes (its row type would)', () => {
    const cat = mappingCatalog();
    cat.enums.push({ key: 'pg_type:17001', oid: 17001, schema: SPACE, name: 'mood', owner: 'postgres', comment: null, acl: null, labels: ['ok'] });
    assert.deepEqual(mappingProblems(cat, { tables: [{ schema: SPACE, from: DOT, to: 'mood' }] }, undefined), [
      '"Foo Bar"."a.b" and type "Foo Bar".mood would both be named "Foo Bar".mood (a table\'s or view\'s row type and the schema\'s types share one namespace)',
    ]);
  });

  it('a name the selection leaves out cannot be mapped', () => {
    // the column pattern names the schema: `a.b.we"ird` alone would read as table b of schema a
    assert.deepEqual(mappingProblems(mappingCatalog(), { tables: [{ schema: SPACE, from: 'v', to: 'w' }], columns: [{ schema: SPACE, table: DOT, from: QUOTE, to: 'q' }] }, {
      excludeTables: ['v'], excludeColumns: [`${SPACE}.${DOT}.${QUOTE}`],
    }), [
      'table "Foo Bar".v is mapped, but the selection leaves it out',
      'column "Foo Bar"."a.b"."we""ird" is mapped, but the selection leaves it out',
    ]);
  });
});

describe('mappingNotes', () => {
  it('what PostgreSQL rewrites follows; a text body that mentions the old name is named', () => {
    const notes = mappingNotes(mappingCatalog(), {
      tables: [{ schema: SPACE, from: DOT, to: 'ab' }],
      columns: [{ schema: SPACE, table: DOT, from: QUOTE, to: 'w' }],
    }, () => true);
    assert.deepEqual(notes, [
      '"Foo Bar"."a.b" is renamed to ab after the migration; view "Foo Bar".v follows the rename (PostgreSQL rewrites it); ' +
        'function "Foo Bar".text_body() mentions "a.b" in a text body, which a rename does not rewrite: change it on the target',
      'column "Foo Bar"."a.b"."we""ird" is renamed to w after the migration; view "Foo Bar".v follows the rename (PostgreSQL rewrites it)',
    ]);
  });
});
