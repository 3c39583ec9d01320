/**
 * The statements a copy unit and the sequence positions run, as copyUnit and setSequenceValues
 * run them and `pgferry schema` prints them (load-modes.test.ts and cli.test.ts run them).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unitStatements } from '../../src/copy/copy-unit.js';
import { setvalScript, setvalStatement } from '../../src/copy/sequence-values.js';
import type { CopyUnit } from '../../src/plan/plan-model.js';

const unit: CopyUnit = {
  id: '"Foo Bar"."we""ird"', key: 'pg_class:1', tableId: '"Foo Bar"."we""ird"', schema: 'Foo Bar', table: 'we"ird',
  columns: ['a.b', 'id'], binary: true, referenced: false, bytes: 4 * 1024 * 1024, blocks: 512, estimatedRows: 1000,
};
const T = '"Foo Bar"."we""ird"';

describe('copy unit statements', () => {
  it('a large table: TRUNCATE, then COPY FREEZE from the source COPY', () => {
    assert.deepEqual(unitStatements(unit, 'empty'), {
      read: `COPY ${T} ("a.b", "id") TO STDOUT (FORMAT binary)`,
      clear: `TRUNCATE ONLY ${T}`,
      write: `COPY ${T} ("a.b", "id") FROM STDIN (FORMAT binary, FREEZE)`,
    });
  });

  it('a small table new on the target: no TRUNCATE and no FREEZE; one made in an earlier attempt is truncated', () => {
    const small = { ...unit, bytes: 1000, binary: false };
    assert.deepEqual(unitStatements(small, 'empty'), { read: `COPY ${T} ("a.b", "id") TO STDOUT (FORMAT text)`, clear: undefined, write: `COPY ${T} ("a.b", "id") FROM STDIN (FORMAT text)` });
    assert.equal(unitStatements(small, 'created').clear, `TRUNCATE ONLY ${T}`);
  });

  it('a slice reads its block range and leaves the table to the transaction', () => {
    const s = unitStatements({ ...unit, slice: { fromBlock: 10, toBlock: 20 } }, 'created');
    assert.equal(s.read, `COPY (SELECT "a.b", "id" FROM ONLY ${T} WHERE ctid >= '(10,0)'::pg_catalog.tid AND ctid < '(20,0)'::pg_catalog.tid) TO STDOUT (FORMAT binary)`);
    assert.equal(s.clear, undefined);
    assert.equal(s.write, `COPY ${T} ("a.b", "id") FROM STDIN (FORMAT binary)`);
  });

  it('--data-only into a referenced table deletes its rows instead, without FREEZE', () => {
    const s = unitStatements({ ...unit, referenced: true }, 'existing');
    assert.equal(s.clear, `DELETE FROM ONLY ${T}`);
    assert.equal(s.write, `COPY ${T} ("a.b", "id") FROM STDIN (FORMAT binary)`);
  });

  it("an extension's configuration table replaces only its filter's rows; a table without columns counts and inserts", () => {
    const f = unitStatements({ ...unit, filter: 'WHERE NOT id = 0' }, 'created');
    assert.equal(f.read, `COPY (SELECT "a.b", "id" FROM ONLY ${T} WHERE NOT id = 0) TO STDOUT (FORMAT binary)`);
    assert.equal(f.clear, `DELETE FROM ONLY ${T} WHERE NOT id = 0`);
    const none = unitStatements({ ...unit, columns: [] }, 'created');
    assert.deepEqual(none, { read: `SELECT count(*)::int8 AS n FROM ONLY ${T} `, clear: `TRUNCATE ONLY ${T}`, write: `INSERT INTO ${T} SELECT FROM generate_series(1, $1::int8)` });
  });
});

describe('sequence positions', () => {
  const values = [
    { schema: 'Foo Bar', name: "it's", lastValue: '-9223372036854775808', isCalled: false },
    { schema: 'public', name: 'a.b', lastValue: '106', isCalled: true },
  ];
  it('the run sets them all in one statement, names and values bound', () => {
    assert.deepEqual(setvalStatement(values), {
      text: 'SELECT pg_catalog.setval(u.s::regclass, u.v, u.c) FROM unnest($1::text[], $2::int8[], $3::bool[]) AS u(s, v, c)',
      values: [['"Foo Bar"."it\'s"', '"public"."a.b"'], ['-9223372036854775808', '106'], [false, true]],
    });
  });
  it('the script shows the same calls, one a sequence, the name quoted as a literal', () => {
    assert.deepEqual(setvalScript(values), [
      `SELECT pg_catalog.setval('"Foo Bar"."it''s"'::regclass, -9223372036854775808, false);`,
      `SELECT pg_catalog.setval('"public"."a.b"'::regclass, 106, true);`,
    ]);
    assert.deepEqual(setvalScript([{ schema: 's', name: 'q', lastValue: "1); DROP TABLE x; --'", isCalled: true }]), [
      `SELECT pg_catalog.setval('"s"."q"'::regclass, '1); DROP TABLE x; --'''::int8, true);`,
    ]);
  });
});
