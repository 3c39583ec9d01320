/**
 * Faults during an incremental migration, through the engine: a column added on the source while
 * streaming (the run stops naming the table; after the same DDL on the target a resumed run ends
 * equal), the source (stopped fast, or crashed) and the target (crashed) restarted while
 * streaming (runWithRetries catches up by itself), a keyless table without replica identity
 * (refused before anything exists on the source; accepted with setReplicaIdentityFull) and a stop
 * request while streaming (the slot stays; the resumed run applies nothing twice). Each ends with
 * an independent digest of every table on both sides.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { runMigration, type MigrateOptions } from '../../src/run/run-migration.js';
import { runWithRetries } from '../../src/run/run-with-retries.js';
import { PgferryError } from '../../src/errors.js';
import { startLocalServer, type LocalServer } from '../../src/server/local-server.js';
import type { CutoverRequest } from '../../src/run/run-options.js';
import type { MigrationEvent, MigrationSummary } from '../../src/run/events.js';
import type { Logger } from '../../src/logger.js';
import { sequenceStates, tableDigests } from '../harness/data-oracle.js';
import { execSql, freshDatabase, server, startTestServer } from '../harness/servers.js';
import { incrementalOptions } from '../harness/slots.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `cond` holds; fails with `what` after `ms`. */
async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  for (const until = Date.now() + ms; Date.now() < until; ) {
    if (await cond()) return;
    await sleep(100);
  }
  assert.fail(`timed out waiting for ${what}`);
}

/**
 * Runs `step(i)` (one autocommitted statement list) until stopped, reconnecting after its own
 * connection errors (a server restarting); counts only the steps that returned.
 */
function startWriter(uri: string, step: (i: number) => string) {
  let stop = false;
  let committed = 0;
  let failures = 0;
  const done = (async () => {
    let c: pg.Client | null = null;
    let i = 0;
    while (!stop) {
      try {
        if (!c) {
          c = new pg.Client({ connectionString: uri });
          c.on('error', () => {});
          await c.connect();
        }
        await c.query(step(i));
        committed++;
        i++;
        // a few hundred transactions a second at most: the apply keeps up on a busy 2-core machine
        if (i % 5 === 0) await sleep(10);
      } catch {
        failures++;
        await c?.end().catch(() => {});
        c = null;
        await sleep(200);
      }
    }
    await c?.end().catch(() => {});
    return committed;
  })();
  return { stop: () => { stop = true; return done; }, committed: () => committed, failures: () => failures };
}

/** pgferry's slots and publications in the database of `uri` (other files' runs share the server). */
async function ownObjects(uri: string): Promise<string[]> {
  const r = await execSql(uri, `SELECT 'slot ' || slot_name AS n FROM pg_replication_slots WHERE slot_name LIKE 'pgferry%' AND database = current_database()
    UNION ALL SELECT 'publication ' || pubname FROM pg_publication WHERE pubname LIKE 'pgferry%' ORDER BY 1`);
  return r.rows.map((x) => String(x.n));
}

/** Drops what a failed test left on the source: a slot holds WAL until dropped. */
async function dropLeftovers(uri: string): Promise<void> {
  await execSql(uri, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'pgferry%' AND database = current_database() AND NOT active").catch(() => undefined);
}

/** A logger that keeps every line (printed when PGFERRY_TEST_LOG is set) for failure messages. */
function keptLogger(lines: string[]): Logger {
  const logger: Logger = {
    log: (level, msg) => {
      lines.push(`[${level}] ${msg}`);
      if (process.env.PGFERRY_TEST_LOG) process.stderr.write(`[${level}] ${msg}\n`);
    },
    child: () => logger,
  };
  return logger;
}

/** What a test steers a run with, and what it saw of it. */
interface Steer {
  cutover: CutoverRequest | null;
  stop: boolean;
  events: MigrationEvent[];
  log: string[];
}

function newSteer(): Steer {
  return { cutover: null, stop: false, events: [], log: [] };
}

function options(srcUri: string, dstUri: string, steer: Steer, extra: Partial<MigrateOptions> = {}): MigrateOptions {
  return {
    ...incrementalOptions(srcUri, dstUri, { cutover: () => steer.cutover, stop: () => steer.stop, logger: keptLogger(steer.log), onEvent: (e) => steer.events.push(e) }),
    ...extra,
  };
}

/** A run in the background: the promise, and whether it has settled. */
function background(p: Promise<MigrationSummary>) {
  const state = { settled: false, run: p };
  p.then(() => (state.settled = true), () => (state.settled = true));
  return state;
}

/** Waits for `n` stream-start events (a resumed attempt streams again), or the run to settle. */
async function waitStreaming(steer: Steer, bg: { settled: boolean; run: Promise<MigrationSummary> }, n = 1): Promise<void> {
  await waitFor(`stream-start #${n}`, () => bg.settled || steer.events.filter((e) => e.type === 'stream-start').length >= n, 45_000);
  if (bg.settled) await bg.run; // failed before it streamed: the rejection shows why
}

/** Stream status events with transactions applied since `since` (index into events). */
function appliedSince(steer: Steer, since: number): number {
  const s = steer.events.slice(since).filter((e): e is Extract<MigrationEvent, { type: 'stream' }> => e.type === 'stream');
  return s.length ? s[s.length - 1].transactions : 0;
}

async function assertEqual(srcUri: string, dstUri: string): Promise<void> {
  const [s, d] = await Promise.all([tableDigests(srcUri), tableDigests(dstUri)]);
  assert.deepEqual(Object.fromEntries(d), Object.fromEntries(s), 'the target equals the source table by table');
  assert.deepEqual(Object.fromEntries(await sequenceStates(dstUri)), Object.fromEntries(await sequenceStates(srcUri)), 'sequences equal');
}

/** The rejection of `p`, which must reject with a PgferryError. */
async function rejection(p: Promise<unknown>, log: string[]): Promise<PgferryError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof PgferryError, `a PgferryError, not ${String(err)}`);
    return err;
  }
  assert.fail(`the run succeeded; log:\n${log.join('\n')}`);
}

const BASE = `
  CREATE TABLE items (id int PRIMARY KEY, v text, n int);
  CREATE TABLE ins_only (v int NOT NULL, at text);
  ALTER TABLE ins_only REPLICA IDENTITY FULL;
  CREATE TABLE ser (id serial PRIMARY KEY, v text);
  INSERT INTO items SELECT i, md5(i::text), i FROM generate_series(1, 5000) i;
  INSERT INTO ins_only SELECT -i, 'before' FROM generate_series(1, 100) i;
  CREATE TABLE empty_keyed (id int PRIMARY KEY, v text);
  CREATE TABLE empty_full (v int);
  ALTER TABLE empty_full REPLICA IDENTITY FULL;`;

/** Inserts, updates and deletes on items, unique inserts on ins_only, serial inserts. */
function baseStep(i: number): string {
  const id = 100_000 + i;
  switch (i % 5) {
    case 0: return `INSERT INTO items VALUES (${id}, 'w${i}', ${i}); INSERT INTO ins_only VALUES (${i}, 'w')`;
    case 1: return `UPDATE items SET n = n + 1, v = 'u${i}' WHERE id = ${(i % 5000) + 1}`;
    case 2: return `DELETE FROM items WHERE id = ${((i * 7) % 5000) + 1}; INSERT INTO ins_only VALUES (${i}, 'd')`;
    case 3: return `INSERT INTO ser (v) VALUES ('s${i}')`;
    default: return `INSERT INTO ins_only VALUES (${i}, 'x'); UPDATE items SET v = 'k${i}' WHERE id = ${id - 4}`;
  }
}

/**
 * A private server restarted in place: stopped keeping its data, started again on the same
 * folder and port. The returned server's stop no longer removes the folder: `remove` does.
 */
async function restartInPlace(s: LocalServer, mode: 'fast' | 'immediate', downMs: number): Promise<LocalServer> {
  await s.stop(mode, { keepData: true });
  await sleep(downMs);
  return startLocalServer({ binDir: s.binDir, baseDir: path.dirname(s.dataDir), port: s.port });
}

describe('incremental migration faults', () => {
  it('a column added on the source while streaming stops the run naming the table; after the same ALTER on the target a resumed run ends equal', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'ifddl');
    const dst = await freshDatabase(await server('15', 'dst'), 'ifddl');
    await execSql(src.uri, BASE);
    const steer = newSteer();
    let writer = startWriter(src.uri, baseStep);
    let later: ReturnType<typeof startWriter> | undefined;
    const first = background(runMigration(options(src.uri, dst.uri, steer)));
    try {
      await waitStreaming(steer, first);
      await sleep(1500);
      await writer.stop();
      await execSql(src.uri, 'ALTER TABLE items ADD COLUMN extra int');
      // the new shape in use: a Relation message with the new column comes first
      later = startWriter(src.uri, (i) => i % 2 ? `INSERT INTO items (id, v, n, extra) VALUES (${500_000 + i}, 'e${i}', ${i}, ${i * 3})` : `UPDATE items SET extra = ${i} WHERE id = ${(i % 5000) + 1}`);
      const err = await rejection(first.run, steer.log);
      assert.equal(err.code, 'PGFERRY_E_SCHEMA_CHANGED', err.toLine());
      assert.match(err.message, /items/, 'the message names the table');
      assert.match(err.message, /extra/, 'and the column');
      assert.deepEqual(await ownObjects(src.uri), [`publication ${slotOf(steer)}`, `slot ${slotOf(steer)}`], 'the slot and the publication stay for the resume');
      const runId = runIdOf(steer);
      await sleep(500);
      const wrote = await later.stop();
      assert.ok(wrote > 10, `the writer used the new column ${wrote} times`);
      writer = startWriter(src.uri, (i) => baseStep(i + 1_000_000));
      await execSql(dst.uri, 'ALTER TABLE items ADD COLUMN extra int');

      const steer2 = newSteer();
      const resumed = background(runMigration(options(src.uri, dst.uri, steer2, { resume: true, runId })));
      await waitStreaming(steer2, resumed);
      await sleep(1000);
      const after = await writer.stop();
      assert.ok(after > 10);
      steer2.cutover = { blockWrites: false, maxLagSeconds: 5 };
      const summary = await resumed.run;
      assert.equal(summary.runId, runId, 'the resumed run keeps the id');
      assert.ok(summary.cutover && summary.cutover.transactionsApplied > 0, 'the resumed run applied the changes made after the ALTER');
      await assertEqual(src.uri, dst.uri);
      assert.equal((await execSql(dst.uri, 'SELECT count(*)::int AS n FROM items WHERE extra IS NOT NULL')).rows[0].n,
        (await execSql(src.uri, 'SELECT count(*)::int AS n FROM items WHERE extra IS NOT NULL')).rows[0].n);
      assert.deepEqual(await ownObjects(src.uri), [], 'slot and publication gone');
    } finally {
      await writer.stop().catch(() => 0);
      await later?.stop().catch(() => 0);
      await first.run.catch(() => undefined);
      await dropLeftovers(src.uri);
    }
  });

  // fast: a planned restart; immediate: a crash (the source's slot comes back as of its last checkpoint)
  for (const [side, mode] of [['source', 'fast'], ['source', 'immediate'], ['target', 'immediate']] as const) {
    it(`the ${side} restarted (${mode}) while streaming: runWithRetries resumes by itself and the cutover ends equal`, async () => {
      // the side that restarts is a private server: the shared ones serve other files meanwhile
      let own: LocalServer = await startTestServer('15');
      const ownBase = path.dirname(own.dataDir);
      try {
        await restartCase(side, mode, own, (s) => (own = s));
      } finally {
        await own.stop('immediate');
        fs.rmSync(ownBase, { recursive: true, force: true });
      }
    });
  }

  it('a keyless table without replica identity is refused before anything exists on the source; with setReplicaIdentityFull it streams duplicates exactly', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'ifkey');
    const dst = await freshDatabase(await server('15', 'dst'), 'ifkey');
    await execSql(src.uri, `${BASE}
      CREATE TABLE loose (a int, b text);
      INSERT INTO loose VALUES (1, 'dup'), (1, 'dup'), (1, 'dup'), (2, 'two'), (3, 'three');`);
    const steer = newSteer();
    const err = await rejection(runMigration(options(src.uri, dst.uri, steer)), steer.log);
    assert.equal(err.code, 'PGFERRY_E_REPLICA_IDENTITY', err.toLine());
    assert.match(err.message, /loose/);
    assert.deepEqual(await ownObjects(src.uri), [], 'no slot and no publication on the source');
    const ident = await execSql(src.uri, "SELECT relreplident FROM pg_class WHERE oid = 'loose'::regclass");
    assert.equal(ident.rows[0].relreplident, 'd', 'the replica identity was left alone');
    // nothing publishes the table: UPDATE and DELETE still work
    assert.equal((await execSql(src.uri, "UPDATE loose SET b = 'three!' WHERE a = 3")).rowCount, 1);
    assert.equal((await execSql(src.uri, 'DELETE FROM loose WHERE a = 2')).rowCount, 1);

    const steer2 = newSteer();
    const writer = startWriter(src.uri, (i) => {
      switch (i % 4) {
        // one of the duplicates changes, then all of them, then one goes and another comes
        case 0: return `UPDATE loose SET b = 'one${i}' WHERE ctid = (SELECT min(ctid) FROM loose WHERE a = 1)`;
        case 1: return `UPDATE loose SET b = 'dup' WHERE a = 1`;
        case 2: return `DELETE FROM loose WHERE ctid = (SELECT max(ctid) FROM loose WHERE a = 1); INSERT INTO loose VALUES (1, 'dup'), (4, 'n${i}')`;
        default: return baseStep(i);
      }
    });
    const bg = background(runMigration(options(src.uri, dst.uri, steer2, { setReplicaIdentityFull: true })));
    try {
      await waitStreaming(steer2, bg);
      const full = await execSql(src.uri, "SELECT relreplident FROM pg_class WHERE oid = 'loose'::regclass");
      assert.equal(full.rows[0].relreplident, 'f');
      await waitFor('transactions applied', () => appliedSince(steer2, 0) > 20);
      assert.ok((await writer.stop()) > 20);
      steer2.cutover = { blockWrites: false, maxLagSeconds: 5 };
      const summary = await bg.run;
      assert.ok(summary.cutover && summary.cutover.rowsApplied > 0);
      assert.ok((await execSql(src.uri, 'SELECT count(*)::int AS n FROM loose WHERE a = 1')).rows[0].n >= 3, 'duplicates remain');
      await assertEqual(src.uri, dst.uri);
      assert.deepEqual(await ownObjects(src.uri), []);
    } finally {
      await writer.stop().catch(() => 0);
      await bg.run.catch(() => undefined);
      await dropLeftovers(src.uri);
    }
  });

  it('a stop request while streaming keeps the slot; the resumed run cuts over equal without applying a transaction twice (nor copying a table that was empty at the copy)', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'ifstop');
    const dst = await freshDatabase(await server('15', 'dst'), 'ifstop');
    await execSql(src.uri, BASE);
    const steer = newSteer();
    const writer = startWriter(src.uri, baseStep);
    const first = background(runMigration(options(src.uri, dst.uri, steer)));
    let resumed: ReturnType<typeof background> | undefined;
    try {
      await waitStreaming(steer, first);
      await waitFor('transactions applied', () => appliedSince(steer, 0) > 20);
      steer.stop = true;
      const err = await rejection(first.run, steer.log);
      assert.equal(err.code, 'PGFERRY_E_STOPPED', err.toLine());
      const slot = slotOf(steer);
      assert.deepEqual(await ownObjects(src.uri), [`publication ${slot}`, `slot ${slot}`], 'the slot stays');
      const stoppedAt = (await execSql(dst.uri, 'SELECT count(*)::int AS n FROM ins_only')).rows[0].n as number;
      // the writer goes on while nothing streams; tables empty at the copy get rows only the stream brings
      await execSql(src.uri, "INSERT INTO empty_keyed VALUES (1, 'a'), (2, 'b'); INSERT INTO empty_full VALUES (1), (1)");
      await sleep(1000);
      const steer2 = newSteer();
      resumed = background(runMigration(options(src.uri, dst.uri, steer2, { resume: true, runId: runIdOf(steer) })));
      await waitStreaming(steer2, resumed);
      assert.equal(slotOf(steer2), slot, 'the same slot');
      await sleep(1000);
      assert.ok((await writer.stop()) > 50);
      steer2.cutover = { blockWrites: false, maxLagSeconds: 5 };
      const summary = await resumed.run;
      assert.ok(summary.cutover && summary.cutover.transactionsApplied > 0);
      const [s, d] = await Promise.all([
        execSql(src.uri, 'SELECT count(*)::int AS n, count(DISTINCT (v, at))::int AS u FROM ins_only'),
        execSql(dst.uri, 'SELECT count(*)::int AS n, count(DISTINCT (v, at))::int AS u FROM ins_only'),
      ]);
      assert.ok(d.rows[0].n > stoppedAt, 'the resumed run applied inserts');
      assert.equal(d.rows[0].n, d.rows[0].u, 'no insert applied twice');
      assert.deepEqual(d.rows[0], s.rows[0]);
      await assertEqual(src.uri, dst.uri);
      assert.deepEqual(await ownObjects(src.uri), []);
    } finally {
      await writer.stop().catch(() => 0);
      await first.run.catch(() => undefined);
      await resumed?.run.catch(() => undefined);
      await dropLeftovers(src.uri);
    }
  });
});

function slotOf(steer: Steer): string {
  const e = steer.events.find((x): x is Extract<MigrationEvent, { type: 'stream-start' }> => x.type === 'stream-start');
  assert.ok(e, 'the run streamed');
  return e.slot;
}

function runIdOf(steer: Steer): string {
  const e = steer.events.find((x): x is Extract<MigrationEvent, { type: 'run' }> => x.type === 'run');
  assert.ok(e, 'the run said its id');
  return e.runId;
}

/** Streams with a writer, restarts `side`'s private server, lets runWithRetries catch up, cuts over. */
async function restartCase(side: 'source' | 'target', mode: 'fast' | 'immediate', first: LocalServer, restarted: (s: LocalServer) => void): Promise<void> {
  const ownDb = await freshDatabase({ port: first.port, major: first.major }, `ifr${side}`);
  const other = await freshDatabase(await server('15', side === 'source' ? 'dst' : 'src'), `ifr${side}`);
  const src = side === 'source' ? ownDb : other;
  const dst = side === 'source' ? other : ownDb;
  await execSql(src.uri, BASE);
  const steer = newSteer();
  const writer = startWriter(src.uri, baseStep);
  const bg = background(runWithRetries(options(src.uri, dst.uri, steer), { retries: 10, baseDelayMs: 500, maxDelayMs: 2000 }));
  try {
    await waitStreaming(steer, bg);
    await waitFor('transactions applied before the restart', () => appliedSince(steer, 0) > 20);
    const beforeRestart = writer.committed();
    // a large transaction, so that the restart most likely comes while it is being applied
    await execSql(src.uri, "INSERT INTO ins_only SELECT g, 'big' FROM generate_series(10000000, 10019999) g");
    await sleep(800);
    restarted(await restartInPlace(first, mode, 1500));
    // the retry streams again from the position the target recorded
    await waitStreaming(steer, bg, 2);
    const mark = steer.events.length;
    await waitFor('transactions applied after the restart', () => appliedSince(steer, mark) > 20, 30_000);
    const total = await writer.stop();
    assert.ok(total > beforeRestart + 20, `the writer went on after the restart (${beforeRestart} → ${total})`);
    if (side === 'source') assert.ok(writer.failures() > 0, 'the writer saw its connection fail');
    const retries = steer.events.filter((e) => e.type === 'retry');
    assert.ok(retries.length >= 1, 'the run was retried');
    steer.cutover = { blockWrites: false, maxLagSeconds: 5 };
    const summary = await bg.run;
    assert.ok(summary.cutover, `the summary has the cutover; log:\n${steer.log.join('\n')}`);
    await assertEqual(src.uri, dst.uri);
    assert.deepEqual(await ownObjects(src.uri), []);
  } finally {
    await writer.stop().catch(() => 0);
    await bg.run.catch(() => undefined);
    await dropLeftovers(src.uri);
  }
}
