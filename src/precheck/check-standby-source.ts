/**
 * A source that is a hot standby: reading from one spares the primary, but the standby cancels
 * queries that block the replay of WAL (a vacuum on the primary removing rows the copy's snapshot
 * still sees, an exclusive lock) after max_standby_streaming_delay, so a long COPY can fail hours
 * in. The item says so, with the settings that avoid it.
 */
import type { PrecheckCheck } from './precheck-model.js';

const SETTINGS = `SELECT pg_catalog.pg_is_in_recovery() AS standby,
  pg_catalog.current_setting('hot_standby_feedback') AS feedback,
  pg_catalog.current_setting('max_standby_streaming_delay') AS streaming_delay,
  pg_catalog.current_setting('max_standby_archive_delay') AS archive_delay`;

export const checkStandbySource: PrecheckCheck = async ({ source }) => {
  const r = (await source.query(SETTINGS)).rows[0] as { standby: boolean; feedback: string; streaming_delay: string; archive_delay: string };
  const title = 'Source is a primary or a standby';
  if (!r.standby) return { id: 'standby-source', title, status: 'pass', detail: 'the source is a primary: no recovery conflicts can cancel the copy' };
  const safe = r.feedback === 'on' && r.streaming_delay === '-1' && r.archive_delay === '-1';
  return {
    id: 'standby-source',
    title,
    status: 'warn',
    detail:
      `the source is a standby (hot_standby_feedback = ${r.feedback}, max_standby_streaming_delay = ${r.streaming_delay}, max_standby_archive_delay = ${r.archive_delay}): ` +
      (safe
        ? 'replay waits for the copy instead of cancelling it, so the standby falls behind its primary while pgferry reads'
        : 'WAL replay cancels a query that blocks it after that delay, so a long COPY can be cancelled (a resumed run then reads a new snapshot)'),
    fix: safe
      ? 'expect replication lag on this standby during the copy, or read from the primary'
      : 'on the standby set hot_standby_feedback = on and max_standby_streaming_delay = -1 (and max_standby_archive_delay = -1) for the copy, then reload; or read from the primary',
  };
};
