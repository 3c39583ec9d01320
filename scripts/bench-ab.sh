#!/usr/bin/env bash
# scripts/bench-ab.sh OLD NEW: times two builds of pgferry against each other on the benchmark
# harness (PGFERRY_BENCH, as npm run bench), in interleaved pairs (old, new, old, new, …), each run
# verified by the harness. OLD and NEW are checkouts with `npm run build` done (bin/pgferry.js).
# Prints every run and the medians and the ratio new/old. A refactor is "within noise" when the
# ratio is near 1 and each side's range overlaps the other's.
# Environment: PGFERRY_BENCH (required), PAIRS (3), SCALE (1), SKIP_DATASET=1 (reuse the dataset).
set -euo pipefail
old=$(cd "${1:?usage: $0 OLD_CHECKOUT NEW_CHECKOUT}" && pwd)
new=$(cd "${2:?usage: $0 OLD_CHECKOUT NEW_CHECKOUT}" && pwd)
bench=${PGFERRY_BENCH:-}
[ -n "$bench" ] && [ -x "$bench/run.sh" ] || { echo "set PGFERRY_BENCH to the benchmark harness's folder" >&2; exit 2; }
PAIRS=${PAIRS:-3}
export RESULTS=${RESULTS:-/tmp/pgferry-bench-ab-$(date +%Y%m%dT%H%M%S).tsv}
(cd "$bench" && ./clusters.sh up)
[ -n "${SKIP_DATASET:-}" ] || (cd "$bench" && ./make-dataset.sh "${SCALE:-1}")
declare -A secs=([old]='' [new]='')
for ((p = 1; p <= PAIRS; p++)); do
  for side in old new; do
    dir=${!side}
    line=$(cd "$bench" && MIGRATE_CMD="$dir/bin/pgferry.js migrate --source {SRC} --target {DST}" ./run.sh custom | grep -E '^RESULT')
    echo "pair $p $side ($dir): $line"
    case $line in *verify=PASS*) ;; *) echo "bench-ab: the $side run did not verify" >&2; exit 1 ;; esac
    secs[$side]+="$(sed 's/.*seconds=\([0-9.]*\).*/\1/' <<<"$line") "
  done
done
source "$(dirname "$0")/bench-stats.sh"
mo=$(median "${secs[old]}"); mn=$(median "${secs[new]}")
echo "old: median ${mo} s (range $(range "${secs[old]}") s)"
echo "new: median ${mn} s (range $(range "${secs[new]}") s)"
awk -v o="$mo" -v n="$mn" 'BEGIN { printf "RATIO new/old = %.3f\n", n / o }'
