/**
 * A shared byte-rate limit for all copy workers (--max-rate): each chunk reserves its slot of
 * time on one clock, so the sum over workers stays under the rate, with at most one second of
 * burst. The rate can change while a copy runs.
 */
export class RateLimiter {
  private nextFree = 0;

  constructor(private bytesPerSecond: number) {}

  /** Changes the rate (bytes per second; 0 or less: no limit) for the chunks to come. */
  setRate(bytesPerSecond: number): void {
    this.bytesPerSecond = bytesPerSecond;
  }

  /** The rate now, in bytes per second (0: no limit). */
  get rate(): number {
    return Math.max(0, this.bytesPerSecond);
  }

  /** Resolves when `bytes` more may pass. */
  async take(bytes: number): Promise<void> {
    if (this.bytesPerSecond <= 0) return;
    const now = Date.now();
    // a chunk passes when its slot starts; slots are laid end to end from at most 1 s ago
    const start = Math.max(now - 1000, this.nextFree);
    this.nextFree = start + (bytes / this.bytesPerSecond) * 1000;
    const wait = start - now;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
