/** Sets the source's sequence positions on the target. */
import type pg from 'pg';
import type { SequenceValue } from '../plan/sequence-values.js';
import { qualified } from '../pg/quote.js';
import { PgferryError } from '../errors.js';

/** setval(..., is_called) for every sequence, values as bind parameters; returns how many. */
export async function setSequenceValues(target: pg.ClientBase, values: SequenceValue[]): Promise<number> {
  if (values.length === 0) return 0;
  try {
    await target.query(
      `SELECT pg_catalog.setval(u.s::regclass, u.v, u.c) FROM unnest($1::text[], $2::int8[], $3::bool[]) AS u(s, v, c)`,
      [values.map((v) => qualified(v.schema, v.name)), values.map((v) => v.lastValue), values.map((v) => v.isCalled)],
    );
  } catch (err) {
    throw new PgferryError('PGFERRY_E_DDL', `setting sequence values failed: ${(err as Error).message}`, {
      object: 'sequences', fix: 'check that every sequence exists on the target', cause: err,
    });
  }
  return values.length;
}
