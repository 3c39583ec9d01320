/** `pgferry serve`: the HTTP API and the console on one port, with a token on every API request. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { PgferryError, messageOf } from '../errors.js';
import { reportError } from './output.js';
import { parsePort } from './flags.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** The built console, beside dist/ in the package. */
export const CONSOLE_DIR = fileURLToPath(new URL('../../console/dist/', import.meta.url));

const collect = (v: string, prev: string[]) => [...prev, v];

function readPem(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new PgferryError('PGFERRY_E_USAGE', `cannot read the TLS ${what} file: ${messageOf(err)}`, { object: file, fix: `give a readable PEM file with --tls-${what}` });
  }
}

/**
 * Shows a new token once. On a terminal it is printed with a link that signs in; when stdout is
 * not a terminal (a service manager, a redirect into a log file) it goes to a file only its owner
 * can read, and the output says where.
 */
function showNewToken(token: string, base: string, dir: string): void {
  if (process.stdout.isTTY) {
    process.stdout.write(`API token (shown once, stored hashed): ${token}\nopen ${base}#token=${token}\n`);
    return;
  }
  const file = path.join(dir, 'api-token');
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  process.stdout.write(`API token written to ${file} (mode 0600; stdout is not a terminal, so it is not printed); it is stored hashed\n`);
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('start the HTTP API and the console (http://127.0.0.1:8432/ by default); every API request needs the token')
    .option('--port <n>', 'port', parsePort, 8432)
    .option('--host <address>', 'address to listen on (loopback by default)', '127.0.0.1')
    .option('--server-name <name>', 'a host name browsers and clients use for this server (Host header); repeatable. On loopback, localhost, 127.0.0.1 and [::1] are always accepted', collect, [])
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM)')
    .option('--tls-key <file>', 'and this key (PEM)')
    .option('--insecure', 'allow plain HTTP on a non-loopback address')
    .option('--allow-socket-dir <dir>', "a unix-socket folder API callers may connect through (repeatable; default none: peer authentication would log them in as this server's OS user)", collect, [])
    .option('--allow-file-dir <dir>', 'a folder whose files API callers may name as sslrootcert, sslcert or sslkey (repeatable; default none)', collect, [])
    .option('--allow-db-host <host>', 'the only database hosts API callers may reach (repeatable; default: any TCP host)', collect, [])
    .option('--new-token', 'make a new API token (the old one stops working)')
    .option('--store <file|uri>', 'task store: a SQLite file or a postgresql:// URI (default: $PGFERRY_STORE or ~/.pgferry/tasks.db)')
    .action(async (o: {
      port: number; host: string; serverName: string[]; tlsCert?: string; tlsKey?: string; insecure?: boolean; newToken?: boolean; store?: string;
      allowSocketDir: string[]; allowFileDir: string[]; allowDbHost: string[];
    }) => {
      const debug = Boolean(program.opts().debug);
      try {
        if (Boolean(o.tlsCert) !== Boolean(o.tlsKey)) throw new PgferryError('PGFERRY_E_USAGE', '--tls-cert and --tls-key go together', {});
        const loopback = LOOPBACK.has(o.host);
        if (!loopback && !o.tlsCert && !o.insecure)
          throw new PgferryError('PGFERRY_E_USAGE', `refusing plain HTTP on ${o.host}: the token and passwords would cross the network in clear`, {
            fix: 'give --tls-cert and --tls-key, listen on 127.0.0.1 behind a TLS proxy, or add --insecure',
          });
        const https = o.tlsCert && o.tlsKey ? { cert: readPem(o.tlsCert, 'cert'), key: readPem(o.tlsKey, 'key') } : undefined;
        for (const dir of [...o.allowSocketDir, ...o.allowFileDir])
          if (!path.isAbsolute(dir) || !fs.existsSync(dir)) throw new PgferryError('PGFERRY_E_USAGE', `${dir} is not an existing absolute folder`, { fix: 'give absolute paths to --allow-socket-dir and --allow-file-dir' });
        const names = o.serverName.map((n) => n.toLowerCase());
        // on a loopback address only loopback names (DNS rebinding); elsewhere the names the operator gives, if any
        const bindName = o.host.includes(':') ? `[${o.host}]` : o.host;
        const hostNames = loopback ? ['localhost', '127.0.0.1', '[::1]', ...names] : names.length ? [bindName, ...names] : 'any';
        // loaded here, not at startup: the web server's modules would add ~0.2 s to every command
        const [{ buildApi }, { apiToken }, { openStore }] = await Promise.all([import('../api/app.js'), import('../api/api-token.js'), import('../task/open-store.js')]);
        const store = await openStore(o.store);
        const token = await apiToken(store, { envToken: process.env.PGFERRY_TOKEN || undefined, renew: o.newToken });
        const app = await buildApi({
          store, tokenHash: token.hash, consoleDir: CONSOLE_DIR, https, hostNames,
          policy: { socketDirs: o.allowSocketDir, fileDirs: o.allowFileDir, dbHosts: o.allowDbHost },
        });
        await app.listen({ port: o.port, host: o.host }).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL')
            throw new PgferryError('PGFERRY_E_USAGE', `cannot listen on ${o.host}:${o.port}: ${err.code}`, {
              fix: err.code === 'EADDRINUSE' ? 'another program uses the port: pick another with --port' : err.code === 'EACCES' ? 'ports below 1024 need privileges: pick another with --port' : 'give an address of this machine with --host',
            });
          throw err;
        });
        const base = `${https ? 'https' : 'http'}://${bindName}:${o.port}/`;
        process.stdout.write(`pgferry console and API on ${base} (store ${store.location})\n`);
        if (hostNames === 'any') process.stdout.write('the Host header is not checked: give --server-name with the names clients use\n');
        if (token.created) showNewToken(token.created, base, path.dirname(store.logDir));
        else if (!process.env.PGFERRY_TOKEN) process.stdout.write('the API token is the one printed when it was made (pgferry serve --new-token makes another)\n');
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await app.close();
        await store.close();
      } catch (err) {
        process.exitCode = reportError(err, debug, false);
      }
    });
}
