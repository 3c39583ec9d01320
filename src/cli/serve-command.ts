/** `pgferry serve`: the HTTP API and the console on one port, with a token on every API request. */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { PgferryError } from '../errors.js';
import { parseJobsLike } from './flags.js';
import { reportError } from './output.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** The built console, beside dist/ in the package. */
export const CONSOLE_DIR = fileURLToPath(new URL('../../console/dist/', import.meta.url));

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('start the HTTP API and the console (http://127.0.0.1:8432/ by default); every API request needs the token')
    .option('--port <n>', 'port', parseJobsLike, 8432)
    .option('--host <address>', 'address to listen on (loopback by default)', '127.0.0.1')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM)')
    .option('--tls-key <file>', 'and this key (PEM)')
    .option('--insecure', 'allow plain HTTP on a non-loopback address')
    .option('--new-token', 'make a new API token (the old one stops working)')
    .option('--store <file>', 'task store (default: $PGFERRY_STORE or ~/.pgferry/tasks.db)')
    .action(async (o: { port: number; host: string; tlsCert?: string; tlsKey?: string; insecure?: boolean; newToken?: boolean; store?: string }) => {
      const debug = Boolean(program.opts().debug);
      try {
        if (Boolean(o.tlsCert) !== Boolean(o.tlsKey)) throw new PgferryError('PGFERRY_E_USAGE', '--tls-cert and --tls-key go together', {});
        if (!LOOPBACK.has(o.host) && !o.tlsCert && !o.insecure)
          throw new PgferryError('PGFERRY_E_USAGE', `refusing plain HTTP on ${o.host}: the token and passwords would cross the network in clear`, {
            fix: 'give --tls-cert and --tls-key, listen on 127.0.0.1 behind a TLS proxy, or add --insecure',
          });
        // loaded here, not at startup: the web server's modules would add ~0.2 s to every command
        const [{ buildApi }, { apiToken }, { TaskStore }] = await Promise.all([import('../api/app.js'), import('../api/api-token.js'), import('../task/task-store.js')]);
        const store = TaskStore.open(o.store);
        const token = apiToken(store, { envToken: process.env.PGFERRY_TOKEN || undefined, renew: o.newToken });
        const https = o.tlsCert && o.tlsKey ? { cert: fs.readFileSync(o.tlsCert), key: fs.readFileSync(o.tlsKey) } : undefined;
        const app = await buildApi({ store, tokenHash: token.hash, consoleDir: CONSOLE_DIR, https });
        await app.listen({ port: o.port, host: o.host });
        const base = `${https ? 'https' : 'http'}://${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}/`;
        process.stdout.write(`pgferry console and API on ${base} (store ${store.file})\n`);
        if (token.created) {
          process.stdout.write(`API token (shown once, stored hashed): ${token.created}\nopen ${base}#token=${token.created}\n`);
        } else if (!process.env.PGFERRY_TOKEN) {
          process.stdout.write('the API token is the one printed when it was made (pgferry serve --new-token makes another)\n');
        }
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await app.close();
        store.close();
      } catch (err) {
        process.exitCode = reportError(err, debug, false);
      }
    });
}
