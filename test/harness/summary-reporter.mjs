/**
 * A node:test reporter that run-tests.ts adds beside TAP: one JSON line per skipped test or suite
 * (file, name, reason) and one per test file (the time of its top-level tests), so that the run
 * can end by saying how many tests were skipped and why, and where the time went. Plain
 * JavaScript: node 20 loads reporters before tsx's hooks are in place.
 */
import path from 'node:path';
import process from 'node:process';

/**
 * The reporter: node:test's event stream in, JSON lines out
 * (`{kind: 'skip', file, name, suite, reason}`, then `{kind: 'file', file, ms}` per file).
 * @param {AsyncIterable<{type: string, data: {name: string, nesting: number, file?: string, skip?: string | boolean, details?: {duration_ms?: number, type?: string}}}>} source
 */
export default async function* summaryReporter(source) {
  const fileMs = new Map();
  const open = []; // names of the suites around the current test, by nesting
  for await (const { type, data } of source) {
    if (type === 'test:start') open.splice(data.nesting, Infinity, data.name);
    if (type !== 'test:pass' && type !== 'test:fail') continue;
    const file = data.file ? path.relative(process.cwd(), data.file) : '';
    if (data.nesting === 0) fileMs.set(file, (fileMs.get(file) ?? 0) + (data.details?.duration_ms ?? 0));
    // a skipped suite's tests are neither run nor counted: it is reported as one skip, marked suite
    if (data.skip !== undefined && data.skip !== false) {
      const reason = data.skip === true ? '(no reason given)' : data.skip;
      const name = [...open.slice(0, data.nesting), data.name].join(' › ');
      yield `${JSON.stringify({ kind: 'skip', file, name, suite: data.details?.type === 'suite', reason })}\n`;
    }
  }
  for (const [file, ms] of fileMs) yield `${JSON.stringify({ kind: 'file', file, ms: Math.round(ms) })}\n`;
}
