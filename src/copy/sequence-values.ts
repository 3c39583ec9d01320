/** Sets the source's sequence positions on the target. */
import type pg from 'pg';
import type { SequenceValue } from '../plan/sequence-values.js';
import { literal, qualified } from '../pg/quote.js';
import { PgferryError } from '../errors.js';

/** The one setval call both forms make: `sequence` as text cast to regclass, the value and is_called. */
function setvalCall(sequence: string, value: string, isCalled: string): string {
  return `pg_catalog.setval(${sequence}::regclass, ${value}, ${isCalled})`;
}

/**
 * The statement setSequenceValues runs: setval for every sequence in one round trip, names and
 * values as bind parameters.
 */
export function setvalStatement(values: SequenceValue[]): { text: string; values: [string[], string[], boolean[]] } {
  return {
    text: `SELECT ${setvalCall('u.s', 'u.v', 'u.c')} FROM unnest($1::text[], $2::int8[], $3::bool[]) AS u(s, v, c)`,
    values: [values.map((v) => qualified(v.schema, v.name)), values.map((v) => v.lastValue), values.map((v) => v.isCalled)],
  };
}

/**
 * The same setval calls as a script to read (`pgferry schema`), one statement per sequence, the
 * values inlined: the run's statement with its three arrays inlined would not show which value
 * goes with which sequence.
 */
export function setvalScript(values: SequenceValue[]): string[] {
  // last_value::text of an int8 is digits; anything else is quoted and cast as the run binds it
  const int8 = (v: string) => (/^-?[0-9]+$/.test(v) ? v : `${literal(v)}::int8`);
  return values.map((v) => `SELECT ${setvalCall(literal(qualified(v.schema, v.name)), int8(v.lastValue), String(v.isCalled))};`);
}

/** setval(..., is_called) for every sequence, values as bind parameters; returns how many. */
export async function setSequenceValues(target: pg.ClientBase, values: SequenceValue[]): Promise<number> {
  if (values.length === 0) return 0;
  try {
    const statement = setvalStatement(values);
    await target.query(statement.text, statement.values);
  } catch (err) {
    throw new PgferryError('PGFERRY_E_DDL', `setting sequence values failed: ${(err as Error).message}`, {
      object: 'sequences', fix: 'check that every sequence exists on the target', cause: err,
    });
  }
  return values.length;
}
