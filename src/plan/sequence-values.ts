/** Reads sequence positions on the source, in the run's snapshot: the values the plan sets on the target. */
import type pg from 'pg';
import type { SequenceRef } from './plan-model.js';
import { qualified } from '../pg/quote.js';
import { PgferryError } from '../errors.js';

export interface SequenceValue extends SequenceRef {
  lastValue: string;
  isCalled: boolean;
}

/**
 * One round trip for all sequences (in batches, to keep each query small). Reading a sequence's
 * row takes SELECT on it (or pg_read_all_data, 14+): USAGE allows nextval and currval, not this,
 * and pg_sequence_last_value, which USAGE does allow, cannot tell a value set with
 * setval(..., false) apart from the start.
 */
export async function readSequenceValues(source: pg.ClientBase, seqs: SequenceRef[]): Promise<SequenceValue[]> {
  const out: SequenceValue[] = [];
  for (let i = 0; i < seqs.length; i += 500) {
    const batch = seqs.slice(i, i + 500);
    const sql = batch
      .map((s, j) => `SELECT ${j}::int AS i, last_value::text AS v, is_called AS c FROM ${qualified(s.schema, s.name)}`)
      .join(' UNION ALL ');
    let r: pg.QueryResult<{ i: number; v: string; c: boolean }>;
    try {
      r = await source.query<{ i: number; v: string; c: boolean }>(sql);
    } catch (err) {
      const denied = (err as { code?: string }).code === '42501';
      throw new PgferryError(denied ? 'PGFERRY_E_PERMISSION' : 'PGFERRY_E_CATALOG', `reading sequence positions failed: ${(err as Error).message}`, {
        object: 'sequences',
        fix: denied ? 'GRANT SELECT ON SEQUENCE (or ALL SEQUENCES IN SCHEMA) to the role: USAGE is not enough to read a position' : 'run with --debug for details',
        cause: err,
      });
    }
    for (const row of r.rows) out.push({ ...batch[row.i], lastValue: row.v, isCalled: row.c });
  }
  return out;
}
