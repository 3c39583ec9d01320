/**
 * A running task's `set --jobs` holds in every phase: the final ANALYZE used to size its pool
 * with the job count the run started with. Here the run starts with 1 job and the task's control
 * says 3: the phase opens 3 target sessions and every table gets its statistics.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { it } from 'node:test';
import pg from 'pg';
import { resolveConnInfo } from '../../src/config/conninfo.js';
import { RateLimiter } from '../../src/copy/rate-limit.js';
import { RunContext } from '../../src/run/run-context.js';
import { analyzePhase } from '../../src/run/phase-analyze.js';
import { AnalyzeQueue } from '../../src/run/analyze-tables.js';
import type { AnalyzeTarget } from '../../src/plan/plan-model.js';
import type { MigrateOptions } from '../../src/run/run-options.js';
import { execSql, freshDatabase, server } from '../harness/servers.js';

/** A run context that counts the target sessions it opens. */
class CountingContext extends RunContext {
  targetSessions = 0;
  override async open(side: 'source' | 'target'): Promise<pg.Client> {
    if (side === 'target') this.targetSessions++;
    return super.open(side);
  }
}

it('the analyze phase sizes its pool with the live job count (task set --jobs), not the starting one', async () => {
  const db = await freshDatabase(await server('15', 'dst'), 'livejobs');
  const names = ['a', 'b', 'c', 'd'];
  await execSql(db.uri, names.map((n) => `CREATE TABLE ${n} (id int); INSERT INTO ${n} SELECT generate_series(1, 1000);`).join('\n'));
  // large enough that each table is its own ANALYZE batch
  const tables: AnalyzeTarget[] = names.map((n) => ({ key: `t:${n}`, schema: 'public', name: n, table: `public.${n}`, bytes: 1 << 30, afterIndexes: false }));
  const info = resolveConnInfo(db.uri);
  const run = async (jobs: number, live?: number) => {
    const opts: MigrateOptions = {
      source: info, target: info, jobs, schemaOnly: false, dataOnly: false,
      control: live === undefined ? undefined : { stopRequested: () => false, jobs: () => live, limiter: new RateLimiter(0) },
    };
    const ctx = new CountingContext(opts, crypto.randomUUID());
    try {
      await analyzePhase(ctx, tables, new AnalyzeQueue([], [], () => false));
    } finally {
      await ctx.close();
    }
    return ctx.targetSessions;
  };
  assert.equal(await run(1, 3), 3, 'the task was set to 3 jobs');
  assert.equal(await run(1), 1, 'no control: the starting count');

  const c = new pg.Client({ connectionString: db.uri });
  await c.connect();
  try {
    const r = await c.query<{ relname: string }>("SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL ORDER BY 1");
    assert.deepEqual(r.rows.map((x) => x.relname), names);
  } finally {
    await c.end();
  }
});
