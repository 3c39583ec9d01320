/**
 * The terminal's progress view (src/cli/progress-view.ts) drawn on a stream that says it is a
 * terminal: the overall bar counts the rows of the finished tables and, with a ~, the share of
 * its estimate a table still copying has moved.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { createProgressView } from '../../src/cli/progress-view.js';

/** A writable that looks like a 160-column terminal and keeps what is written. */
function terminal(): { out: NodeJS.WriteStream; text: () => string } {
  const s = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
  let text = '';
  s.on('data', (d: Buffer) => (text += d.toString()));
  Object.assign(s, { isTTY: true, columns: 160, rows: 40, cursorTo: () => true, moveCursor: () => true, clearLine: () => true, clearScreenDown: () => true });
  return { out: s, text: () => text };
}

describe('progress view', () => {
  it("the overall bar's rows: the finished tables' counts, then ~ with the estimate of the ones copying", async () => {
    const { out, text } = terminal();
    const view = createProgressView(out);
    const MB = 1024 * 1024;
    view({ type: 'plan', schemas: 1, tables: 2, objects: 2, units: 2, bytes: 20 * MB, notes: [], skipped: [] } as never);
    view({ type: 'phase-start', phase: 'data', steps: 2 } as never);
    view({ type: 'unit-start', unit: 'public.a', bytes: 10 * MB, estimatedRows: 1000 } as never);
    view({ type: 'unit-done', unit: 'public.a', rows: 1000, bytes: 10 * MB, seconds: 1 } as never);
    view({ type: 'unit-start', unit: 'public.b', bytes: 10 * MB, estimatedRows: 4000 } as never);
    view({ type: 'unit-progress', unit: 'public.b', bytes: 5 * MB } as never);
    // the bars redraw on a timer (8 a second)
    await new Promise((r) => setTimeout(r, 300));
    assert.match(text(), /all tables \(1 of 2 done\)\s*\|[^|]*\| 75% ~3,000 rows/);
    view({ type: 'unit-done', unit: 'public.b', rows: 4100, bytes: 10 * MB, seconds: 2 } as never);
    view({ type: 'phase-end', phase: 'data', seconds: 3 } as never);
    // the summary stops the bars (and their timer)
    view({ type: 'summary', summary: { runId: 'r', objectsCreated: 2, tablesCopied: 2, rowsCopied: 5100, bytesCopied: 20 * MB, sequencesSet: 0, skipped: [], failures: [], phaseSeconds: { data: 3 }, totalSeconds: 3, dataSnapshots: 1 } } as never);
    assert.match(text(), /tables copied: {3}2 \(5,100 rows/);
    assert.doesNotMatch(text(), / \d+% {2}rows/, 'never an empty rows field');
  });
});
