/** Prints a precheck report for a person: one line per item, then its objects and fix. */
import type { PrecheckReport } from '../precheck/run-precheck.js';
import { redact } from '../logger.js';
import { firstOf } from '../precheck/precheck-model.js';

const MARK = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' } as const;

/** Items in order, each `PASS|WARN|FAIL title: detail`, indented objects (the first 20) and fix, then the verdict. */
export function printPrecheck(r: PrecheckReport, out: NodeJS.WritableStream): void {
  for (const i of r.items) {
    out.write(`${MARK[i.status]} ${i.title}: ${redact(i.detail)}\n`);
    // the first 20 of an item's objects; --json (and the console, on demand) has them all
    for (const o of firstOf(i.objects ?? [])) out.write(`       ${o}\n`);
    if (i.fix && i.status !== 'pass') out.write(`       fix: ${i.fix}\n`);
  }
  const count = (s: 'warn' | 'fail') => r.items.filter((i) => i.status === s).length;
  out.write(`precheck: ${r.passed ? 'PASSED' : 'FAILED'} (${r.items.length} items, ${count('fail')} failed, ${count('warn')} warnings)\n`);
}
