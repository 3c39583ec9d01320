/** Prints a plan as the SQL script pgferry would run, section by section, for review. */
import type { Plan, DdlStep } from '../plan/plan-model.js';
import type { SequenceValue } from '../plan/sequence-values.js';
import { qualified, ident, literal } from '../pg/quote.js';
import { maskSecrets } from '../logger.js';

export type Section = 'pre-data' | 'data' | 'post-data';

function steps(out: string[], list: DdlStep[]): void {
  for (const s of list) {
    out.push(`-- ${s.kind} ${s.name}`);
    for (const sql of s.sql) out.push(`${s.secret ? maskSecrets(sql) : sql};`);
    out.push('');
  }
}

/** The plan as SQL text; the data section shows each copy unit as a comment and COPY statement. */
export function renderPlanScript(plan: Plan, sequenceValues: SequenceValue[], sections: Section[]): string {
  const out: string[] = [];
  if (plan.skipped.length) {
    out.push(`-- skipped objects (${plan.skipped.length}): not created`);
    for (const s of plan.skipped) out.push(`--   ${s.kind} ${s.name}: ${s.reason}`);
    out.push('');
  }
  if (sections.includes('pre-data')) {
    out.push('-- ======== pre-data', '');
    steps(out, plan.preData);
  }
  if (sections.includes('data')) {
    out.push('-- ======== data (largest first; each unit is TRUNCATE + COPY in one transaction)', '');
    for (const u of plan.units) {
      out.push(`-- ${u.id}: about ${u.estimatedRows} rows, ${u.bytes} bytes, ${u.binary ? 'binary' : 'text'} format`);
      out.push(`COPY ${qualified(u.schema, u.table)} (${u.columns.map(ident).join(', ')}) FROM STDIN;`, '');
    }
    if (plan.largeObjects.length) out.push(`-- ${plan.largeObjects.length} large object(s): contents copied with lo_get/lo_put`, '');
  }
  if (sections.includes('post-data')) {
    out.push('-- ======== post-data', '');
    for (const stage of plan.postData) steps(out, stage.steps);
    if (sequenceValues.length) {
      out.push('-- sequence values');
      for (const v of sequenceValues) out.push(`SELECT pg_catalog.setval(${literal(qualified(v.schema, v.name))}, ${v.lastValue}, ${v.isCalled});`);
      out.push('');
    }
    if (plan.renames.length) {
      out.push('-- ======== object name mapping (after everything else)', '');
      steps(out, plan.renames);
    }
  }
  const notes = [...plan.notes, ...plan.selectionNotes];
  if (notes.length) {
    out.push('-- notes');
    for (const n of notes) out.push(`--   ${n}`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}
