/**
 * How many connections a run opens on each side, at most at any one time: what run-migration.ts
 * opens, counted in one place so that the precheck's connections item counts the same.
 *
 * Source: the leader (its snapshot stays open until the data is in); while the catalog is read,
 * `jobs - 1` more readers join it; in the data phase, one per copy pair. Target: the leader's
 * target session and the session that holds the run's lock, for the whole run; then pre-data's
 * sessions (`jobs + 1` from 2 jobs, one of them the leader's), the data pairs, the post-data and
 * ANALYZE pools (`jobs`), one phase after another.
 */

/**
 * Target connections for pre-data: one more than --jobs (from 2 jobs). DDL sessions spend much
 * of their time waiting for an index file's fsync and a new file's inode, so a third session
 * keeps 2 cores busy (10,000 tables × 3 indexes on a 15 target: pre-data 26–29 s with 2
 * sessions, 20–21 s with 3, no better with 4 or 6). --jobs 1 stays one session.
 */
export function preDataConnections(jobs: number): number {
  return jobs >= 2 ? jobs + 1 : 1;
}

/** Copy pairs of the data phase: no more than there is work for (large objects count as work for every pair). */
export function dataPairs(jobs: number, units: number, largeObjects: number): number {
  return Math.max(1, Math.min(jobs, units + (largeObjects ? jobs : 0)));
}

/** The most connections a full run (pre-data, data, post-data) holds at once on each side. */
export function runConnections(jobs: number, units: number, largeObjects: number): { source: number; target: number } {
  const pairs = dataPairs(jobs, units, largeObjects);
  const source = Math.max(Math.max(1, jobs), 1 + pairs);
  // leader's target session + the lock session, then the largest phase's extra sessions
  const target = 2 + Math.max(preDataConnections(jobs) - 1, pairs, Math.max(1, jobs));
  return { source, target };
}
