/** What the benchmark scripts share: one SQL script on a connection of its own. */
import pg from 'pg';

export async function sql(uri: string, text: string): Promise<void> {
  const c = new pg.Client({ connectionString: uri });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}
