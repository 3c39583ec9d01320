/** Prints a plan as the SQL script pgferry would run, section by section, for review. */
import type { Plan, DdlStep } from '../plan/plan-model.js';
import type { SequenceValue } from '../plan/sequence-values.js';
import { copiesNothing, unitStatements } from '../copy/copy-unit.js';
import { setvalScript } from '../copy/sequence-values.js';
import { maskSecrets } from '../logger.js';

export type Section = 'pre-data' | 'data' | 'post-data';

function steps(out: string[], list: DdlStep[]): void {
  for (const s of list) {
    out.push(`-- ${s.kind} ${s.name}`);
    for (const sql of s.sql) out.push(`${s.secret ? maskSecrets(sql) : sql};`);
    out.push('');
  }
}

/**
 * The plan as SQL text; the data section shows each copy unit's statements and the post-data
 * section the sequences' setval calls, rendered as the run renders them.
 */
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
    // as a first run into tables it has just created: a small table is loaded without TRUNCATE
    out.push('-- ======== data (largest first; each unit in one transaction on the target, as a first run does it)', '');
    for (const u of plan.units) {
      if (copiesNothing(u, 'empty')) {
        out.push(`-- ${u.id}: no pages on the source, nothing to copy`, '');
        continue;
      }
      const sql = unitStatements(u, 'empty');
      out.push(`-- ${u.id}: about ${u.estimatedRows} rows, ${u.bytes} bytes, ${u.binary ? 'binary' : 'text'} format`);
      out.push(`-- on the source: ${sql.read};`);
      if (u.columns.length === 0) out.push('-- no columns: $1 is the count read on the source');
      if (sql.clear !== undefined) out.push(`${sql.clear};`);
      out.push(`${sql.write};`, '');
    }
    if (plan.largeObjects.length) out.push(`-- ${plan.largeObjects.length} large object(s): contents copied with lo_get/lo_put`, '');
  }
  if (sections.includes('post-data')) {
    out.push('-- ======== post-data', '');
    for (const stage of plan.postData) steps(out, stage.steps);
    if (sequenceValues.length) {
      out.push('-- sequence values');
      out.push(...setvalScript(sequenceValues));
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
