/**
 * Executes DDL steps on the target. Steps are sent in batches (one round trip for many
 * statements); when a batch fails, it is rolled back to its savepoint and replayed one statement
 * at a time, so the error still names the exact object and statement.
 */
import type pg from 'pg';
import type { DdlStep } from '../plan/plan-model.js';
import { ddlError } from '../pg/session.js';
import { PgferryError } from '../errors.js';
import type { ObjectFailures } from './object-failures.js';
import { markStepsSql, stepMark } from './unit-marks.js';

/** Runs one step statement by statement inside the caller's transaction (errors name the step). */
export async function runStep(client: pg.ClientBase, step: DdlStep): Promise<void> {
  for (const sql of step.sql) {
    try {
      await client.query(sql);
    } catch (err) {
      throw ddlError(err, step.kind, step.name, sql);
    }
  }
}

/** A rejection pgferry can record and go on from (not a lost connection, not --strict). */
function recordable(err: unknown, failures: ObjectFailures | undefined): err is PgferryError {
  return failures !== undefined && !failures.strict && err instanceof PgferryError && err.code === 'PGFERRY_E_DDL';
}

/**
 * Runs one step with its mark in its own transaction, unless it is marked done already or
 * something it needs failed; a rejection is recorded in `failures` (when given) instead of
 * thrown. Returns whether the step is done.
 */
export async function runTracked(client: pg.ClientBase, step: DdlStep, failures: ObjectFailures | undefined, marks: StepMarks): Promise<boolean> {
  if (marks.done.has(stepMark(step.key))) return true;
  const by = failures?.blockerOf(step);
  if (by !== undefined) {
    failures!.blocked(step, by);
    return false;
  }
  try {
    await runMarkedStep(client, step, marks.runId);
    return true;
  } catch (err) {
    if (!recordable(err, failures)) throw err;
    failures!.rejected(step, err);
    return false;
  }
}

/** The run's id and the marks it already has on the target: steps marked done are not run again. */
export interface StepMarks {
  runId: string;
  done: Set<string>;
}

/** Steps one session commits at a time when it works alone (~2,000 locks for new tables and indexes). */
const STEPS_PER_TRANSACTION = 1000;

const TRANSIENT = new Set(['40P01', '40001']); // deadlock, serialization failure

/**
 * One step and its mark in one transaction, sent in one round trip: after a crash the step is
 * either done and marked, or not there at all. A lost deadlock (parallel foreign keys on
 * partitions lock the same tables in different orders) is tried again.
 */
async function runMarkedStep(client: pg.ClientBase, step: DdlStep, runId: string, attempts = 4): Promise<void> {
  const text = ['BEGIN', ...step.sql, markStepsSql(runId, [step.key]), 'COMMIT'].join(';\n');
  for (let attempt = 1; ; attempt++) {
    try {
      await client.query(text);
      return;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      const code = (err as { code?: string }).code;
      if (code && TRANSIENT.has(code) && attempt < attempts) {
        await new Promise((r) => setTimeout(r, 50 * attempt * Math.random() + 20));
        continue;
      }
      throw ddlError(err, step.kind, step.name, step.sql.join(';\n'));
    }
  }
}

export interface BatchOptions {
  /** Where rejected objects are recorded; without it the first rejection throws. */
  failures?: ObjectFailures;
  /** Mark each step done in its transaction, and skip steps already marked. */
  marks?: StepMarks;
  /** Most statements sent in one round trip. */
  statementsPerBatch?: number;
  /**
   * Commit after this many steps: every new table holds a lock until commit, and the lock table
   * is sized for max_locks_per_transaction × max_connections (6,400 by default).
   */
  stepsPerTransaction?: number;
  onStepDone?: (step: DdlStep) => void;
}

/** Runs `steps` in order, batched, in transactions of bounded size. */
export async function runStepsBatched(client: pg.ClientBase, steps: DdlStep[], opts: BatchOptions = {}): Promise<void> {
  const perBatch = opts.statementsPerBatch ?? 200;
  const perTx = opts.stepsPerTransaction ?? STEPS_PER_TRANSACTION;
  let inTx = 0;
  await client.query('BEGIN');
  try {
    const failures = opts.failures;
    const marks = opts.marks;
    const mark = (list: DdlStep[]) => (marks && list.length ? [markStepsSql(marks.runId, list.map((s) => s.key))] : []);
    for (let i = 0; i < steps.length; ) {
      const batch: DdlStep[] = [];
      let statements = 0;
      while (i < steps.length && (batch.length === 0 || statements + steps[i].sql.length <= perBatch)) {
        const step = steps[i++];
        if (marks?.done.has(stepMark(step.key))) continue;
        const by = failures?.blockerOf(step);
        if (by !== undefined) {
          failures!.blocked(step, by);
          continue;
        }
        statements += step.sql.length;
        batch.push(step);
      }
      await client.query('SAVEPOINT pgferry_batch');
      try {
        await client.query([...batch.flatMap((s) => s.sql), ...mark(batch)].join(';\n'));
      } catch {
        // replay one step at a time, each under its own savepoint, to find and name the culprit
        await client.query('ROLLBACK TO SAVEPOINT pgferry_batch');
        for (const step of batch) {
          const by = failures?.blockerOf(step);
          if (by !== undefined) {
            failures!.blocked(step, by);
            continue;
          }
          await client.query('SAVEPOINT pgferry_step');
          try {
            await runStep(client, step);
            for (const sql of mark([step])) await client.query(sql);
            await client.query('RELEASE SAVEPOINT pgferry_step');
          } catch (err) {
            if (!recordable(err, failures)) throw err;
            await client.query('ROLLBACK TO SAVEPOINT pgferry_step');
            failures!.rejected(step, err);
          }
        }
      }
      await client.query('RELEASE SAVEPOINT pgferry_batch');
      for (const step of batch) opts.onStepDone?.(step);
      inTx += batch.length;
      if (inTx >= perTx) {
        await client.query('COMMIT; BEGIN');
        inTx = 0;
      }
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

/**
 * Runs pre-data steps level by level (a level's steps do not depend on each other). A level with
 * at least `minParallel` steps is shared across the connections, steps of one lock group (the
 * partitions of one parent) kept together so that sessions never wait on each other in a cycle;
 * each connection commits before the next level starts, so the next level sees everything.
 */
export async function runStepsByLevel(
  clients: pg.ClientBase[],
  steps: DdlStep[],
  opts: BatchOptions & { minParallel?: number } = {},
): Promise<void> {
  const levels = new Map<number, DdlStep[]>();
  for (const s of steps) {
    const l = s.level ?? 0;
    if (!levels.has(l)) levels.set(l, []);
    levels.get(l)!.push(s);
  }
  const minParallel = opts.minParallel ?? 64;
  let serial: DdlStep[] = [];
  const flushSerial = async () => {
    if (serial.length) await runStepsBatched(clients[0], serial, opts);
    serial = [];
  };
  for (const level of [...levels.keys()].sort((a, b) => a - b)) {
    const group = levels.get(level)!;
    if (clients.length < 2 || group.length < minParallel) {
      serial.push(...group); // small levels run together, in order, on one connection
      continue;
    }
    await flushSerial();
    const byLock = new Map<string, DdlStep[]>();
    for (const s of group) {
      const k = s.lockGroup ?? s.key;
      if (!byLock.has(k)) byLock.set(k, []);
      byLock.get(k)!.push(s);
    }
    const shares: DdlStep[][] = clients.map(() => []);
    for (const g of [...byLock.values()].sort((a, b) => b.length - a.length)) {
      shares.reduce((min, sh) => (sh.length < min.length ? sh : min)).push(...g);
    }
    // the lock table is shared by all sessions: together they hold at most 2,000 uncommitted
    // steps, whatever --jobs is (1,000 steps of new tables and indexes hold ~2,000 locks; a
    // default server has room for 6,400)
    const perTx = Math.max(100, Math.floor((opts.stepsPerTransaction ?? STEPS_PER_TRANSACTION) * 2 / clients.length));
    await Promise.all(shares.map((share, i) => (share.length ? runStepsBatched(clients[i], share, { ...opts, stepsPerTransaction: perTx }) : Promise.resolve())));
  }
  await flushSerial();
}
