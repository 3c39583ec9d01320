/** Replication slots in tests: every slot a test makes is dropped, or it would hold WAL on a shared server. */
import pg from 'pg';

/** Drops `slot` once no walsender uses it (waits up to 5 s for a closed stream's walsender to exit). */
export async function dropSlot(uri: string, slot: string): Promise<void> {
  const c = new pg.Client({ connectionString: uri });
  await c.connect();
  try {
    for (let i = 0; i < 50; i++) {
      const r = await c.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]);
      if (!r.rowCount) return;
      if (!r.rows[0].active) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    await c.query('SELECT pg_drop_replication_slot($1)', [slot]);
  } finally {
    await c.end();
  }
}
