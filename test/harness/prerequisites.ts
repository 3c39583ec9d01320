/**
 * What the suite needs from the machine besides npm packages, and how to install each. The tests
 * that need a missing item fail (they never skip); test/run-tests.ts also lists what is missing
 * before the run and again at its end, with the commands. scripts/test-all.sh installs it all.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DEBIAN_PG15_BIN } from './servers.js';
import { ORACLE_CLIENTS, PG_CLIENT } from './tools.js';

/** Where scripts/regression-db.sh fetch unpacks PostgreSQL 15's regression scripts. */
export const REGRESSION_SCHEDULE = path.join(process.env.PGFERRY_CACHE ?? '/var/cache/pgferry', 'postgresql-15-src', 'src', 'test', 'regress', 'parallel_schedule');

/** A missing item: what it is, which tests fail without it, and the command that installs it. */
export interface Missing {
  what: string;
  affects: string;
  fix: string;
}

const onPath = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** The items this machine lacks (empty when the suite can run whole). */
export function missingPrerequisites(): Missing[] {
  const out: Missing[] = [];
  const isRoot = process.getuid?.() === 0;
  if (!fs.existsSync(path.join(DEBIAN_PG15_BIN, 'postgres'))) {
    out.push({ what: "Debian's PostgreSQL 15", affects: 'every test that starts a server', fix: 'apt-get install postgresql-15' });
  }
  if (isRoot && spawnSync('id', ['-u', 'postgres']).status !== 0) {
    out.push({ what: 'the postgres OS user', affects: 'every test that starts a server (as root they run as postgres)', fix: 'useradd --system --no-create-home --shell /bin/sh postgres' });
  }
  for (const major of ORACLE_CLIENTS) {
    if (spawnSync('bash', [PG_CLIENT, major, '--prefix']).status !== 0) {
      const affects = major === '17' ? 'every test that compares schemas' : 'every test that compares schemas with a PostgreSQL 18 server';
      out.push({ what: `pg_dump ${major} (the schema oracle)`, affects, fix: `scripts/pg-client.sh ${major} --fetch` });
    }
  }
  if (!fs.existsSync(REGRESSION_SCHEDULE)) {
    out.push({ what: "PostgreSQL 15's regression scripts", affects: 'test/integration/regression-database.test.ts', fix: 'scripts/regression-db.sh fetch' });
  }
  if (!fs.existsSync(process.env.PGFERRY_CHROMIUM || '/usr/bin/chromium')) {
    out.push({ what: 'Chromium', affects: 'test/e2e/console.test.ts', fix: 'apt-get install chromium' });
  }
  if (!onPath('openssl')) out.push({ what: 'openssl', affects: 'test/integration/tls.test.ts', fix: 'apt-get install openssl' });
  if (!onPath('script')) out.push({ what: 'script (bsdutils)', affects: 'test/security/browser-defences.test.ts', fix: 'apt-get install bsdutils' });
  return out;
}

/** One line per missing item, each prefixed (e.g. '# ' for TAP comments). */
export function describeMissing(missing: Missing[], prefix: string): string {
  return missing
    .map((m) => `${prefix}missing: ${m.what} (${m.affects} will fail): install it with "${m.fix}" as root, or run scripts/test-all.sh, which installs everything\n`)
    .join('');
}
