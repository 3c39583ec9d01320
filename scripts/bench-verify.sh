#!/usr/bin/env bash
# npm run bench:verify: how long `pgferry verify` takes against the migration of the same data,
# measured in the same rounds. Each round: a fresh target database, CHECKPOINT on both clusters,
# `pgferry migrate --jobs 2` (timed), then `pgferry verify --jobs 2` (timed, peak RSS), and, when
# ANCHOR names another checkout of pgferry (built), that one's verify too, in alternating order.
# Prints one line per round and the medians; the ratio is verify / migrate of the same round.
# Each round holds /tmp/pgferry-bench.lock, as the other benchmarks do.
# Environment:
#   PGFERRY_BENCH (required)  the harness's folder (clusters.sh; the dataset `bench` made by make-dataset.sh)
#   ROUNDS (6)  ANCHOR (optional): a built checkout whose verify runs in the same rounds
# Needs root (the harness runs its servers as postgres).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bench=${PGFERRY_BENCH:-}
if [ -z "$bench" ] || [ ! -x "$bench/clusters.sh" ]; then
  echo "npm run bench:verify: set PGFERRY_BENCH to the benchmark harness's folder" >&2
  exit 2
fi
ROUNDS=${ROUNDS:-6}
ANCHOR=${ANCHOR:-}
SRC=postgresql://postgres@127.0.0.1:55501/bench
DST=postgresql://postgres@127.0.0.1:55502/bench
work=$(mktemp -d /tmp/pgferry-bench-verify.XXXXXX)
export PGPASSWORD=
(cd "$bench" && ./clusters.sh up) >/dev/null
now() { date +%s.%N; }
# `verify DIR`: wall seconds and peak RSS of one verify by the checkout in DIR; fails on a mismatch
verify() {
  local t0 t1
  t0=$(now)
  /usr/bin/time -f '%M' -o "$work/rss" node "$1/bin/pgferry.js" verify --source "$SRC" --target "$DST" --jobs 2 >"$work/verify.log" 2>&1 ||
    { cat "$work/verify.log" >&2; exit 1; }
  t1=$(now)
  echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') $(( $(cat "$work/rss") / 1024 ))"
}
: >"$work/rounds"
for r in $(seq 1 "$ROUNDS"); do
  exec 9>/tmp/pgferry-bench.lock
  flock 9
  psql -qX postgresql://postgres@127.0.0.1:55502/postgres -c 'DROP DATABASE IF EXISTS bench' -c 'CREATE DATABASE bench'
  psql -qX "$SRC" -c CHECKPOINT
  psql -qX postgresql://postgres@127.0.0.1:55502/postgres -c CHECKPOINT
  t0=$(now)
  node "$repo/bin/pgferry.js" migrate --source "$SRC" --target "$DST" --jobs 2 >"$work/migrate.log" 2>&1 || { tail -5 "$work/migrate.log" >&2; exit 1; }
  m=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
  anchor=-
  if [ -n "$ANCHOR" ] && [ $((r % 2)) = 1 ]; then read -r anchor _ < <(verify "$ANCHOR"); fi
  read -r v rss < <(verify "$repo")
  if [ -n "$ANCHOR" ] && [ $((r % 2)) = 0 ]; then read -r anchor _ < <(verify "$ANCHOR"); fi
  exec 9>&-
  ratio=$(awk -v v="$v" -v m="$m" 'BEGIN { printf "%.3f", v / m }')
  echo "$m $v $ratio $anchor" >>"$work/rounds"
  echo "round $r: migrate ${m} s, verify ${v} s (peak RSS ${rss} MB), verify/migrate ${ratio}, anchor's verify ${anchor} s, load $(cut -d' ' -f1 /proc/loadavg)"
done
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
echo "median: migrate $(cut -d' ' -f1 "$work/rounds" | median) s, verify $(cut -d' ' -f2 "$work/rounds" | median) s," \
  "verify/migrate $(cut -d' ' -f3 "$work/rounds" | median) (median of the rounds' ratios)$([ -n "$ANCHOR" ] && echo ", anchor's verify $(cut -d' ' -f4 "$work/rounds" | median) s")"
rm -rf "$work"
