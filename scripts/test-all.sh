#!/usr/bin/env bash
# The README's test command: on Debian 12 (as root, or a user with sudo; Node 20.19+ or 22.13+
# with npm), installs what the test suite needs and is missing, then runs `npm run lint` and
# `npm test`. What it installs, each only when absent:
#   - Debian packages: PostgreSQL 15 (server without a default cluster; its psql loads fixtures),
#     Chromium (the console's end-to-end test), g++/make/python3 (npm builds better-sqlite3),
#     openssl (the TLS test's CA), util-linux and bsdutils (flock, script), dpkg-dev (dpkg-source);
#   - the postgres OS user (as root the test servers run as postgres);
#   - pg_dump 17 and 18, the schema oracle (scripts/pg-client.sh 17|18 --fetch, into the cache);
#   - PostgreSQL 15's regression scripts (scripts/regression-db.sh fetch, into the cache);
#   - npm packages (npm ci) when node_modules does not match package-lock.json or this Node
#     (scripts/node-modules-current.mjs says why).
# A second run installs nothing. Without root and without sudo it lists what is missing with the
# commands that install it, and stops before changing or running anything.
#
#   scripts/test-all.sh [--node22] [-- FILE...]
#     --node22   then runs the unit tests, a full migration + verify (test/e2e/cli.test.ts) and
#                the task store's test under Node 22 LTS from the npm registry's `node` package,
#                with better-sqlite3 rebuilt for it, in a scratch copy of the project (CI does)
#     FILE...    runs only these test files instead of the whole suite (set-up is the same)
#
# Environment: PGFERRY_CACHE (default /var/cache/pgferry), PGFERRY_CORPUS (optional sample
# databases; see README "Tests").
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
export LC_NUMERIC=C
cache=${PGFERRY_CACHE:-/var/cache/pgferry}
node22=false
files=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --node22) node22=true; shift ;;
    --) shift; files=("$@"); break ;;
    *) echo "usage: scripts/test-all.sh [--node22] [-- FILE...]" >&2; exit 2 ;;
  esac
done

start=$EPOCHREALTIME
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { s = b - a; printf "%dm%02ds", s / 60, s % 60 }'; }
say() { echo "test-all: $*" >&2; }
present=() # what was already there
done_=()   # what this run installed

# ---- what cannot be installed here: Debian, Node, npm ----------------------------------------
[[ -f /etc/debian_version ]] && command -v apt-get >/dev/null ||
  { say "this command sets up Debian 12; on another system install by hand what it lists at its top"; exit 1; }
command -v node >/dev/null && command -v npm >/dev/null ||
  { say "Node 20.19+ or 22.13+ with npm is needed (Debian 12's own nodejs is 18, too old: take Node from nodejs.org)"; exit 1; }
node_version=$(node -p 'process.versions.node')
case $node_version in
  20.*) [[ ${node_version#20.} =~ ^(19|[2-9][0-9])\. ]] || { say "Node $node_version is too old: 20.19 or later (or 22.13+) is needed"; exit 1; } ;;
  22.*) [[ ${node_version#22.} =~ ^(1[3-9]|[2-9][0-9])\. ]] || { say "Node $node_version is too old: 22.13 or later is needed"; exit 1; } ;;
  *) say "warning: Node $node_version is not one the suite is tested on (20.19+, 22.13+)" ;;
esac

# ---- what is missing ----------------------------------------------------------------------------
# Debian packages, each found by what the tests use of it
declare -A need=(
  [postgresql-15]=/usr/lib/postgresql/15/bin/postgres
  [postgresql-client-15]=/usr/lib/postgresql/15/bin/psql
  [chromium]=/usr/bin/chromium
  [g++]=g++ [make]=make [python3]=python3 [openssl]=openssl
  [util-linux]=flock [bsdutils]=script [dpkg-dev]=dpkg-source
)
packages=()
for pkg in postgresql-15 postgresql-client-15 chromium g++ make python3 openssl util-linux bsdutils dpkg-dev; do
  what=${need[$pkg]}
  if [[ $what == /* && -x $what ]] || { [[ $what != /* ]] && command -v "$what" >/dev/null; }; then
    present+=("$pkg")
  else
    packages+=("$pkg")
  fi
done
# the postgres OS user (the package creates it; a machine may have the server without it)
need_user=false
if id -u postgres >/dev/null 2>&1; then present+=("user postgres"); else need_user=true; fi
clients=() # the pg_dump majors to fetch
for major in 17 18; do
  if bash scripts/pg-client.sh "$major" --prefix >/dev/null 2>&1; then present+=("pg_dump $major"); else clients+=("$major"); fi
done
need_regress=false
if [[ -f $cache/postgresql-15-src/src/test/regress/parallel_schedule ]]; then present+=("regression scripts"); else need_regress=true; fi

# The commands that install what is missing, all of them needing root: first the system's
# (packages, user), then the fetches into the cache, which run while npm ci builds
system_steps=() fetch_steps=()
if [[ ${#packages[@]} -gt 0 ]]; then
  system_steps+=("mkdir -p /etc/postgresql-common && { [ -e /etc/postgresql-common/createcluster.conf ] || echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf; }")
  # under pgferry's apt lock: another test-all.sh (or regression-db.sh fetch) at once waits its turn
  system_steps+=("flock /var/lock/pgferry-apt.lock sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o Dpkg::Options::=--force-confold ${packages[*]}'")
fi
$need_user && system_steps+=("id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /bin/sh postgres")
for major in "${clients[@]}"; do fetch_steps+=("PGFERRY_CACHE=$cache bash $repo/scripts/pg-client.sh $major --fetch"); done
$need_regress && fetch_steps+=("PGFERRY_CACHE=$cache bash $repo/scripts/regression-db.sh fetch")

as_root=()
if [[ $((${#system_steps[@]} + ${#fetch_steps[@]})) -gt 0 && $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null && { sudo -n true 2>/dev/null || [[ -t 0 ]]; }; then
    as_root=(sudo)
    say "not root: the installing steps below run with sudo"
  else
    say "missing, and this user is not root and cannot use sudo. As root, run:"
    for step in "${system_steps[@]}" "${fetch_steps[@]}"; do echo "  $step" >&2; done
    say "then run this command again. (Nothing was changed and no test ran.)"
    exit 1
  fi
fi
run_as_root() {
  local step t
  for step in "$@"; do
    say "+ $step"
    t=$EPOCHREALTIME
    "${as_root[@]}" bash -c "set -euo pipefail; $step"
    say "  ($(elapsed "$t"))"
  done
}
run_as_root "${system_steps[@]}"
[[ ${#packages[@]} -eq 0 ]] || done_+=("${packages[@]}")
! $need_user || done_+=("user postgres")

# ---- npm packages (in the background while the fetches run) ----------------------------------------
npm_pid=""
if [[ -L node_modules ]]; then
  present+=("node_modules (a link to $(readlink node_modules), left alone)")
elif why=$(node scripts/node-modules-current.mjs); then
  present+=("npm packages")
else
  say "+ npm ci ($why)"
  npm_start=$EPOCHREALTIME
  npm ci --no-audit --no-fund >&2 &
  npm_pid=$!
fi
run_as_root "${fetch_steps[@]}"
for major in "${clients[@]}"; do done_+=("pg_dump $major"); done
! $need_regress || done_+=("regression scripts")
if [[ -n $npm_pid ]]; then
  wait "$npm_pid" || { say "npm ci failed (see above)"; exit 1; }
  say "  ($(elapsed "$npm_start"): npm ci)"
  done_+=("npm packages")
fi

say "already present: ${present[*]:-nothing}"
say "installed now: ${done_[*]:-nothing}"
say "set-up took $(elapsed "$start")"
[[ -n ${PGFERRY_CORPUS:-} ]] ||
  say "PGFERRY_CORPUS is not set: the sample-database tests (pagila, chinook) will be reported skipped"

# ---- lint and the suite -----------------------------------------------------------------------------
t=$EPOCHREALTIME
say "+ npm run lint"
npm run lint --silent
say "  lint took $(elapsed "$t")"
t=$EPOCHREALTIME
say "+ npm test ${files[*]:-}"
status=0
npm test --silent -- "${files[@]}" || status=$?
say "  npm test took $(elapsed "$t") (exit $status)"

if $node22 && [[ $status -eq 0 ]]; then
  bash scripts/node22-check.sh || status=$?
fi
say "total $(elapsed "$start")"
exit "$status"
