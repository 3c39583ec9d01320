#!/usr/bin/env bash
# npm run bench: times pgferry against pg_dump/pg_restore (-j2) and pgcopydb on the benchmark
# harness (clusters.sh, make-dataset.sh, run.sh, summary.sh, limit.sh; not part of this
# repository), in one session, interleaved round-robin, then reports the floor from limit.sh.
# Environment:
#   PGFERRY_BENCH (required)   the harness's folder
#   SCALE (1)   ROUNDS (3)   SKIP_DATASET=1 (reuse the dataset)   SKIP_LIMIT=1   TOOLS (the three)
#   SCALE above 2 runs on a patched copy of the harness (see below).
# Needs root (the bench runs its servers as postgres).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bench=${PGFERRY_BENCH:-}
if [ -z "$bench" ] || [ ! -x "$bench/run.sh" ]; then
  echo "npm run bench: set PGFERRY_BENCH to the benchmark harness's folder (the one holding clusters.sh, run.sh and limit.sh)${bench:+; $bench has no run.sh}" >&2
  exit 2
fi
bench=$(cd "$bench" && pwd)
SCALE=${SCALE:-1}
ROUNDS=${ROUNDS:-3}
TOOLS=${TOOLS:-"pg_dump_restore_par pgcopydb pgferry"}
rss_all=()
export RESULTS=${RESULTS:-/tmp/pgferry-bench-$(date +%Y%m%dT%H%M%S).tsv}
# The harness's dataset.sql computes `(i - 1) * :n_branches` in integer (psql substitutes the
# row count as an int literal), which overflows from SCALE ≈ 2.15 on. Larger scales run a copy of
# the harness in which that one product is taken as bigint: below the overflow the rows are the
# same, above it they are what the script means. The harness itself stays untouched.
if awk -v s="$SCALE" 'BEGIN { exit !(s > 2) }' && grep -q '(i - 1) \* :n_branches' "$bench/dataset.sql"; then
  patched=$(mktemp -d /tmp/pgferry-bench-harness.XXXXXX)
  cp -r "$bench/." "$patched/"
  chmod -R u+w "$patched"
  chmod 755 "$patched" # the harness runs some commands as postgres, from this folder
  sed -i 's/(i - 1) \* :n_branches/(i - 1)::bigint * :n_branches/' "$patched/dataset.sql"
  bench=$patched
fi
(cd "$bench" && ./clusters.sh up)
[ -n "${SKIP_DATASET:-}" ] || (cd "$bench" && ./make-dataset.sh "$SCALE")
for ((r = 1; r <= ROUNDS; r++)); do
  for tool in $TOOLS; do
    if [ "$tool" = pgferry ]; then
      # bin/pgferry.js is what an installed `pgferry` runs (npx would add ~1 s of package lookup
      # to every run); peak RSS of the process tree via time -f %M
      (cd "$repo" && MIGRATE_CMD="/usr/bin/time -f %M -o \$WORK_DIR/rss.kb $repo/bin/pgferry.js migrate --source {SRC} --target {DST}" \
        "$bench/run.sh" custom | grep -E '^RESULT')
      rss=$(tail -n 1 "${BENCH_DIR:-/tmp/pgbench-clusters}/work/custom/rss.kb")
      echo "pgferry peak RSS: $rss kB"
      rss_all+=("$rss")
    else
      (cd "$bench" && ./run.sh "$tool" | grep -E '^RESULT')
    fi
  done
done
(cd "$bench" && ./summary.sh "$RESULTS")
floor=
if [ -z "${SKIP_LIMIT:-}" ]; then
  (cd "$bench" && ./limit.sh) | tee "$RESULTS.limit"
  floor=$(sed -n 's/^FLOOR .* = \([0-9.]*\) s .*/\1/p' "$RESULTS.limit")
fi
# pgferry against the anchors of this session: medians from the results file ("custom" is pgferry),
# by the harness's own stats() (median min max)
median_of() {
  local runs
  runs=$(awk -F'\t' -v t="$1" 'NR > 1 && $2 == t { print $4 }' "$RESULTS")
  [ -z "$runs" ] || (source "$bench/common.sh" && stats $runs | cut -d' ' -f1)
}
ferry=$(median_of custom)
if [ -n "$ferry" ]; then
  ratios="pgferry median ${ferry} s"
  for t in pg_dump_restore_par pgcopydb; do
    m=$(median_of "$t")
    [ -n "$m" ] && ratios+=", $(awk -v a="$ferry" -v b="$m" 'BEGIN { printf "%.2f", a / b }') × $t ($m s)"
  done
  [ -n "$floor" ] && ratios+=", $(awk -v a="$ferry" -v b="$floor" 'BEGIN { printf "%.2f", a / b }') × the floor ($floor s)"
  [ ${#rss_all[@]} -gt 0 ] && ratios+=", peak RSS $(printf '%s\n' "${rss_all[@]}" | sort -n | sed -n '1p;$p' | awk '{ printf "%s%.0f", (NR > 1 ? "–" : ""), $1 / 1024 }') MiB"
  echo "RATIOS $ratios"
fi
