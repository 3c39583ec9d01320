/**
 * Which finished tables the terminal view names. A database of hundreds of small tables printed
 * a line for each, scrolling the bars of the tables still copying off the screen: a table gets its
 * own line only when it was large or slow; the others are counted (on the overall bar while the
 * data is copied, and in one line at its end).
 */
const MB = 1024 * 1024;

/** A finished table this large or slow is named on its own line. */
export const NAMED_BYTES = 64 * MB;
export const NAMED_SECONDS = 10;

export class FinishedTables {
  private counted = { copied: 0, copiedBytes: 0, already: 0 };
  done = 0;
  /** Rows of the units this run copied and finished (not the ones done earlier). */
  rows = 0;
  /** Copy units the data phase has (its phase-start says). */
  units = 0;

  /** The overall bar's name: how many units are done. */
  progress(): string {
    return `all tables (${this.done.toLocaleString('en')} of ${this.units.toLocaleString('en')} done)`;
  }

  /** The line for a finished unit that gets one (large or slow), else null: it is counted. */
  line(u: { unit: string; rows: number; bytes: number; seconds: number; skipped?: boolean }, fmtBytes: (n: number) => string): string | null {
    if (!this.named(u)) return null;
    const rate = u.seconds > 0 ? u.bytes / u.seconds / MB : 0;
    return `  copied ${u.unit}: ${u.rows.toLocaleString('en')} rows, ${fmtBytes(u.bytes)} in ${u.seconds.toFixed(1)}s (${rate.toFixed(1)} MB/s)`;
  }

  /** Whether this finished unit gets its own line (else it is counted). */
  named(u: { rows?: number; bytes: number; seconds: number; skipped?: boolean }): boolean {
    this.done++;
    if (u.skipped) {
      this.counted.already++;
      return false;
    }
    this.rows += u.rows ?? 0;
    if (u.bytes >= NAMED_BYTES || u.seconds >= NAMED_SECONDS) return true;
    this.counted.copied++;
    this.counted.copiedBytes += u.bytes;
    return false;
  }

  /** The lines for the tables that were counted, not named (at the end of the data phase); then starts over. */
  summary(fmtBytes: (n: number) => string): string[] {
    const c = this.counted;
    const out: string[] = [];
    if (c.copied) out.push(`  copied ${c.copied.toLocaleString('en')} smaller table${c.copied === 1 ? '' : 's'} (${fmtBytes(c.copiedBytes)}; each under ${NAMED_BYTES / MB} MB and ${NAMED_SECONDS} s)`);
    if (c.already) out.push(`  ${c.already.toLocaleString('en')} table${c.already === 1 ? '' : 's'} already done by an earlier run`);
    this.counted = { copied: 0, copiedBytes: 0, already: 0 };
    this.done = 0;
    return out;
  }
}
