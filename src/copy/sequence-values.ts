/** Reads sequence positions on the source (in the snapshot) and sets them on the target. */
import type pg from 'pg';
import type { SequenceRef } from '../plan/plan-model.js';
import { qualified } from '../pg/quote.js';
import { PgferryError } from '../errors.js';

export interface SequenceValue extends SequenceRef {
  lastValue: string;
  isCalled: boolean;
}

/** One round trip for all sequences (in batches, to keep each query small). */
export async function readSequenceValues(source: pg.ClientBase, seqs: SequenceRef[]): Promise<SequenceValue[]> {
  const out: SequenceValue[] = [];
  for (let i = 0; i < seqs.length; i += 500) {
    const batch = seqs.slice(i, i + 500);
    const sql = batch
      .map((s, j) => `SELECT ${j}::int AS i, last_value::text AS v, is_called AS c FROM ${qualified(s.schema, s.name)}`)
      .join(' UNION ALL ');
    const r = await source.query<{ i: number; v: string; c: boolean }>(sql);
    for (const row of r.rows) out.push({ ...batch[row.i], lastValue: row.v, isCalled: row.c });
  }
  return out;
}

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
