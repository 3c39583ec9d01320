/**
 * The items of an incremental run (a full copy from a slot's exported snapshot, then the source's
 * changes streamed to the target until cutover): what the source's server must allow (logical
 * WAL, a free slot and WAL sender), what the slot costs it, what the target must still have room
 * for, and what is not kept in step. They run only when the run is incremental, after the others;
 * the account's rights are in check-replication-role.ts and check-publication.ts.
 */
import { runConnections } from '../plan/run-connections.js';
import { streamScope } from '../plan/stream-tables.js';
import { lanesFor, shareByWrites } from '../plan/lane-shares.js';
import type { Catalog } from '../catalog/model.js';
import type { Plan } from '../plan/plan-model.js';
import type { NameMapping } from '../plan/name-mapping.js';
import { displayName } from '../pg/quote.js';
import { readLimits } from './check-connections.js';
import { checkReplicationRole } from './check-replication-role.js';
import { checkPublicationRights, checkReplicaIdentity } from './check-publication.js';
import { type PrecheckCheck, type PrecheckItem } from './precheck-model.js';

/** The copy speed the WAL estimate assumes (a source's disks and network set the real one). */
const ASSUMED_COPY_BYTES_PER_SEC = 50 * 1024 ** 2;

/** Bytes for a person: `300 bytes`, `512 kB`, `37 MB`, `2.4 GB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${Math.ceil(bytes / 1024 ** 2)} MB`;
  return bytes >= 1024 ? `${Math.ceil(bytes / 1024)} kB` : `${Math.round(bytes)} bytes`;
}

/** Logical decoding needs wal_level = logical on the source; changing it takes a restart. */
export const checkWalLevel: PrecheckCheck = async ({ source }) => {
  const r = await source.query<{ level: string; pending: boolean; rds: string | null; cloudsql: string | null }>(
    `SELECT pg_catalog.current_setting('wal_level') AS level,
            coalesce((SELECT s.pending_restart FROM pg_catalog.pg_settings s WHERE s.name = 'wal_level'), false) AS pending,
            pg_catalog.current_setting('rds.logical_replication', true) AS rds,
            pg_catalog.current_setting('cloudsql.logical_decoding', true) AS cloudsql`,
  );
  const x = r.rows[0];
  const title = 'Source wal_level';
  if (x.level === 'logical') return { id: 'wal-level', title, status: 'pass', detail: 'wal_level = logical on the source: its changes can be decoded' };
  const fix =
    x.rds !== null
      ? 'set rds.logical_replication = 1 in the DB parameter group (it sets wal_level = logical) and reboot the instance'
      : x.cloudsql !== null
        ? 'set the database flag cloudsql.logical_decoding = on (Cloud SQL restarts the instance)'
        : "ALTER SYSTEM SET wal_level = 'logical'; then restart the source server (on a managed service, the provider's parameter for logical replication, e.g. rds.logical_replication = 1 on RDS)";
  return {
    id: 'wal-level', title, status: 'fail',
    detail: `wal_level = ${x.level} on the source${x.pending ? ' (a new value waits for a restart)' : ''}: logical decoding needs logical, so no slot can be created`,
    fix,
  };
};

/** The run takes one logical slot and one WAL sender on the source per lane, for as long as it streams. */
export const checkReplicationSlots: PrecheckCheck = async ({ source, sourceVersion, inputs, catalog, plan, mapping }) => {
  const r = await source.query<{ max_slots: number; slots: number; max_senders: number; senders: number }>(
    `SELECT pg_catalog.current_setting('max_replication_slots')::int AS max_slots,
            (SELECT count(*) FROM pg_catalog.pg_replication_slots)::int AS slots,
            pg_catalog.current_setting('max_wal_senders')::int AS max_senders,
            (SELECT count(*) FROM pg_catalog.pg_stat_activity a WHERE a.backend_type = 'walsender')::int AS senders`,
  );
  const x = r.rows[0];
  const freeSlots = x.max_slots - x.slots;
  const freeSenders = x.max_senders - x.senders;
  const numbers = `${freeSlots} free replication slot(s) (max_replication_slots ${x.max_slots}, ${x.slots} in use), ${freeSenders} free WAL sender(s) (max_wal_senders ${x.max_senders}, ${x.senders} running)`;
  const title = 'Replication slot and WAL sender';
  const { lanes, why } = lanesFor(inputs.streamLanes, sourceVersion, inputs.publication !== undefined);
  const takes = lanes === 1 ? 'one slot and one WAL sender' : `${lanes} slots and ${lanes} WAL senders (--stream-lanes ${lanes}: a slot each, as copies of the first, each reading the whole WAL and sending its share of the tables)`;
  const unmet = why ? `; --stream-lanes ${inputs.streamLanes} asked for more, but ${why}` : '';
  if (freeSlots >= lanes && freeSenders >= lanes) {
    const shares = lanes > 1 ? await laneShares(source, catalog, plan, mapping, lanes) : undefined;
    return {
      id: 'replication-slots', title, status: why ? 'warn' : 'pass', detail: `the run takes ${takes}: ${numbers}${unmet}${shares ? `; ${shares.how}` : ''}`,
      ...(why ? { fix: 'to stream through several lanes, leave out --publication (pgferry publishes each lane\'s tables itself) or migrate from a source of 12 or later' } : {}),
      ...(shares ? { objects: shares.objects } : {}),
    };
  }
  const slots = await source.query<{ slot_name: string; slot_type: string; active: boolean; database: string | null }>(
    'SELECT slot_name, slot_type, active, database FROM pg_catalog.pg_replication_slots ORDER BY slot_name',
  );
  return {
    id: 'replication-slots', title, status: 'fail',
    detail: `the run takes ${takes} on the source: ${numbers}`,
    fix: [
      freeSlots < lanes ? "drop a slot nobody uses (SELECT pg_drop_replication_slot('name')) or raise max_replication_slots (ALTER SYSTEM SET max_replication_slots = n; restart)" : '',
      freeSenders < lanes ? 'raise max_wal_senders (ALTER SYSTEM SET max_wal_senders = n; restart) or end a replication client' : '',
      lanes > 1 ? 'or stream through fewer lanes (--stream-lanes)' : '',
    ].filter(Boolean).join('; '),
    objects: freeSlots < lanes ? slots.rows.map((s) => `${s.slot_type} slot ${s.slot_name}${s.database ? ` (database ${s.database})` : ''}: ${s.active ? 'active' : 'inactive'}`) : undefined,
  };
};

/** How the run would share the streamed tables among its lanes if it created its slots now, one line per lane. */
async function laneShares(source: Parameters<PrecheckCheck>[0]['source'], catalog: Catalog, plan: Plan, mapping: NameMapping | undefined, lanes: number): Promise<{ how: string; objects: string[] }> {
  const { shares, basis } = await shareByWrites(source, streamScope(catalog, plan, mapping).tables, catalog.relations, lanes);
  const how = `the tables shared by the rows the source writes to them (${basis === 'now' ? 'watched for 2 s' : 'it wrote nothing in 2 s: every write since its statistics were reset'}; the run shares them again as it creates its slots), tables a foreign key links in one lane`;
  return { how, objects: shares.map((s, i) => `lane ${i + 1}: ${s.map((t) => displayName(t.schema, t.name)).join(', ')}`) };
}

/** The WAL the source writes per second: a 1 s sample, and on 14+ the average since pg_stat_wal was reset, whichever is larger. */
async function walRate(source: Parameters<PrecheckCheck>[0]['source'], sourceVersion: number): Promise<{ rate: number; how: string }> {
  // a standby has no current insert position (and logical slots only from 16): its replay position moves with the primary's
  const lsn = "CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_last_wal_replay_lsn() ELSE pg_catalog.pg_current_wal_lsn() END";
  const first = (await source.query<{ lsn: string | null; t: number }>(`SELECT ${lsn}::text AS lsn, extract(epoch FROM pg_catalog.clock_timestamp())::float8 AS t`)).rows[0];
  await new Promise((res) => setTimeout(res, 1000));
  const second = (
    await source.query<{ bytes: string | null; t: number }>(
      `SELECT pg_catalog.pg_wal_lsn_diff(${lsn}, $1::pg_lsn)::int8 AS bytes, extract(epoch FROM pg_catalog.clock_timestamp())::float8 AS t`,
      [first.lsn ?? '0/0'],
    )
  ).rows[0];
  const sampled = first.lsn === null ? 0 : Math.max(0, Number(second.bytes ?? 0)) / Math.max(0.001, second.t - first.t);
  if (sourceVersion < 140000) return { rate: sampled, how: 'sampled over 1 s' };
  const avg = (await source.query<{ bytes: string; secs: number | null }>(
    'SELECT wal_bytes::int8 AS bytes, extract(epoch FROM pg_catalog.clock_timestamp() - stats_reset)::float8 AS secs FROM pg_catalog.pg_stat_wal',
  )).rows[0];
  const average = avg && avg.secs && avg.secs > 60 ? Number(avg.bytes) / avg.secs : 0;
  return average > sampled
    ? { rate: average, how: `averaged since pg_stat_wal was reset ${formatDuration(avg.secs!)} ago (a 1 s sample gave ${formatBytes(sampled)}/s)` }
    : { rate: sampled, how: 'sampled over 1 s' };
}

function formatDuration(secs: number): string {
  if (secs >= 86400) return `${(secs / 86400).toFixed(1)} d`;
  if (secs >= 3600) return `${(secs / 3600).toFixed(1)} h`;
  return secs >= 60 ? `${Math.ceil(secs / 60)} min` : `${Math.ceil(secs)} s`;
}

/**
 * The slot keeps every WAL segment from its creation until the changes are applied, so the
 * source's WAL grows for the whole copy; max_slot_wal_keep_size (13+) invalidates a slot that
 * holds more, which would end the run mid-copy.
 */
export const checkSlotWalRetention: PrecheckCheck = async ({ source, sourceVersion, plan }) => {
  const { rate, how } = await walRate(source, sourceVersion);
  const keepMb = sourceVersion >= 130000
    ? Number((await source.query<{ setting: string }>("SELECT setting FROM pg_catalog.pg_settings WHERE name = 'max_slot_wal_keep_size'")).rows[0]?.setting ?? -1)
    : undefined;
  return walRetentionItem(rate, how, plan.units.reduce((a, u) => a + u.bytes, 0), keepMb);
};

/** The item for a WAL rate (bytes/s, and how it was measured), the bytes to copy and max_slot_wal_keep_size in MB (undefined before 13). */
export function walRetentionItem(rate: number, how: string, bytes: number, keepMb: number | undefined): PrecheckItem {
  const copySecs = bytes / ASSUMED_COPY_BYTES_PER_SEC;
  const estimate = rate * copySecs;
  const keepText = keepMb === undefined ? 'no max_slot_wal_keep_size before PostgreSQL 13: nothing limits it' : keepMb < 0 ? 'max_slot_wal_keep_size = -1: nothing limits it' : `max_slot_wal_keep_size = ${keepMb} MB`;
  const detail =
    `the source writes about ${formatBytes(rate)}/s of WAL (${how}); copying ${formatBytes(bytes)} at an assumed 50 MB/s takes about ${formatDuration(copySecs)}, ` +
    `so the slot holds about ${formatBytes(estimate)} of WAL by the end of the copy (${keepText}); it keeps holding WAL until the changes are applied, and all of it while the run is stopped, until cutover or until the slot is released`;
  const title = 'WAL the slot holds on the source';
  if (keepMb !== undefined && keepMb >= 0 && estimate > keepMb * 1024 ** 2)
    return {
      id: 'slot-wal-retention', title, status: 'fail',
      detail: `${detail}: more than max_slot_wal_keep_size, so the source would invalidate the slot mid-copy and the run would have to start over`,
      fix: `raise max_slot_wal_keep_size well above ${formatBytes(estimate)} or set it to -1 (ALTER SYSTEM SET max_slot_wal_keep_size = '${Math.max(1, Math.ceil((estimate * 2) / 1024 ** 3))}GB'; SELECT pg_reload_conf()), with that much free disk for pg_wal; or migrate while the source writes less`,
    };
  return {
    id: 'slot-wal-retention', title, status: 'warn',
    detail,
    fix: `make sure the source's pg_wal disk has room for at least ${formatBytes(estimate)} plus what accrues until cutover, and cut over (or release the slot) soon after the copy: a slot left behind holds WAL until the disk fills`,
  };
}

/** While changes stream, one more session per lane applies them on the target beside the run's own. */
export const checkApplyConnections: PrecheckCheck = async ({ source, sourceVersion, target, plan, jobs, inputs }) => {
  const run = runConnections(jobs, plan.units.length, plan.largeObjects.length);
  const [s, t] = await Promise.all([readLimits(source), readLimits(target)]);
  const sameServer = s.server === t.server;
  const { lanes } = lanesFor(inputs.streamLanes, sourceVersion, inputs.publication !== undefined);
  const need = run.target + lanes + (sameServer ? run.source : 0);
  // this precheck's own sessions close before the run starts
  const own = sameServer ? 2 : 1;
  const limits: [string, number][] = [[`${sameServer ? 'server of both sides' : 'target server'} (max_connections ${t.maxConnections}, ${t.reserved} reserved, ${t.inUse - own} used by other sessions)`, t.serverFree + own]];
  if (t.roleLimit >= 0) limits.push([`target role ${t.role} (CONNECTION LIMIT ${t.roleLimit})`, t.roleLimit - (t.roleInUse - 1)]);
  if (t.databaseLimit >= 0) limits.push([`target database ${t.database} (CONNECTION LIMIT ${t.databaseLimit})`, t.databaseLimit - (t.databaseInUse - 1)]);
  const short = limits.filter(([, free]) => free < need).map(([what, free]) => `${what}: ${free} available`);
  const counted = `the run's ${run.target} target session(s) for --jobs ${jobs} plus ${lanes === 1 ? 'the session that applies' : `the ${lanes} sessions (one per lane) that apply`} the streamed changes${sameServer ? ` plus its ${run.source} source session(s) (one server)` : ''}: ${need}`;
  const title = 'Target connections while streaming';
  if (short.length)
    return {
      id: 'apply-connections', title, status: 'fail', detail: `the target cannot give ${counted}`, objects: short,
      fix: `run with fewer --jobs${lanes > 1 ? ' or --stream-lanes' : ''}, raise the limit named (max_connections, ALTER ROLE ... CONNECTION LIMIT n, ALTER DATABASE ... CONNECTION LIMIT n), or end other sessions on the target`,
    };
  return { id: 'apply-connections', title, status: 'pass', detail: `the target has room for ${counted} (${limits.map(([w, f]) => `${w}: ${f} available`).join('; ')})` };
};

/** What the copy moves but the stream does not keep in step: the user decides whether that is enough. */
export const checkNotKeptInStep: PrecheckCheck = async ({ catalog, plan, mapping }) => {
  const { notStreamed, tables } = streamScope(catalog, plan, mapping);
  const title = 'What is not kept in step';
  if (!notStreamed.length) return { id: 'not-kept-in-step', title, status: 'pass', detail: `every table the run copies (${tables.length}) is kept in step until cutover` };
  return {
    id: 'not-kept-in-step', title, status: 'warn',
    detail: `${notStreamed.length} object(s) the run copies are not kept in step after the copy: changes to them on the source before cutover reach the target only where the line says so (copied again or refreshed at cutover)`,
    fix: 'stop writing to them on the source before the copy starts, or copy them again by hand after cutover (an unlogged table can be made logged: ALTER TABLE ... SET LOGGED)',
    objects: notStreamed.map((n) => `${n.name}: ${n.reason}`),
  };
};

/** PostgreSQL 10 does not decode TRUNCATE (pgoutput carries it from 11). */
export const checkTruncateDecoding: PrecheckCheck = async ({ sourceVersion }) => {
  const title = 'TRUNCATE on the source while streaming';
  if (sourceVersion >= 110000) return { id: 'truncate-decoding', title, status: 'pass', detail: 'the source decodes TRUNCATE (PostgreSQL 11+): a TRUNCATE of a streamed table is applied on the target' };
  return {
    id: 'truncate-decoding', title, status: 'warn',
    detail: 'the source runs PostgreSQL 10, which does not decode TRUNCATE (from 11 it does): a TRUNCATE on the source while changes stream is not applied, and the target keeps the rows',
    fix: 'do not TRUNCATE streamed tables on the source until cutover (DELETE FROM ... is decoded), or upgrade the source to PostgreSQL 11 or later',
  };
};

/** The incremental items, in the order they run (appended to the others only for an incremental run). */
export const INCREMENTAL_CHECKS: PrecheckCheck[] = [
  checkWalLevel, checkReplicationSlots, checkReplicationRole, checkReplicaIdentity, checkPublicationRights, checkSlotWalRetention,
  checkApplyConnections, checkNotKeptInStep, checkTruncateDecoding,
];
