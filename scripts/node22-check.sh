#!/usr/bin/env bash
# Part of the suite under Node 22 LTS, beside the Node that installed node_modules: the unit
# tests, test/e2e/cli.test.ts (full migrations through the CLI, then verify) and
# test/integration/tasks.test.ts (the task store, on better-sqlite3), and the PostgreSQL store and
# fleet mode (test/integration/postgres-store.test.ts, fleet.test.ts, fleet-spread.test.ts: pg-boss on Node 22). Node 22 is the npm
# registry's `node` package; better-sqlite3, a native module, is rebuilt for it. Both are kept in
# the cache, so a second run installs nothing. The tests run in a scratch copy of the project
# whose node_modules holds that rebuilt better-sqlite3 and links to the project's other packages:
# the project's own node_modules is never changed.
#
#   scripts/node22-check.sh      after npm ci and npm run build (scripts/test-all.sh --node22)
#
# Environment: PGFERRY_NODE22 (the `node` package version, default 22: the newest 22.x),
# PGFERRY_CACHE (default /var/cache/pgferry; ~/.cache/pgferry when that is not writable).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
export LC_NUMERIC=C
umask 022
cache=${PGFERRY_CACHE:-/var/cache/pgferry}
mkdir -p "$cache" 2>/dev/null && [[ -w $cache ]] || cache=${XDG_CACHE_HOME:-$HOME/.cache}/pgferry
version=${PGFERRY_NODE22:-22}
dir=$cache/node-$version
say() { echo "node22-check: $*" >&2; }
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { s = b - a; printf "%dm%02ds", s / 60, s % 60 }'; }
start=$EPOCHREALTIME
[[ -d node_modules/better-sqlite3 && -f dist/cli/main.js ]] || { say "run npm ci and npm run build first"; exit 1; }

mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9 # one installer at a time

# Node 22 from the npm registry (its install script fetches the platform's binary package)
node=$dir/node_modules/node/bin/node
if [[ -x $node ]]; then
  say "already present: node $("$node" --version) in $dir"
else
  say "+ npm install node@$version into $dir"
  [[ -f $dir/package.json ]] || echo '{ "private": true, "allowScripts": { "node": true } }' >"$dir/package.json"
  npm install --prefix "$dir" --no-audit --no-fund --no-save "node@$version" >&2
  [[ -x $node ]] || { say "npm installed no $node"; exit 1; }
fi
bindir=$(dirname "$node")
abi=$("$node" -p 'process.versions.modules')
headers=$(find "$dir/node_modules" -maxdepth 7 -path '*/include/node/node.h' -print -quit)
[[ -n $headers ]] || { say "the node package has no include/node/node.h to build native modules against"; exit 1; }
nodedir=${headers%/include/node/node.h}

# A scratch copy of the project: sources and builds copied; in its node_modules a link to each
# of the project's packages but better-sqlite3, which is a real folder built for Node 22
copy=$(mktemp -d "${TMPDIR:-/tmp}/pgferry-node22.XXXXXX")
trap 'rm -rf "$copy"' EXIT
tar -C "$repo" --exclude=./node_modules --exclude=./.git --exclude=./test-artifacts -cf - . | tar -C "$copy" -xf -
modules=$(readlink -f "$repo/node_modules")
mkdir "$copy/node_modules"
for entry in "$modules"/* "$modules"/.bin; do
  [[ ${entry##*/} == better-sqlite3 ]] || ln -s "$entry" "$copy/node_modules/${entry##*/}"
done
bs3=$(node -p 'require("./node_modules/better-sqlite3/package.json").version')
built=$dir/better-sqlite3-$bs3-abi$abi
if [[ -f $built/build/Release/better_sqlite3.node ]]; then
  say "already present: better-sqlite3 $bs3 built for Node ABI $abi in $built"
else
  say "+ node-gyp rebuild of better-sqlite3 $bs3 for Node $("$node" --version) (ABI $abi)"
  t=$EPOCHREALTIME
  rm -rf "$built.tmp"
  cp -a "$modules/better-sqlite3" "$built.tmp"
  # npm's own node-gyp, against the node package's headers: nothing else is downloaded
  gyp=$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js
  [[ -f $gyp ]] || { say "npm's node-gyp is not at $gyp"; exit 1; }
  (cd "$built.tmp" && PATH=$bindir:$PATH "$node" "$gyp" rebuild --release --nodedir="$nodedir" --jobs="$(nproc)" >&2)
  rm -rf "$built.tmp/build/Release/obj.target" "$built.tmp/build/Release/.deps"
  mv "$built.tmp" "$built"
  say "  ($(elapsed "$t"))"
fi
cp -a "$built" "$copy/node_modules/better-sqlite3"

cd "$copy"
export PATH=$bindir:$PATH
say "node $(node --version) in $copy"
node -e 'const D = require("better-sqlite3"); const r = new D(":memory:").prepare("select sqlite_version() as v").get(); console.error(`node22-check: better-sqlite3 loads, SQLite ${r.v}`)'
status=0
say "+ unit tests"
node --import tsx --test --test-reporter=tap test/unit/*.test.ts || status=$?
say "+ test/e2e/cli.test.ts test/integration/tasks.test.ts test/integration/postgres-store.test.ts test/integration/fleet.test.ts test/integration/fleet-spread.test.ts"
node --import tsx test/run-tests.ts test/e2e/cli.test.ts test/integration/tasks.test.ts test/integration/postgres-store.test.ts test/integration/fleet.test.ts test/integration/fleet-spread.test.ts || status=$?
say "Node 22 stage took $(elapsed "$start") (exit $status)"
exit "$status"
