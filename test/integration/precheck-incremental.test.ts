/**
 * The precheck items of an incremental migration, against real sources: replica identity (a
 * keyless table fails, passes as a warning listing the ALTER with --set-replica-identity-full,
 * a REPLICA IDENTITY FULL table passes), an account with only USAGE and SELECT (no replication
 * connection, no right to create the publication), a publication the owner created (covering
 * every table, partitions through their partitioned table, or lacking one), the TRUNCATE
 * warning on a source 10, and a full migration's precheck without any of these items.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import pg from 'pg';
import { DEBIAN_PG15_BIN, execSql, freshDatabase, server, uriOf, type Major } from '../harness/servers.js';
import { startLocalServer } from '../../src/server/local-server.js';
import { runPrecheck } from '../../src/precheck/run-precheck.js';
import { resolveConnInfo } from '../../src/config/conninfo.js';
import { parseSpecBody } from '../../src/config/task-spec.js';
import { planInputs, type PlanInputs } from '../../src/plan/plan-inputs.js';
import type { PrecheckItem } from '../../src/precheck/precheck-model.js';

const INCREMENTAL_IDS = [
  'wal-level', 'replication-slots', 'replication-role', 'replica-identity', 'publication-rights', 'slot-wal-retention',
  'apply-connections', 'not-kept-in-step', 'truncate-decoding',
];

const full = planInputs(parseSpecBody({}));
const incremental = (extra: Partial<PlanInputs> = {}): PlanInputs => ({ ...full, incremental: true, ...extra });

async function precheck(source: string, target: string, inputs: PlanInputs): Promise<Map<string, PrecheckItem>> {
  const report = await runPrecheck(resolveConnInfo(source), resolveConnInfo(target), inputs);
  return new Map(report.items.map((i) => [i.id, i]));
}

/** The source URI as another role (the test servers trust every login from 127.0.0.1). */
const as = (uri: string, role: string) => uri.replace('postgresql://postgres@', `postgresql://${role}@`);

describe('incremental precheck items', () => {
  it('fails a keyless table without identity, warns with the ALTER under --set-replica-identity-full, passes REPLICA IDENTITY FULL', async () => {
    const src = await freshDatabase(await server('15', 'src'), 'incr_ident');
    const dst = await freshDatabase(await server('15', 'dst'), 'incr_ident');
    await execSql(src.uri, `CREATE TABLE keyed (id int PRIMARY KEY, v text);
      CREATE TABLE "Keyless Tbl" (a int, b text);
      CREATE TABLE whole (a int, b text); ALTER TABLE whole REPLICA IDENTITY FULL;
      CREATE UNLOGGED TABLE scratch (id int PRIMARY KEY);
      INSERT INTO keyed SELECT g, md5(g::text) FROM generate_series(1, 1000) g`);

    const items = await precheck(src.uri, dst.uri, incremental());
    assert.deepEqual([...items.keys()].slice(-INCREMENTAL_IDS.length), INCREMENTAL_IDS, 'the incremental items come last, in order');
    const ri = items.get('replica-identity')!;
    assert.equal(ri.status, 'fail', JSON.stringify(ri));
    assert.deepEqual(ri.objects, ['public."Keyless Tbl"'], 'the FULL table and the keyed one are not named');
    assert.match(ri.detail, /UPDATE and DELETE on it fails on the source/);
    assert.match(ri.fix!, /--set-replica-identity-full/);
    // the superuser source may do everything else; the slot estimate is a warning
    for (const id of ['wal-level', 'replication-slots', 'replication-role', 'publication-rights', 'apply-connections', 'truncate-decoding']) assert.equal(items.get(id)!.status, 'pass', `${id}: ${JSON.stringify(items.get(id))}`);
    assert.match(items.get('replication-role')!.detail, /a superuser\) opened a replication connection .*IDENTIFY_SYSTEM answered system \d+, timeline 1/);
    const wal = items.get('slot-wal-retention')!;
    assert.equal(wal.status, 'warn');
    assert.match(wal.detail, /at an assumed 50 MB\/s .*\(max_slot_wal_keep_size = -1: nothing limits it\); it keeps holding WAL until/);
    const nk = items.get('not-kept-in-step')!;
    assert.equal(nk.status, 'warn');
    assert.deepEqual(nk.objects, ['public.scratch: an unlogged table is not in logical decoding: copied once, not kept in step']);

    const withFull = await precheck(src.uri, dst.uri, incremental({ setReplicaIdentityFull: true }));
    const w = withFull.get('replica-identity')!;
    assert.equal(w.status, 'warn', JSON.stringify(w));
    assert.deepEqual(w.objects, ['ALTER TABLE "public"."Keyless Tbl" REPLICA IDENTITY FULL']);

    await execSql(src.uri, 'ALTER TABLE "Keyless Tbl" REPLICA IDENTITY FULL');
    const after = (await precheck(src.uri, dst.uri, incremental())).get('replica-identity')!;
    assert.equal(after.status, 'pass', JSON.stringify(after));
    assert.match(after.detail, /1 by primary key, 0 by a replica-identity index, 2 REPLICA IDENTITY FULL/);
  });

  it("an account with only USAGE and SELECT cannot replicate nor publish; the owner's publication covering every table passes, one lacking a table fails naming it", async () => {
    const s = await server('15', 'src');
    const src = await freshDatabase(s, 'incr_rights');
    const dst = await freshDatabase(await server('15', 'dst'), 'incr_rights');
    const role = `pgf_incr_${crypto.randomBytes(3).toString('hex')}`;
    await execSql(uriOf(s, 'postgres'), `CREATE ROLE ${role} LOGIN`);
    await execSql(src.uri, `CREATE TABLE keyed (id int PRIMARY KEY);
      CREATE TABLE parted (id int PRIMARY KEY) PARTITION BY RANGE (id);
      CREATE TABLE parted_low PARTITION OF parted FOR VALUES FROM (0) TO (100);
      CREATE TABLE parted_high PARTITION OF parted FOR VALUES FROM (100) TO (200);
      GRANT USAGE ON SCHEMA public TO ${role}; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role};
      CREATE PUBLICATION covering FOR TABLE keyed, parted;
      CREATE PUBLICATION lacking FOR TABLE parted;
      CREATE PUBLICATION inserts_only FOR TABLE keyed, parted WITH (publish = 'insert')`);
    const reader = as(src.uri, role);

    const items = await precheck(reader, dst.uri, incremental());
    assert.equal(items.get('source-privileges')!.status, 'pass', 'the role reads every table');
    const rr = items.get('replication-role')!;
    assert.equal(rr.status, 'fail', JSON.stringify(rr));
    assert.match(rr.detail, new RegExp(`the source role ${role} \\(neither a superuser nor REPLICATION.*\\) cannot open a replication connection .*: must be superuser or replication role to start walsender`));
    assert.match(rr.fix!, new RegExp(`ALTER ROLE ${role} REPLICATION.*GRANT rds_replication TO ${role}`));
    const pr = items.get('publication-rights')!;
    assert.equal(pr.status, 'fail', JSON.stringify(pr));
    assert.match(pr.detail, /lacks CREATE on the source database and ownership of 3 of the 3 streamed table\(s\)/);
    assert.deepEqual(pr.objects, ['public.keyed', 'public.parted_high', 'public.parted_low'].map((t) => `${t}: not owned by ${role}`).sort());
    assert.match(pr.fix!, /CREATE PUBLICATION pgferry_pub FOR TABLE .* and pass --publication pgferry_pub/);

    // on 15 a published partitioned table covers its partitions (publish_via_partition_root off)
    const covering = (await precheck(reader, dst.uri, incremental({ publication: 'covering' }))).get('publication-rights')!;
    assert.equal(covering.status, 'pass', JSON.stringify(covering));
    assert.equal(covering.detail, 'publication covering publishes every change to all 3 streamed table(s)');
    const lacking = (await precheck(reader, dst.uri, incremental({ publication: 'lacking' }))).get('publication-rights')!;
    assert.equal(lacking.status, 'fail');
    assert.deepEqual(lacking.objects, ['table public.keyed is not in publication lacking']);
    assert.match(lacking.fix!, /ALTER PUBLICATION lacking ADD TABLE public\.keyed/);
    const inserts = (await precheck(reader, dst.uri, incremental({ publication: 'inserts_only' }))).get('publication-rights')!;
    assert.equal(inserts.status, 'fail');
    assert.deepEqual(inserts.objects, ['publication inserts_only does not publish update, delete, truncate: those changes would never reach the target']);
    const absent = (await precheck(reader, dst.uri, incremental({ publication: 'nowhere' }))).get('publication-rights')!;
    assert.deepEqual([absent.status, absent.objects], ['fail', ['publication nowhere does not exist in the source database']]);

    // --set-replica-identity-full on a table the role does not own: pgferry could not ALTER it
    await execSql(src.uri, `CREATE TABLE loose (a int); GRANT SELECT ON loose TO ${role}`);
    const ri = (await precheck(reader, dst.uri, incremental({ setReplicaIdentityFull: true }))).get('replica-identity')!;
    assert.equal(ri.status, 'fail', JSON.stringify(ri));
    assert.deepEqual(ri.objects, ['public.loose: ALTER TABLE "public"."loose" REPLICA IDENTITY FULL']);
    assert.match(ri.detail, /only their owner \(or a superuser\) may do; the source role does not own 1 of them/);
    await execSql(src.uri, `DROP OWNED BY ${role}`);
    await execSql(uriOf(s, 'postgres'), `DROP ROLE ${role}`);
  });

  it('fails the WAL estimate when it exceeds max_slot_wal_keep_size (the slot would be invalidated mid-copy)', async () => {
    // a server of its own: max_slot_wal_keep_size is server-wide
    const own = await startLocalServer({ binDir: DEBIAN_PG15_BIN, settings: { wal_level: 'logical', max_slot_wal_keep_size: 0, max_replication_slots: 4, max_wal_senders: 4 } });
    const writer = new pg.Client({ connectionString: own.uri('postgres') });
    writer.on('error', () => {});
    try {
      const dst = await freshDatabase(await server('15', 'dst'), 'incr_keep');
      await execSql(own.uri('postgres'), "CREATE TABLE churn (id int PRIMARY KEY, pad text); INSERT INTO churn SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g");
      await writer.connect();
      // WAL written the whole time the precheck samples the rate (cancelled after it)
      const writing = writer.query(`DO $$ DECLARE t timestamptz := pg_catalog.clock_timestamp(); BEGIN
        WHILE pg_catalog.clock_timestamp() < t + interval '60 s' LOOP UPDATE churn SET pad = pad WHERE id <= 2000; END LOOP; END $$`).catch(() => {});
      const item = (await precheck(own.uri('postgres'), dst.uri, incremental())).get('slot-wal-retention')!;
      assert.equal(item.status, 'fail', JSON.stringify(item));
      assert.match(item.detail, /\(max_slot_wal_keep_size = 0 MB\).*: more than max_slot_wal_keep_size, so the source would invalidate the slot mid-copy/);
      assert.match(item.fix!, /ALTER SYSTEM SET max_slot_wal_keep_size = '\d+GB'; SELECT pg_reload_conf\(\)/);
      await execSql(own.uri('postgres'), 'SELECT pg_catalog.pg_cancel_backend($1)', [(writer as unknown as { processID: number }).processID]);
      await writing;
    } finally {
      await writer.end().catch(() => {});
      await own.stop('immediate').catch(() => {});
    }
  });

  it("a full migration's precheck has none of the incremental items", async () => {
    const src = await freshDatabase(await server('15', 'src'), 'incr_none');
    const dst = await freshDatabase(await server('15', 'dst'), 'incr_none');
    await execSql(src.uri, 'CREATE TABLE t (a int)');
    const items = await precheck(src.uri, dst.uri, full);
    assert.ok(items.has('mapping'));
    assert.deepEqual(INCREMENTAL_IDS.filter((id) => items.has(id)), []);
  });

  for (const major of ['10', '13', '17', '18'] as Major[])
    it(`every incremental item runs on a source ${major}${major === '10' ? ', with the TRUNCATE warning' : ''}`, async () => {
      const src = await freshDatabase(await server(major, 'src'), `incr_v${major}`);
      const dst = await freshDatabase(await server('18', 'dst'), `incr_v${major}`);
      await execSql(src.uri, `CREATE TABLE keyed (id int PRIMARY KEY); CREATE TABLE other (id int PRIMARY KEY);
        CREATE PUBLICATION both_tables FOR TABLE keyed, other; CREATE PUBLICATION one_table FOR TABLE keyed`);
      const items = await precheck(src.uri, dst.uri, incremental({ publication: 'both_tables' }));
      assert.deepEqual(INCREMENTAL_IDS.filter((id) => !items.has(id)), []);
      const failed = [...items.values()].filter((i) => i.status === 'fail');
      assert.deepEqual(failed, [], 'a superuser source with keyed tables and a covering publication passes');
      const tr = items.get('truncate-decoding')!;
      if (major === '10') {
        assert.equal(tr.status, 'warn');
        assert.match(tr.detail, /PostgreSQL 10, which does not decode TRUNCATE/);
        assert.match(tr.fix!, /do not TRUNCATE streamed tables on the source until cutover/);
      } else assert.equal(tr.status, 'pass');
      assert.match(items.get('slot-wal-retention')!.detail, major === '10' ? /no max_slot_wal_keep_size before PostgreSQL 13/ : /max_slot_wal_keep_size = -1/);
      const one = (await precheck(src.uri, dst.uri, incremental({ publication: 'one_table' }))).get('publication-rights')!;
      assert.deepEqual([one.status, one.objects], ['fail', ['table public.other is not in publication one_table']]);
    });
});
