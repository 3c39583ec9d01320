/** Compares sequence positions (last value, is_called) between source and target, under the source's names. */
import type pg from 'pg';
import { displayName } from '../pg/quote.js';
import { readSequenceValues } from '../plan/sequence-values.js';
import type { NameMapper } from '../plan/name-mapping.js';
import { listSequences, type VerifyTable } from './table-inventory.js';
import { sequencesInScope, type ScopeRules } from './verify-scope.js';
import { UNREADABLE } from './table-units.js';

export interface SequenceVerdict {
  sequence: string;
  ok: boolean;
  source: string | null;
  target: string | null;
}

/**
 * One verdict per sequence in scope on either side. A target sequence the source has is in scope
 * when its source is (so one that lost its OWNED BY still meets its source, and stays out with
 * it when its source table is left out); one the source lacks, when the rules put it there (it
 * is extra).
 */
export async function compareSequences(
  src: pg.ClientBase, dst: pg.ClientBase, scope: { rules: ScopeRules; mapper: NameMapper; srcTables: Map<string, VerifyTable>; dstTables: Map<string, VerifyTable> },
): Promise<SequenceVerdict[]> {
  const { rules, mapper } = scope;
  const [allS, allD] = await Promise.all([listSequences(src), listSequences(dst)]);
  const ss = sequencesInScope(allS, scope.srcTables, rules, (schema, name) => ({ schema, name }));
  const wanted = new Set(ss.map((q) => displayName(q.schema, q.name)));
  const back = (schema: string, name: string) => mapper.sourceOf(schema, name);
  const byRules = new Set(sequencesInScope(allD, scope.dstTables, rules, back));
  const onSource = new Set(allS.map((q) => displayName(q.schema, q.name)));
  const ds = allD.filter((q) => {
    const s = back(q.schema, q.name);
    const name = displayName(s.schema, s.name);
    return wanted.has(name) || (!onSource.has(name) && byRules.has(q));
  });
  const readable = <T extends { readable: boolean }>(list: T[]) => list.filter((q) => q.readable);
  const [sVals, dVals] = await Promise.all([readSequenceValues(src, readable(ss)), readSequenceValues(dst, readable(ds))]);
  const fmt = (v: { lastValue: string; isCalled: boolean }) => `${v.lastValue}${v.isCalled ? '' : ' (not called)'}`;
  // each sequence's position as text, or why the role could not read it
  const shown = (vals: { schema: string; name: string; lastValue: string; isCalled: boolean }[], all: { schema: string; name: string; readable: boolean }[]) => [
    ...vals.map((v) => ({ schema: v.schema, name: v.name, text: fmt(v) })),
    ...all.filter((q) => !q.readable).map((q) => ({ schema: q.schema, name: q.name, text: UNREADABLE })),
  ];
  const sMap = new Map(shown(sVals, ss).map((v) => [displayName(v.schema, v.name), v.text]));
  const dMap = new Map(shown(dVals, ds).map((v) => {
    const s = back(v.schema, v.name);
    return [displayName(s.schema, s.name), v.text];
  }));
  return [...new Set([...sMap.keys(), ...dMap.keys()])].sort().map((k) => {
    const a = sMap.get(k) ?? null;
    const b = dMap.get(k) ?? null;
    return { sequence: k, ok: a !== null && a === b && a !== UNREADABLE, source: a, target: b };
  });
}
