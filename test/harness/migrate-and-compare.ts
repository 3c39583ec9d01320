/** The common shape of an end-to-end check: migrate, then compare schema, data and sequences. */
import assert from 'node:assert/strict';
import { resolveConnInfo } from '../../src/config/conninfo.js';
import { runMigration } from '../../src/run/run-migration.js';
import { runVerify } from '../../src/verify/run-verify.js';
import type { EventSink, MigrationSummary } from '../../src/run/events.js';
import { sequenceStates, tableDigests } from './data-oracle.js';
import { execSql } from './servers.js';
import { dumpDiff, oracleClientOf, restoreSchemaReference, schemaDump } from './tools.js';

/**
 * Migrates source → target and asserts all three oracles agree. Returns the summary. With
 * `referenceUri` (an empty database on the target's server), the target's schema is compared with
 * what pg_dump | pg_restore makes there instead of with the source's: across major versions the
 * server words views and expressions its own way. Every dump is pg_dump 18's when either side is
 * 18, else 17's (tools.ts).
 */
export async function migrateAndCompare(
  sourceUri: string,
  targetUri: string,
  referenceUri?: string,
  opts: { publications?: boolean; onEvent?: EventSink } = {},
): Promise<MigrationSummary> {
  const summary = await runMigration({
    source: resolveConnInfo(sourceUri),
    target: resolveConnInfo(targetUri),
    jobs: 2,
    schemaOnly: false,
    dataOnly: false,
    publications: opts.publications,
    onEvent: opts.onEvent,
  });
  assert.deepEqual(summary.failures, [], 'the target rejected objects');
  const client = await oracleClientOf(sourceUri, targetUri);
  if (referenceUri) await restoreSchemaReference(sourceUri, referenceUri, false, client);
  const [a, b] = await Promise.all([schemaDump(referenceUri ?? sourceUri, [], client), schemaDump(targetUri, [], client)]);
  assert.equal(dumpDiff(a, b), '', 'pg_dump --schema-only of source and target differ');
  const floatDigits = (await execSql(sourceUri, "SELECT current_setting('server_version_num')::int AS v")).rows[0].v < 120000 ? 0 : 3;
  const [da, db] = await Promise.all([tableDigests(sourceUri, floatDigits), tableDigests(targetUri, floatDigits)]);
  assert.deepEqual([...db.entries()], [...da.entries()], 'table digests differ');
  const [sa, sb] = await Promise.all([sequenceStates(sourceUri), sequenceStates(targetUri)]);
  assert.deepEqual([...sb.entries()], [...sa.entries()], 'sequence states differ');
  const report = await runVerify({ source: resolveConnInfo(sourceUri), target: resolveConnInfo(targetUri), jobs: 2 });
  assert.ok(report.ok, `pgferry verify failed: ${JSON.stringify(report.tables.filter((t) => !t.ok))}`);
  return summary;
}
