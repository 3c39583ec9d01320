/**
 * Glob matching for object selection (`*` any run of characters, `?` exactly one), without
 * regular expressions: the patterns come from users (flags, task files, the HTTP API), and a
 * regex built from `*a*a*a*a*a*a*a*b` backtracked for 36.8 s on one 63-byte name, blocking every
 * request of `pgferry serve`. Here a list is compiled once: names without wildcards go into a
 * Set, and a wildcard pattern is split at `*` into segments placed left to right, each at its
 * leftmost fit. For `*` globs the leftmost fit never has to be taken back, so a match costs at
 * most name length × pattern length. The limits below keep a list's total cost bounded too.
 *
 * Semantics are those of the regex it replaces: the whole name, case-sensitive, `*` also matches
 * nothing, `?` is one UTF-16 code unit (so a character outside the BMP, such as an emoji, takes
 * `??`), and every other character (`.`, `[`, `\`...) is itself. One deliberate difference: the
 * regex's `.` skipped line terminators, so `*` missed a name holding a newline; here it matches.
 */
import { PgferryError } from '../errors.js';

/** Characters one pattern may have. */
export const MAX_GLOB_LENGTH = 256;
/** Patterns with `*` or `?` one list may have (each costs a scan of every name). */
export const MAX_WILDCARD_GLOBS = 100;
/** Plain names one list may have (a Set lookup each: users list tables by name). */
export const MAX_LITERAL_GLOBS = 10_000;

const STAR = '*';
const QMARK = 0x3f; // '?'

/** Whether a pattern has a wildcard, i.e. is not matched as a plain name. */
export function hasWildcard(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

/** What is wrong with one pattern against the length limit, or undefined. */
export function globLengthProblem(pattern: string): string | undefined {
  return pattern.length > MAX_GLOB_LENGTH
    ? `a pattern has ${pattern.length} characters; at most ${MAX_GLOB_LENGTH} are allowed`
    : undefined;
}

/** What is wrong with a list's counts of wildcard patterns and plain names, or undefined. */
export function globCountProblem(patterns: readonly string[]): string | undefined {
  const wild = patterns.filter(hasWildcard).length;
  if (wild > MAX_WILDCARD_GLOBS) return `${wild} patterns with * or ?; at most ${MAX_WILDCARD_GLOBS} per list are allowed`;
  const plain = patterns.length - wild;
  if (plain > MAX_LITERAL_GLOBS) return `${plain} names without wildcards; at most ${MAX_LITERAL_GLOBS} per list are allowed`;
  return undefined;
}

/** The first limit a list breaks, or undefined; the same check for flags, specs and library callers. */
export function globListProblem(patterns: readonly string[]): string | undefined {
  for (const p of patterns) {
    const problem = globLengthProblem(p);
    if (problem) return problem;
  }
  return globCountProblem(patterns);
}

/** Throws a usage error when a list breaks a limit; `field` names the list for the user. */
export function assertGlobLimits(patterns: readonly string[], field: string): void {
  const problem = globListProblem(patterns);
  if (!problem) return;
  throw new PgferryError('PGFERRY_E_USAGE', `${field}: ${problem}`, {
    object: field,
    fix: `keep each pattern to ${MAX_GLOB_LENGTH} characters and each list to ${MAX_WILDCARD_GLOBS} patterns with * or ? (plain names, up to ${MAX_LITERAL_GLOBS}, cost nothing: list tables by name)`,
  });
}

/** Whether `seg` (where `?` is any code unit) is in `name` at `at`; the caller checks it fits. */
function segmentAt(name: string, seg: string, at: number): boolean {
  for (let i = 0; i < seg.length; i++) {
    const c = seg.charCodeAt(i);
    if (c !== QMARK && c !== name.charCodeAt(at + i)) return false;
  }
  return true;
}

/** The leftmost place from `from` where `seg` fits before `end`, or -1. */
function leftmost(name: string, seg: string, from: number, end: number): number {
  if (!seg.includes('?')) {
    const i = name.indexOf(seg, from);
    return i >= 0 && i + seg.length <= end ? i : -1;
  }
  for (let i = from; i + seg.length <= end; i++) if (segmentAt(name, seg, i)) return i;
  return -1;
}

/** One wildcard pattern as a test: head at the start, tail at the end, the middle leftmost-first. */
function compileWildcard(pattern: string): (name: string) => boolean {
  const parts = pattern.split(STAR);
  if (parts.length === 1) return (name) => name.length === pattern.length && segmentAt(name, pattern, 0);
  const head = parts[0];
  const tail = parts[parts.length - 1];
  const middle = parts.slice(1, -1).filter((s) => s.length > 0);
  const min = head.length + tail.length + middle.reduce((n, s) => n + s.length, 0);
  return (name) => {
    if (name.length < min) return false;
    const end = name.length - tail.length;
    if (!segmentAt(name, head, 0) || !segmentAt(name, tail, end)) return false;
    let pos = head.length;
    for (const seg of middle) {
      const at = leftmost(name, seg, pos, end);
      if (at < 0) return false;
      pos = at + seg.length;
    }
    return true;
  };
}

/**
 * Compiles a list of glob patterns once into one test (true when any pattern matches the whole
 * name). Throws PGFERRY_E_USAGE when the list breaks a limit, naming it as `field`.
 */
export function compileGlobs(patterns: readonly string[], field = 'pattern list'): (name: string) => boolean {
  assertGlobLimits(patterns, field);
  const exact = new Set(patterns.filter((p) => !hasWildcard(p)));
  const wild = [...new Set(patterns.filter(hasWildcard))].map(compileWildcard);
  if (!wild.length) return (name) => exact.has(name);
  return (name) => exact.has(name) || wild.some((test) => test(name));
}
