/**
 * Connect: the source leader, the target session and the session that holds the run's lock;
 * then the run's marks (a resumed run continues the target's unfinished run under its id).
 */
import type pg from 'pg';
import { connect, serverVersionNum } from '../pg/connect.js';
import { checkVersions } from '../plan/target-context.js';
import { doneUnits, endOrphanedSessions, fenceEarlierSessions, unfinishedRun } from './unit-marks.js';
import { lockTarget } from './target-lock.js';
import type { RunContext } from './run-context.js';

export interface Connected {
  /** The source session that exports the snapshot and holds it until the data is in. */
  leader: pg.Client;
  /** The target session for serial DDL, marks and sequences. */
  target: pg.Client;
  sourceVersion: number;
  targetVersion: number;
  /** No unit or step done before: every table this run copies into is one it creates, empty. */
  freshRun: boolean;
}

export async function connectPhase(ctx: RunContext): Promise<Connected> {
  const { opts, log } = ctx;
  const sides = await ctx.phase('connect', undefined, async () => {
    if (opts.resume && !opts.runId) {
      // the run to continue is the target's latest unfinished one; its id tags every session
      const probe = await connect(opts.target, 'target');
      try {
        const previous = await unfinishedRun(probe);
        if (previous) ctx.runId = previous;
        else log.log('warn', 'no unfinished run on the target: starting a new one');
      } finally {
        await probe.end().catch(() => {});
      }
    }
    const [leader, target, lock] = await Promise.all([ctx.open('source'), ctx.open('target'), ctx.open('target')]);
    if (opts.resume && opts.fenceRun) {
      const own = await Promise.all([target, lock].map(async (c) => (await c.query<{ pid: number }>('SELECT pg_catalog.pg_backend_pid() AS pid')).rows[0].pid));
      const fenced = await fenceEarlierSessions(lock, ctx.runId, own);
      if (fenced) log.log('warn', `ended ${fenced} session(s) an earlier process of this run still had on the target (its run lock among them)`);
    }
    // one run per target database, held by a session that does nothing else until the run ends
    await lockTarget(lock, opts.target.database);
    const [sourceVersion, targetVersion] = await Promise.all([serverVersionNum(leader), serverVersionNum(target)]);
    checkVersions(sourceVersion, targetVersion);
    return { leader, target, sourceVersion, targetVersion };
  });
  log.log('info', `source PostgreSQL ${sides.sourceVersion}, target PostgreSQL ${sides.targetVersion}`);

  // bookkeeping first: every step and unit from here on is marked done in its own transaction
  if (opts.resume) {
    const orphans = await endOrphanedSessions(sides.target, ctx.runId);
    if (orphans) log.log('warn', `ended ${orphans} session(s) a stopped pgferry run had left working on the target`);
  }
  const done = await doneUnits(sides.target, ctx.runId);
  ctx.marks = { runId: ctx.runId, done };
  ctx.emit({ type: 'run', runId: ctx.runId, resumed: done.size > 0 });
  if (done.size) {
    const units = [...done].filter((u) => !u.startsWith('step:')).length;
    log.log('warn', `resuming run ${ctx.runId}: ${done.size - units} DDL steps and ${units} copy units are done and are skipped;` +
      (units ? ' the remaining units read a new snapshot of the source, consistent with the earlier ones only if the source took no writes in between' : ''));
  }
  return { ...sides, freshRun: done.size === 0 };
}
