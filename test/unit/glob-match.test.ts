/**
 * Selection globs without regular expressions: the semantics of the regex they replace (a table of
 * cases and a random equivalence check), the limits, and the pattern that backtracked for 36.8 s
 * (`*a*a*a*a*a*a*a*b` on a 63-byte name) finishing in milliseconds.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { PgferryError } from '../../src/errors.js';
import {
  MAX_GLOB_LENGTH, MAX_LITERAL_GLOBS, MAX_WILDCARD_GLOBS, compileGlobs, globListProblem,
} from '../../src/config/glob-match.js';
import { columnMatcher, selectionMatchers } from '../../src/plan/selection.js';

/** The matcher this module replaced, with `s` so that `.` also takes line terminators (see below). */
function reference(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}

const matches = (pattern: string, name: string) => compileGlobs([pattern])(name);

/** A small seeded generator, so that a failing case comes back on the next run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('glob matching', () => {
  it('matches like the regex it replaces, case by case', () => {
    const cases: [pattern: string, name: string, expected: boolean][] = [
      ['orders', 'orders', true], ['orders', 'Orders', false], ['orders', 'orders2', false], ['orders', 'xorders', false],
      ['*', '', true], ['*', 'anything at all', true], ['**', '', true], ['**', 'ab', true], ['a**b', 'ab', true], ['a**b', 'axyb', true],
      ['*a*', 'a', true], ['*a*', 'bbb', false], ['a*', 'a', true], ['*a', 'ba', true], ['*a', 'ab', false],
      ['a*a', 'a', false], ['a*a', 'aa', true], ['ab*ba', 'aba', false], ['ab*ba', 'abba', true],
      ['?', '', false], ['?', 'x', true], ['?', 'xy', false], ['??', 'xy', true],
      ['?rders', 'orders', true], ['order?', 'orders', true], ['order?', 'order', false], ['?*?', 'x', false], ['?*?', 'xy', true],
      ['*?', '', false], ['?*', 'q', true], ['a?c*d?f', 'abcXXdef', true], ['a?c*d?f', 'abcdf', false],
      ['public.t', 'public.t', true], ['public.t', 'publicXt', false], ['public.*', 'public.t', true], ['public.*', 'publicX', false],
      ['f(x)', 'f(x)', true], ['f(x)', 'fx', false], ['[ab]', 'a', false], ['[ab]', '[ab]', true], ['a+', 'aa', false], ['a+', 'a+', true],
      ['$x^', '$x^', true], ['a\\b', 'a\\b', true], ['a\\b', 'ab', false], ['a{2}', 'aa', false], ['a|b', 'a', false], ['a|b', 'a|b', true],
      ['*.*', 'a.b', true], ['*.*', 'ab', false], ['we"ird*', 'we"ird table', true], ['Ünï*', 'Ünïcode', true], ['ünï*', 'Ünïcode', false],
      ['*a*a*a*a*a*a*a*b', 'a'.repeat(63), false], ['*a*a*a*a*a*a*a*b', `${'a'.repeat(62)}b`, true],
      ['*aab', 'aaab', true], ['*abab', 'abaabab', true], ['a*b*c', 'acb', false], ['a*b*c', 'abcbc', true],
      // `?` is one UTF-16 code unit, as with the regex: a character outside the BMP takes two
      ['a?', 'a😀', false], ['a??', 'a😀', true], ['*😀*', 'x😀y', true],
    ];
    for (const [pattern, name, expected] of cases) {
      assert.equal(matches(pattern, name), expected, `${JSON.stringify(pattern)} on ${JSON.stringify(name)}`);
      // (not the long ones: on those the reference is the attack)
      if (name.length < 20) assert.equal(reference(pattern).test(name), expected, `the reference agrees on ${JSON.stringify(pattern)} / ${JSON.stringify(name)}`);
    }
  });

  it('lets * and ? take line terminators, which the old regex did not (a deliberate fix)', () => {
    assert.equal(matches('*', 'a\nb'), true);
    assert.equal(matches('a?b', 'a\rb'), true);
    assert.equal(matches('a*b', 'a\u2028b'), true);
    assert.equal(new RegExp('^.*$').test('a\nb'), false, 'what the old matcher did');
  });

  it('agrees with a reference regex on thousands of random short patterns and names', () => {
    const next = random(20240611);
    const pick = (alphabet: string[], max: number) => Array.from({ length: Math.floor(next() * (max + 1)) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
    let hits = 0;
    for (let n = 0; n < 5000; n++) {
      const pattern = pick(['a', 'b', '.', '*', '*', '?', '(', '\\'], 8);
      const names = Array.from({ length: 4 }, () => pick(['a', 'b', '.', '\n', '(', '\\'], 10));
      for (const name of names) {
        const expected = reference(pattern).test(name);
        if (expected) hits++;
        assert.equal(matches(pattern, name), expected, `${JSON.stringify(pattern)} on ${JSON.stringify(name)}`);
      }
      // a list matches when any of its patterns does, plain names from the Set included
      const list = [pattern, ...names.slice(0, 1)];
      for (const name of names) assert.equal(compileGlobs(list)(name), list.some((p) => reference(p).test(name)));
    }
    assert.ok(hits > 1000, `the random cases match often enough to test something (${hits} matches)`);
  });

  it('finishes the patterns that made the regex backtrack for half a minute in milliseconds', (t) => {
    const name = 'a'.repeat(63);
    const attacks = [
      '*a*a*a*a*a*a*a*b',
      `${'*a'.repeat(127)}*b`,
      `${'*a?'.repeat(85)}*`.slice(0, MAX_GLOB_LENGTH - 1) + 'b',
      `*${'?'.repeat(60)}*${'a?'.repeat(96)}b`,
    ];
    for (const pattern of attacks) {
      assert.ok(pattern.length <= MAX_GLOB_LENGTH);
      const started = performance.now();
      const test = compileGlobs([pattern]);
      let matched = false;
      for (let i = 0; i < 100; i++) matched = test(name) || matched;
      const ms = performance.now() - started;
      t.diagnostic(`${pattern.length}-character pattern ${JSON.stringify(pattern.slice(0, 24))}..., 100 times on a 63-byte name: ${ms.toFixed(2)} ms`);
      assert.equal(matched, false);
      assert.ok(ms < 1000, `took ${ms} ms`); // backtracking took seconds; 1 s leaves room for a busy machine
    }
  });

  it('refuses patterns and lists over the limits with a usage error that names the list', () => {
    assert.equal(MAX_GLOB_LENGTH, 256);
    assert.equal(MAX_WILDCARD_GLOBS, 100);
    assert.equal(MAX_LITERAL_GLOBS, 10_000);
    const usage = (field: string, limit: RegExp) => (e: unknown) =>
      e instanceof PgferryError && e.code === 'PGFERRY_E_USAGE' && e.object === field && limit.test(e.message) && Boolean(e.fix);
    assert.equal(compileGlobs(['x'.repeat(256)])('x'.repeat(256)), true);
    assert.throws(() => compileGlobs(['*', 'x'.repeat(257)], 'includeTables'), usage('includeTables', /257 characters; at most 256/));
    const wild = Array.from({ length: 100 }, (_, i) => `t${i}_*`);
    assert.equal(compileGlobs(wild)('t99_x'), true);
    assert.throws(() => compileGlobs([...wild, 'u*'], 'excludeTables'), usage('excludeTables', /101 patterns with \* or \?; at most 100/));
    assert.throws(() => compileGlobs([...wild, 'u?']), usage('pattern list', /101 patterns/));
    const names = Array.from({ length: 10_000 }, (_, i) => `table_${i}`);
    const byName = compileGlobs([...names, ...wild]);
    assert.equal(byName('table_9999'), true);
    assert.equal(byName('table_10000'), false);
    assert.match(globListProblem([...names, 'one_more']) ?? '', /10001 names without wildcards; at most 10000/);
  });

  it('holds selections from any caller to the limits, naming the field', () => {
    const tooMany = Array.from({ length: 101 }, (_, i) => `s${i}*`);
    assert.throws(() => selectionMatchers({ includeSchemas: tooMany }), (e: unknown) => e instanceof PgferryError && e.code === 'PGFERRY_E_USAGE' && /^includeSchemas: 101 patterns/.test(e.message));
    assert.throws(() => columnMatcher({ excludeColumns: [`t.${'c'.repeat(300)}`] }), (e: unknown) => e instanceof PgferryError && e.object === 'excludeColumns');
  });
});

describe('selection over glob matching', () => {
  /** The column matcher before glob-match, on the reference regex: what the grouped one must equal. */
  function oldColumnMatcher(inc: string[], exc: string[]) {
    const compile = (patterns: string[]) => patterns.map((p) => {
      const dot = p.lastIndexOf('.');
      const table = dot < 0 ? '*' : p.slice(0, dot);
      const t = reference(table);
      const c = reference(dot < 0 ? p : p.slice(dot + 1));
      return { table: (s: string, n: string) => t.test(table.includes('.') ? `${s}.${n}` : n), column: (x: string) => c.test(x) };
    });
    const i = compile(inc);
    const e = compile(exc);
    return (s: string, n: string, col: string) => {
      const named = i.filter((p) => p.table(s, n));
      if (named.length && !named.some((p) => p.column(col))) return false;
      return !e.some((p) => p.table(s, n) && p.column(col));
    };
  }

  it('keeps and drops the same columns and tables as before, on random selections', () => {
    const next = random(7);
    const one = (xs: string[]) => xs[Math.floor(next() * xs.length)];
    const part = () => one(['s', 't', 'u', 'a.b', 'c', '*', 't*', '?', 's?', '*.*']);
    const objects = ['s', 't', 'u', 'a', 'a.b', 'c', 'st'];
    for (let n = 0; n < 400; n++) {
      const list = () => Array.from({ length: Math.floor(next() * 4) }, () => Array.from({ length: 1 + Math.floor(next() * 3) }, part).join('.'));
      const sel = { includeColumns: list(), excludeColumns: list(), includeTables: list(), excludeTables: list() };
      const now = columnMatcher(sel);
      const before = oldColumnMatcher(sel.includeColumns, sel.excludeColumns);
      const tables = selectionMatchers(sel).table;
      const tableBefore = (s: string, t: string) => {
        const any = (ps: string[]) => ps.some((p) => reference(p).test(p.includes('.') ? `${s}.${t}` : t));
        return (!sel.includeTables.length || any(sel.includeTables)) && !any(sel.excludeTables);
      };
      for (const s of objects) for (const t of objects) {
        assert.equal(tables(s, t), tableBefore(s, t), `table ${s}.${t} with ${JSON.stringify(sel)}`);
        for (const c of objects) assert.equal(now(s, t, c), before(s, t, c), `column ${s}.${t}.${c} with ${JSON.stringify(sel)}`);
      }
    }
  });
});
