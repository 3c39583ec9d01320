/**
 * Two runs into one target database: the bookkeeping schema (pgferry_state) holds both runs' unit
 * marks and both streams' applied positions. A run that completes removes its own marks and its own
 * stream's position; the schema goes only when nothing of any run is left, so another task still
 * streaming there keeps the position a restart of it resumes from.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { recordStreamStart } from '../../src/cdc/apply-changes.js';
import { parseLsn } from '../../src/cdc/lsn.js';
import { streamObjectName } from '../../src/cdc/slot-lifecycle.js';
import { dropUnitMarks, ensureUnitMarks, markUnitDone } from '../../src/run/unit-marks.js';
import { execSql, freshDatabase, server } from '../harness/servers.js';

describe('pgferry_state shared by two runs', () => {
  it("a finished run drops its marks and its position, never another stream's", async () => {
    const dst = await freshDatabase(await server('17', 'dst'), 'stateshared');
    const target = new pg.Client({ connectionString: dst.uri });
    await target.connect();
    try {
      const [a, b] = ['0a1b2c3d-0000-4000-8000-00000000000a', '0a1b2c3d-0000-4000-8000-00000000000b'];
      await ensureUnitMarks(target);
      for (const run of [a, b]) {
        await markUnitDone(target, { id: run, snapshot: '00000003-00000002-1' }, 'table:public.t', 10, 100);
        await recordStreamStart(target, streamObjectName(run), parseLsn('0/16B3748'), new Date());
      }
      const state = async () => {
        const r = await execSql(dst.uri, "SELECT to_regnamespace('pgferry_state') IS NOT NULL AS schema");
        if (!r.rows[0].schema) return null;
        const units = await execSql(dst.uri, 'SELECT run_id FROM pgferry_state.units ORDER BY 1');
        const slots = await execSql(dst.uri, 'SELECT slot FROM pgferry_state.stream_position ORDER BY 1');
        return { units: units.rows.map((x) => x.run_id), slots: slots.rows.map((x) => x.slot) };
      };
      await dropUnitMarks(target, a);
      assert.deepEqual(await state(), { units: [b], slots: [streamObjectName(b)] });
      // b's copy was done and its marks gone (phase-slot keeps only its step marks), its stream still on
      await execSql(dst.uri, `DELETE FROM pgferry_state.units WHERE run_id = '${b}'`);
      await dropUnitMarks(target, a);
      assert.deepEqual(await state(), { units: [], slots: [streamObjectName(b)] }, 'the streaming run keeps its position');
      await dropUnitMarks(target, b);
      assert.equal(await state(), null, 'nothing left: the schema goes');
    } finally {
      await target.end();
    }
  });
});
