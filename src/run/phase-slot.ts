/**
 * The start of a run: the snapshot its copy reads, and the plan read in it. A plain run exports
 * the leader's own snapshot. An incremental run that has not finished its copy plans once to
 * learn which tables to publish, creates the publication and then the slot, and plans again in
 * the slot's exported snapshot, so that every change after that snapshot reaches the target
 * through the slot exactly once. An incremental run whose copy is done plans in a fresh snapshot
 * and streams on from the position the target recorded.
 */
import type pg from 'pg';
import { exportSnapshot, joinSnapshot } from '../pg/snapshot.js';
import { displayName } from '../pg/quote.js';
import { runTag } from '../pg/session.js';
import { streamScope, type StreamScope, type StreamTable } from '../plan/stream-tables.js';
import { streamObjectName } from '../cdc/slot-lifecycle.js';
import { createStreamObjects, publicationOf } from '../cdc/stream-source.js';
import { recordStreamStart } from '../cdc/apply-changes.js';
import { formatLsn, type Lsn } from '../cdc/lsn.js';
import { lanesFor, planLanes, recordedLanes, type Lane } from '../cdc/stream-lanes.js';
import { serverVersionNum } from '../pg/connect.js';
import { PgferryError } from '../errors.js';
import { STATE_SCHEMA } from '../pg/state-schema.js';
import { markStepsSql, stepMark } from './unit-marks.js';
import { catalogPhase, type Planned } from './phase-catalog.js';
import { openLanes, type OpenedLanes } from './phase-stream.js';
import type { Connected } from './phase-connect.js';
import type { RunContext } from './run-context.js';

/** The step mark of an incremental run whose copy is in: from then on it only streams. */
export const COPIED_MARK = 'incremental-copy';

/** What an incremental run streams, from which slot and publication. */
export interface StreamSetup {
  slot: string;
  publication: string;
  /** The publication is the user's (--publication): never dropped. */
  userPublication: boolean;
  scope: StreamScope;
  /** The slots the stream reads at once, each with its share of the tables (lane 0 is `slot`). */
  lanes: Lane[];
  /** Set when this run created the slot: where its stream starts (recorded once the copy is in). */
  consistentPoint?: Lsn;
  /** When this run created the slot: the lag's start until the first change is applied. */
  createdAt?: Date;
  /** The slot's replication session, idle while it holds the copy's snapshot; ended once the copy is in. */
  holder?: pg.Client;
  /** A run that streams on: its lanes' sessions and streams, opened while the catalog was read. */
  opened?: OpenedLanes;
}

export interface RunStart {
  snapshotId: string;
  planned: Planned;
  stream?: StreamSetup;
}

/** Exports the snapshot and plans in it; for an incremental run, sets the stream up first. */
export async function startRun(ctx: RunContext, conn: Connected): Promise<RunStart> {
  const snapshotId = await exportSnapshot(conn.leader);
  const slot = streamObjectName(ctx.runId);
  const publication = publicationOf({ name: slot, userPublication: ctx.opts.publication });
  const base = { slot, publication, userPublication: Boolean(ctx.opts.publication) };
  // fleet mode: this attempt's word goes out before any lane is opened here, so that a lane job
  // of an earlier attempt still about (a retry in this process) ends before it applies anything
  if (ctx.opts.incremental && ctx.opts.lanesElsewhere) await ctx.opts.lanesElsewhere.command(ctx.runId, { attempt: ctx.streamAttempt });
  // a run that streams on opens its streams first: the source's walsender decodes while the
  // catalog is read (on workload A that was a fifth of the catch-up's time)
  const early = ctx.opts.incremental && ctx.marks.done.has(stepMark(COPIED_MARK)) ? openEarly(ctx, base) : undefined;
  early?.catch(() => {});
  let planned: Planned;
  try {
    planned = await catalogPhase(ctx, conn, snapshotId);
  } catch (err) {
    // every session it opens must be the run's before the run closes them
    await early?.catch(() => {});
    throw err;
  }
  if (!ctx.opts.incremental) return { snapshotId, planned };
  const scope = streamScope(planned.catalog, planned.plan, ctx.opts.mapping);
  if (early) return { snapshotId, planned, stream: { ...base, scope, lanes: await streamingLanes(ctx, conn, base, scope), opened: await early } };

  const identityFull = refuseNoIdentity(scope, Boolean(ctx.opts.setReplicaIdentityFull));
  await conn.leader.query('COMMIT');
  await forgetCopiedUnits(ctx, conn.target);
  const info = { ...ctx.opts.source, applicationName: runTag(ctx.opts.source.applicationName, ctx.runId) };
  const createdAt = new Date();
  const lanes = await newLanes(ctx, conn, base, scope, planned);
  const created = await createStreamObjects(conn.leader, info, { name: slot, userPublication: ctx.opts.publication, lanes, identityFull });
  // the slot's session holds the snapshot until the copy is in: it must run nothing else meanwhile
  const holder = ctx.adopt(created.repl);
  ctx.log.log('info', `slot ${slot} created at ${formatLsn(created.slot.consistentPoint)}; publication ${publication}; the copy reads the slot's snapshot`);
  if (lanes.length > 1)
    ctx.log.log('info', `${lanes.length} lanes, each a copy of that slot with its own publication: ${lanes.map((l) => `${l.slot} (${l.tables.length} table(s): ${l.tables.slice(0, 5).map((t) => displayName(t.schema, t.name)).join(', ')}${l.tables.length > 5 ? ', ...' : ''})`).join('; ')}`);
  await joinSnapshot(conn.leader, created.slot.snapshot);
  const replanned = await catalogPhase(ctx, conn, created.slot.snapshot);
  // the catalog reads took ACCESS SHARE locks: held on, a source TRUNCATE would queue behind them
  // and the copy of that table behind the TRUNCATE, for ever; the workers take their own locks
  await conn.leader.query('COMMIT');
  const finalScope = streamScope(replanned.catalog, replanned.plan, ctx.opts.mapping);
  refuseUnpublished(finalScope.tables, scope.tables);
  // the lanes hold the tables of the second plan, shared as their publications were
  const byName = new Map(finalScope.tables.map((t) => [displayName(t.schema, t.name), t]));
  const finalLanes = lanes.map((l) => ({ ...l, tables: l.tables.map((t) => byName.get(displayName(t.schema, t.name))).filter((t) => t !== undefined) }));
  return { snapshotId: created.slot.snapshot, planned: replanned, stream: { ...base, scope: finalScope, lanes: finalLanes, consistentPoint: created.slot.consistentPoint, createdAt, holder } };
}

/** A new run's lanes: --stream-lanes of them where the source allows it (and says why not where it does not). */
async function newLanes(ctx: RunContext, conn: Connected, base: { slot: string; publication: string }, scope: StreamScope, planned: Planned): Promise<Lane[]> {
  const asked = ctx.opts.streamLanes ?? 1;
  const { lanes, why } = lanesFor(asked, await serverVersionNum(conn.leader), Boolean(ctx.opts.publication));
  if (why) ctx.log.log('warn', `--stream-lanes ${asked}: ${why}`);
  if (lanes <= 1) return [{ slot: base.slot, publication: base.publication, tables: scope.tables }];
  const { lanes: shared, basis } = await planLanes(conn.leader, base.slot, scope.tables, planned.catalog.relations, lanes);
  ctx.log.log('info', `tables shared among ${shared.length} lanes by the rows the source writes to them (${basis === 'now' ? 'watched for 2 s' : 'nothing written in 2 s: every write since its statistics were reset'})`);
  if (shared.length < lanes) ctx.log.log('warn', `--stream-lanes ${asked}: the selection's tables make ${shared.length} group(s) (tables a foreign key links share a lane): the run streams through ${shared.length}`);
  return shared;
}

/**
 * The lanes of a run whose copy is in: the slots the target recorded a position for. One lane
 * streams every table of the plan, as a run before lanes did; several stream what their
 * publications hold, and a table in none (it matched the selection only after the copy) is
 * neither copied nor streamed, which the log says.
 */
async function streamingLanes(ctx: RunContext, conn: Connected, base: { slot: string; publication: string }, scope: StreamScope): Promise<Lane[]> {
  const slots = await recordedSlots(conn.target, base.slot);
  if (slots.length <= 1) return [{ slot: base.slot, publication: base.publication, tables: scope.tables }];
  const { lanes, unpublished } = await recordedLanes(conn.leader, slots, scope.tables);
  if (unpublished.length)
    ctx.log.log('warn', `${unpublished.length} selected table(s) are in none of the run's ${slots.length} publications (they were not on the source when the copy ran): neither copied nor streamed: ${unpublished.slice(0, 20).map((t) => displayName(t.schema, t.name)).join(', ')}`);
  return lanes;
}

/** The lanes' sessions and streams of a run that streams on, opened before its catalog is read. */
async function openEarly(ctx: RunContext, base: { slot: string; publication: string }): Promise<OpenedLanes> {
  const first = await ctx.open('target');
  const slots = await recordedSlots(first, base.slot);
  return openLanes(ctx, slots.map((slot) => ({ slot, publication: slots.length === 1 ? base.publication : slot })), { early: true, first });
}

/** The slot names, `base` and its lanes, the target records a position for, in lane order. */
async function recordedSlots(target: pg.Client, base: string): Promise<string[]> {
  const exists = (await target.query<{ t: string | null }>('SELECT pg_catalog.to_regclass($1)::text AS t', [`${STATE_SCHEMA}.stream_position`])).rows[0].t !== null;
  if (!exists) return [base];
  const r = await target.query<{ slot: string }>(`SELECT slot FROM ${STATE_SCHEMA}.stream_position WHERE slot = $1 OR slot ~ ('^' || $1 || '_[0-9]+$')`, [base]);
  // none recorded: lane 0's applier says so (the run cannot stream on without a position)
  if (!r.rows.length) return [base];
  const lane = (s: string) => (s === base ? 1 : Number(s.slice(base.length + 1)));
  return r.rows.map((x) => x.slot).sort((a, b) => lane(a) - lane(b));
}

/**
 * Marks the copy done and records where the stream starts, in one transaction: a run killed
 * before it copies again from a new slot; one killed after it streams on.
 */
export async function markCopied(ctx: RunContext, target: pg.Client, stream: StreamSetup & { consistentPoint: Lsn }): Promise<void> {
  await target.query('BEGIN');
  try {
    // every lane's slot is a copy of the first, made at its consistent point
    for (const lane of stream.lanes) await recordStreamStart(target, lane.slot, stream.consistentPoint, stream.createdAt ?? new Date());
    await target.query(markStepsSql(ctx.runId, [COPIED_MARK]));
    await target.query('COMMIT');
  } catch (err) {
    await target.query('ROLLBACK').catch(() => {});
    throw err;
  }
  ctx.marks.done.add(stepMark(COPIED_MARK));
  await stream.holder?.end().catch(() => {});
}

/** Tables without identity are refused, or (--set-replica-identity-full) returned to be set FULL. */
function refuseNoIdentity(scope: StreamScope, setFull: boolean): StreamTable[] {
  if (!scope.noIdentity.length || setFull) return scope.noIdentity;
  const names = scope.noIdentity.map((t) => displayName(t.schema, t.name));
  throw new PgferryError('PGFERRY_E_REPLICA_IDENTITY', `${names.length} table(s) have neither a primary key nor a replica identity: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', ...' : ''}`, {
    object: 'replica identity',
    fix: 'once published, UPDATE and DELETE on such a table fail on the source: add a primary key, ALTER TABLE ... REPLICA IDENTITY FULL, exclude the tables, or pass --set-replica-identity-full',
  });
}

/**
 * A copy that stopped before it was done read a snapshot that is gone, and its slot is dropped:
 * its tables are copied again (each unit empties its table first), from the new slot's snapshot.
 */
async function forgetCopiedUnits(ctx: RunContext, target: pg.Client): Promise<void> {
  const units = [...ctx.marks.done].filter((u) => !u.startsWith('step:'));
  if (!units.length) return;
  await target.query(`DELETE FROM ${STATE_SCHEMA}.units WHERE run_id = $1 AND unit NOT LIKE 'step:%'`, [ctx.runId]);
  for (const u of units) ctx.marks.done.delete(u);
  ctx.log.log('warn', `the copy of this incremental run stopped before it was done: its ${units.length} copied unit(s) are copied again from a new slot's snapshot, so that the stream starts exactly where the copy ends`);
}

/** Every table the copy reads must be in the publication made from the first plan. */
function refuseUnpublished(tables: StreamTable[], published: StreamTable[]): void {
  const have = new Set(published.map((t) => displayName(t.schema, t.name)));
  const missing = tables.map((t) => displayName(t.schema, t.name)).filter((n) => !have.has(n));
  if (missing.length)
    throw new PgferryError('PGFERRY_E_CATALOG', `tables appeared on the source while the slot was created: ${missing.join(', ')}`, {
      object: 'publication',
      fix: 'run again: the run plans anew and publishes every selected table',
    });
}
