#!/usr/bin/env bash
# How long after a large transaction commits on the source its rows are on the target, with the
# consumer streaming live while the source writes it: one transaction of ROWS rows (and a marker
# row, last), committed; the clock runs from its COMMIT to the marker's appearance on the target.
# Tools, in turn each round: pgferry reading protocol 2 (a large transaction streamed and applied
# while it runs), pgferry with PGFERRY_STREAM_PROTOCOL=1 (sent at its commit), and a native
# subscription (streaming = on, binary). Each starts on an empty table, and its target is checked
# against the source afterwards (count and ordered md5). pgferry's peak RSS (VmHWM) is reported.
# Environment:
#   PGFERRY_BENCH (required)  the harness's folder (clusters.sh)
#   ROWS (2000000)   ROUNDS (3)   TOOLS ("pgferry-p2 pgferry-p1 native": which, in that turn)
# Needs root (the harness runs its servers as postgres).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bench=${PGFERRY_BENCH:-}
if [ -z "$bench" ] || [ ! -x "$bench/clusters.sh" ]; then
  echo "bench-large-tx: set PGFERRY_BENCH to the benchmark harness's folder" >&2
  exit 2
fi
ROWS=${ROWS:-2000000}
ROUNDS=${ROUNDS:-3}
SRC_ADMIN=postgresql://postgres@127.0.0.1:55501/postgres
DST_ADMIN=postgresql://postgres@127.0.0.1:55502/postgres
SRC=postgresql://postgres@127.0.0.1:55501/ltx
DST=postgresql://postgres@127.0.0.1:55502/ltx_target
work=$(mktemp -d /tmp/pgferry-bench-ltx.XXXXXX)
export PGFERRY_STORE=$work/tasks.db PGFERRY_KEY_FILE=$work/key PGPASSWORD=
pgferry() { node "$repo/bin/pgferry.js" "$@"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
(cd "$bench" && ./clusters.sh up) >/dev/null
id=
cleanup() {
  if [ -n "$id" ]; then pgferry task stop "$id" --wait >/dev/null 2>&1 || true; pgferry task release "$id" >/dev/null 2>&1 || true; id=; fi
  psql "$DST" -qc 'ALTER SUBSCRIPTION ltx_sub DISABLE' -c 'ALTER SUBSCRIPTION ltx_sub SET (slot_name = NONE)' -c 'DROP SUBSCRIPTION ltx_sub' >/dev/null 2>&1 || true
  for _ in $(seq 1 50); do
    psql "$SRC_ADMIN" -qc "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = 'ltx' AND NOT active" >/dev/null 2>&1 || true
    [ "$(psql "$SRC_ADMIN" -Atc "SELECT count(*) FROM pg_replication_slots WHERE database = 'ltx'")" = 0 ] && break
    sleep 0.2
  done
}
trap 'cleanup; rm -rf "$work"' EXIT

digest() { psql "$1" -Atc "SELECT count(*) || ':' || md5(string_agg(md5(t::text), '' ORDER BY id)) FROM big t"; }
# an empty table on both sides (the target's made by pgferry, or by hand for the subscription)
fresh() {
  psql "$SRC_ADMIN" -qc 'DROP DATABASE IF EXISTS ltx' -c 'CREATE DATABASE ltx'
  psql "$DST_ADMIN" -qc 'DROP DATABASE IF EXISTS ltx_target' -c 'CREATE DATABASE ltx_target'
  psql "$SRC" -qc 'CREATE TABLE big (id bigint PRIMARY KEY, a int, b text, c timestamptz)' -c 'CREATE TABLE ltx_marker (id int PRIMARY KEY)'
}
# the transaction, then the seconds until its marker is on the target
measure() {
  local tool=$1 round=$2 t0 lag
  psql "$SRC" -qc 'BEGIN' -c "INSERT INTO big SELECT i, i % 1000, 'row ' || i, timestamptz '2026-01-01' + i * interval '1 second' FROM generate_series(1, $ROWS) i" \
    -c 'INSERT INTO ltx_marker VALUES (1)' -c 'COMMIT'
  t0=$(now)
  until [ "$(psql "$DST" -Atc 'SELECT count(*) FROM ltx_marker' 2>/dev/null || echo 0)" = 1 ]; do sleep 0.05; done
  lag=$(since "$t0")
  local ok=FAILED; [ "$(digest "$DST")" = "$(digest "$SRC")" ] && ok=equal
  echo "$round $tool $lag $ok" | tee -a "$work/results.txt"
}
ferry() {
  local tool=$1 round=$2 proto=$3
  fresh
  id=$(pgferry task create --source "$SRC" --target "$DST" --include-schema public --incremental --jobs 2 --json | tail -1 | node -e 'process.stdin.on("data", (d) => console.log(JSON.parse(d).id))')
  pgferry task precheck "$id" >/dev/null || { pgferry task precheck "$id"; exit 1; }
  local pid
  pid=$(env PGFERRY_STREAM_PROTOCOL="$proto" node "$repo/bin/pgferry.js" task start "$id" --json | tail -1 | node -e 'process.stdin.on("data", (d) => console.log(JSON.parse(d).pid))')
  until pgferry task status "$id" --json | tail -1 | grep -q '"state":"streaming"'; do sleep 0.5; done
  measure "$tool" "$round"
  local hwm; hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
  [ -z "$hwm" ] || echo "$round $tool-rss $(( hwm / 1024 ))" | tee -a "$work/results.txt"
  cleanup
}
native() {
  local round=$1
  fresh
  psql "$DST" -qc 'CREATE TABLE big (id bigint PRIMARY KEY, a int, b text, c timestamptz)' -c 'CREATE TABLE ltx_marker (id int PRIMARY KEY)'
  psql "$SRC" -qc 'CREATE PUBLICATION ltx_pub FOR TABLE big, ltx_marker'
  psql "$DST" -qc "CREATE SUBSCRIPTION ltx_sub CONNECTION 'host=127.0.0.1 port=55501 user=postgres dbname=ltx' PUBLICATION ltx_pub
    WITH (copy_data = false, binary = true, streaming = on)" 2>/dev/null
  until [ "$(psql "$DST" -Atc 'SELECT count(*) FROM pg_stat_subscription WHERE subname = $$ltx_sub$$ AND received_lsn IS NOT NULL')" = 1 ]; do sleep 0.2; done
  measure native "$round"
  cleanup
}

read -r -a tools <<< "${TOOLS:-pgferry-p2 pgferry-p1 native}"
for round in $(seq 1 "$ROUNDS"); do
  n=${#tools[@]}
  for k in $(seq 0 $(( n - 1 ))); do
    tool=${tools[$(( (k + round - 1) % n ))]}
    case $tool in
      pgferry-p2) ferry pgferry-p2 "$round" 2 ;;
      pgferry-p1) ferry pgferry-p1 "$round" 1 ;;
      native) native "$round" ;;
    esac
  done
done
# medians, and each tool against the native subscription
node - "$work/results.txt" <<'JS'
const lines = require('fs').readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => l.split(' '));
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const of = (tool) => lines.filter((l) => l[1] === tool);
const native = median(of('native').map((l) => Number(l[2])));
for (const tool of ['pgferry-p2', 'pgferry-p1', 'native']) {
  const t = of(tool).map((l) => Number(l[2]));
  if (!t.length) continue;
  const m = median(t);
  console.log(`${tool}: commit to applied ${t.map((x) => x.toFixed(2)).join(', ')} s; median ${m.toFixed(2)} s (${(m / native).toFixed(2)} of native's); ${of(tool).filter((l) => l[3] !== 'equal').length} failed`);
  const rss = of(`${tool}-rss`).map((l) => l[2]);
  if (rss.length) console.log(`  peak RSS ${rss.join(', ')} MB`);
}
JS
