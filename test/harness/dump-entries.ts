/**
 * pg_dump's output cut into its table of contents: one entry per `-- Name: ...; Type: ...;
 * Schema: ...` header, so that a test can say which objects it expects on one side only (skipped
 * objects) or changed (a clause the target account may not set) and compare the rest exactly.
 */

/** An entry's key, `TYPE|schema|name` as the header prints them (`FUNCTION|kinds|f(integer)`, `CAST|-|CAST (a AS b)`). */
export type EntryKey = string;

/** What a test expects to differ in an entry: the source's text `from` reads `to` on the target. */
export interface EntryChange {
  key: EntryKey;
  from: string;
  to: string;
}

const HEADER = /^-- Name: (.*); Type: (.*); Schema: (.*); Owner: .*$/;

/** Lines that differ between any two dumps: comments, SET lines, restrict keys, blanks. */
const noise = (l: string) => /^--/.test(l) || /^SET /.test(l) || /^SELECT pg_catalog\.set_config/.test(l) || /^\\(un)?restrict/.test(l) || l.trim() === '';

/**
 * The entries of a `pg_dump --schema-only` text, each key with the statements of every entry of
 * that header (operators of one name share a header), sorted. What comes before the first header
 * (settings) is left out.
 */
export function dumpEntries(raw: string): Map<EntryKey, string[]> {
  const out = new Map<EntryKey, string[]>();
  let key: EntryKey | undefined;
  let lines: string[] = [];
  const close = () => {
    if (key !== undefined) out.set(key, [...(out.get(key) ?? []), lines.join('\n')].sort());
  };
  for (const l of raw.split('\n')) {
    const m = HEADER.exec(l);
    if (m) {
      close();
      key = `${m[2]}|${m[3]}|${m[1]}`;
      lines = [];
    } else if (key !== undefined && !noise(l)) lines.push(l);
  }
  close();
  return out;
}

/**
 * The differences between a source's (or reference's) dump and a target's, entry by entry, once
 * the entries `dropped` are taken out of the source and the `changes` applied to it: entries on
 * one side only, then entries whose statements differ. Each expected drop or change must be
 * needed (an entry dropped that the source lacks, or a change whose text is not there, is a
 * difference too), so that the lists stay exact. Empty when the dumps agree.
 */
export function entryDifferences(source: string, target: string, dropped: EntryKey[], changes: EntryChange[] = []): string[] {
  const a = dumpEntries(source);
  const b = dumpEntries(target);
  const problems: string[] = [];
  // one key may be listed for several objects (operators of one name share a header)
  for (const key of new Set(dropped)) {
    if (!a.has(key)) problems.push(`expected dropped, but not in the source's dump: ${key}`);
    a.delete(key);
  }
  for (const c of changes) {
    const texts = a.get(c.key);
    if (!texts?.some((t) => t.includes(c.from))) problems.push(`expected change not found in the source's dump: ${c.key}: ${c.from}`);
    else a.set(c.key, texts.map((t) => t.replace(c.from, c.to)).sort());
  }
  for (const key of a.keys()) if (!b.has(key)) problems.push(`only in the source: ${key}`);
  for (const key of b.keys()) if (!a.has(key)) problems.push(`only in the target: ${key}`);
  for (const [key, texts] of a) {
    const other = b.get(key);
    if (other && JSON.stringify(texts) !== JSON.stringify(other)) problems.push(`differs: ${key}\n  source: ${texts.join('\n          ')}\n  target: ${other.join('\n          ')}`);
  }
  return problems;
}
