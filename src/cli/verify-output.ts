/** Prints a verify report for a person. */
import type { VerifyReport } from '../verify/run-verify.js';

/**
 * One FAIL line per difference (a partition's lines say whose partition it is), then the summary
 * line: tables and sequences compared, and the rows of the tables that hold them (a partitioned
 * table's rows are its partitions', counted once).
 */
export function printVerifyReport(r: VerifyReport, out: NodeJS.WritableStream): void {
  for (const t of r.tables) {
    if (t.ok) continue;
    const name = t.partitionOf ? `${t.table} (partition of ${t.partitionOf})` : t.table;
    for (const p of t.problems) out.write(`FAIL table ${name}: ${p}\n`);
  }
  for (const s of r.sequences) {
    if (!s.ok) out.write(`FAIL sequence ${s.sequence}: source=${s.source ?? 'missing'} target=${s.target ?? 'missing'}\n`);
  }
  for (const p of r.largeObjects.problems) out.write(`FAIL ${p}\n`);
  const rows = r.tables.reduce((a, t) => a + (t.partitioned ? 0 : (t.sourceRows ?? 0)), 0);
  const badT = r.tables.filter((t) => !t.ok).length;
  const badS = r.sequences.filter((s) => !s.ok).length;
  out.write(
    `verify: ${r.ok ? 'PASS' : 'FAIL'} tables=${r.tables.length} rows=${rows} sequences=${r.sequences.length}` +
      (r.largeObjects.count ? ` large_objects=${r.largeObjects.count}` : '') +
      (r.ok ? '' : ` failed_tables=${badT} failed_sequences=${badS}`) +
      ` (${r.seconds.toFixed(1)}s)\n`,
  );
}
