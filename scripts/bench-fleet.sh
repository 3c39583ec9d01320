#!/usr/bin/env bash
# scripts/bench-fleet.sh: what fleet mode costs a migration. The same task (create, precheck,
# start, watch to its end: scripts/bench-fleet-run.sh) on the benchmark harness (PGFERRY_BENCH,
# as npm run bench), in interleaved pairs:
#   local: a SQLite store, the run a process of this machine (the single-process default);
#   fleet: a PostgreSQL store on a server of its own, the run queued and taken by one worker.
# Every run is verified by the harness. Prints each run, the medians and the ratio fleet/local.
# Environment: PGFERRY_BENCH (required), PAIRS (3), SCALE (1), SKIP_DATASET=1, STORE_PORT (55510).
# Needs root (the servers run as postgres) and Debian's PostgreSQL 15 for the store's server.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bench=${PGFERRY_BENCH:-}
[ -n "$bench" ] && [ -x "$bench/run.sh" ] || { echo "set PGFERRY_BENCH to the benchmark harness's folder" >&2; exit 2; }
PAIRS=${PAIRS:-3}
port=${STORE_PORT:-55510}
pgbin=/usr/lib/postgresql/15/bin
export RESULTS=${RESULTS:-/tmp/pgferry-bench-fleet-$(date +%Y%m%dT%H%M%S).tsv}
work=$(mktemp -d /tmp/pgferry-bench-fleet.XXXXXX)
chmod 755 "$work"
worker=
cleanup() {
  [ -z "$worker" ] || kill "$worker" 2>/dev/null || true
  [ -z "$worker" ] || wait "$worker" 2>/dev/null || true
  su postgres -c "$pgbin/pg_ctl -D $work/store -m fast stop" > /dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
(cd "$bench" && ./clusters.sh up)
[ -n "${SKIP_DATASET:-}" ] || (cd "$bench" && ./make-dataset.sh "${SCALE:-1}")

# the store's own server, as a fleet's would be: apart from source and target
mkdir -p "$work/store" "$work/sock"
chown postgres "$work/store" "$work/sock"
su postgres -c "$pgbin/initdb -D $work/store -A trust -U postgres" > /dev/null
su postgres -c "$pgbin/pg_ctl -D $work/store -o '-p $port -k $work/sock -c listen_addresses=127.0.0.1' -l $work/sock/store.log -w start" > /dev/null
"$pgbin/psql" -h 127.0.0.1 -p "$port" -U postgres -qc 'CREATE DATABASE pgferry_store'
fleet_store=postgresql://postgres@127.0.0.1:$port/pgferry_store
export PGFERRY_KEY_FILE=$work/secret.key PGFERRY_LOG_DIR=$work/logs

PGFERRY_STORE=$fleet_store "$repo/bin/pgferry.js" worker --name bench-worker --concurrency 1 > "$work/worker.log" 2>&1 &
worker=$!
until grep -q 'takes up to' "$work/worker.log"; do sleep 0.2; done

declare -A secs=([local]='' [fleet]='')
for ((p = 1; p <= PAIRS; p++)); do
  for side in local fleet; do
    if [ "$side" = local ]; then store=$work/local-$p.db; else store=$fleet_store; fi
    line=$(cd "$bench" && PGFERRY_STORE=$store MIGRATE_CMD="$repo/scripts/bench-fleet-run.sh {SRC} {DST}" ./run.sh custom | grep -E '^RESULT')
    echo "pair $p $side: $line"
    case $line in *verify=PASS*) ;; *) echo "bench-fleet: the $side run did not verify" >&2; exit 1 ;; esac
    secs[$side]+="$(sed 's/.*seconds=\([0-9.]*\).*/\1/' <<<"$line") "
  done
done
grep -c 'started task' "$work/worker.log" | sed 's/^/runs the worker took: /'
source "$(dirname "$0")/bench-stats.sh"
ml=$(median "${secs[local]}"); mf=$(median "${secs[fleet]}")
echo "local: median ${ml} s (range $(range "${secs[local]}") s)"
echo "fleet: median ${mf} s (range $(range "${secs[fleet]}") s)"
awk -v l="$ml" -v f="$mf" 'BEGIN { printf "RATIO fleet/local = %.3f\n", f / l }'
