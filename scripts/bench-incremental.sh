#!/usr/bin/env bash
# npm run bench:incremental: one incremental migration of the benchmark dataset while pgbench
# writes to the source at a fixed rate; then a cutover with --block-writes. Reports the lag when
# streaming starts (what piled up during the copy), the catch-up time, the steady lag, the
# downtime of the cutover, and verifies the target. The source gets pgbench's tables for the run
# (dropped afterwards) and is made writable again at the end.
# Environment:
#   PGFERRY_BENCH (required)  the harness's folder (clusters.sh; the dataset `bench` made by make-dataset.sh)
#   RATE (500)  pgbench transactions per second (tpcb-like: 3 updates and 1 insert each)
#   PGBENCH_SCALE (10)  STREAM_SECONDS (30): how long to stream once caught up, before the cutover
# Needs root (the harness runs its servers as postgres).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bench=${PGFERRY_BENCH:-}
if [ -z "$bench" ] || [ ! -x "$bench/clusters.sh" ]; then
  echo "npm run bench:incremental: set PGFERRY_BENCH to the benchmark harness's folder" >&2
  exit 2
fi
RATE=${RATE:-500}
PGBENCH_SCALE=${PGBENCH_SCALE:-10}
STREAM_SECONDS=${STREAM_SECONDS:-30}
SRC=postgresql://postgres@127.0.0.1:55501/bench
DST=postgresql://postgres@127.0.0.1:55502/bench
work=$(mktemp -d /tmp/pgferry-bench-incremental.XXXXXX)
export PGFERRY_STORE=$work/tasks.db PGFERRY_KEY_FILE=$work/key PGPASSWORD=
# the cutover leaves the source read-only for new sessions: this script's own sessions may write
export PGOPTIONS='-c default_transaction_read_only=off'
pgferry() { node "$repo/bin/pgferry.js" "$@"; }
(cd "$bench" && ./clusters.sh up) >/dev/null
# tables without a key before the run: --set-replica-identity-full sets them FULL, undone at the end
keyless=$(psql "$SRC" -Atc "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r' AND c.relreplident = 'd' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = c.oid AND contype = 'p')")
pgbench_pid=
id=
cleanup() {
  [ -n "$pgbench_pid" ] && kill "$pgbench_pid" 2>/dev/null || true
  # a task still running (the script was interrupted) is stopped and released: no slot stays behind
  if [ -n "$id" ]; then pgferry task stop "$id" --wait >/dev/null 2>&1 || true; pgferry task release "$id" >/dev/null 2>&1 || true; fi
  psql "$SRC" -qc 'ALTER DATABASE bench RESET default_transaction_read_only' || true
  psql "$SRC" -qc "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name LIKE 'pgferry%' AND active" >/dev/null || true
  psql "$SRC" -qc "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'pgferry%' AND NOT active" >/dev/null || true
  psql "$SRC" -qc 'DROP TABLE IF EXISTS pgbench_accounts, pgbench_branches, pgbench_tellers, pgbench_history' || true
  for t in $keyless; do psql "$SRC" -qc "ALTER TABLE $t REPLICA IDENTITY DEFAULT" || true; done
}
trap cleanup EXIT
psql "postgresql://postgres@127.0.0.1:55502/postgres" -qc 'DROP DATABASE IF EXISTS bench' -c 'CREATE DATABASE bench'
pgbench -i -q -s "$PGBENCH_SCALE" "$SRC" 2>&1 | tail -1
psql "$SRC" -qc 'CHECKPOINT'
pgbench -n -c 4 -j 2 -R "$RATE" -T 7200 "$SRC" >"$work/pgbench.log" 2>&1 &
pgbench_pid=$!
sleep 5
id=$(pgferry task create --source "$SRC" --target "$DST" --incremental --set-replica-identity-full --json | tail -1 | node -e 'process.stdin.on("data", (d) => console.log(JSON.parse(d).id))')
pgferry task precheck "$id" >/dev/null || { pgferry task precheck "$id"; exit 1; }
start=$(date +%s.%N)
pgferry task start "$id" >/dev/null
state() { pgferry task status "$id" --json | tail -1 | node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => { const t = JSON.parse(s); console.log(`${t.state} ${t.streamStatus?.lagSeconds ?? ""}`); })'; }
# caught up: streaming with under a second of lag; then stream a while
while :; do
  read -r st lag < <(state)
  case "$st" in failed|stopped|interrupted) echo "task $st"; pgferry task status "$id"; exit 1 ;; esac
  if [ "$st" = streaming ] && [ -n "$lag" ] && awk -v l="$lag" 'BEGIN { exit !(l < 1) }'; then break; fi
  sleep 1
done
caught=$(date +%s.%N)
sleep "$STREAM_SECONDS"
pgferry task cutover "$id" --block-writes --wait --json >"$work/cutover.json"
kill "$pgbench_pid" 2>/dev/null || true
pgbench_pid=
log=$(ls "$work"/logs/*.log)
node - "$log" "$start" "$caught" <<'EOF'
const fs = require('fs');
const [log, start, caught] = process.argv.slice(2);
// the task's log holds its JSON events, and the odd warning line written to stderr
const ev = fs.readFileSync(log, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
const t = (e) => Date.parse(e.time) / 1000;
const phase = (p) => ev.find((e) => e.event === 'phase-end' && e.phase === p)?.seconds;
const streams = ev.filter((e) => e.event === 'stream');
const first = streams[0];
const startAt = t(ev.find((e) => e.event === 'stream-start'));
const caughtUp = streams.find((e) => e.lagSeconds < 1);
const steady = streams.filter((e) => t(e) >= Number(caught)).map((e) => e.lagSeconds).sort((a, b) => a - b);
const summary = ev.find((e) => e.event === 'summary')?.summary;
const median = (a) => (a.length ? a[Math.floor(a.length / 2)] : NaN);
// nearest rank over the sorted samples
const p95 = (a) => (a.length ? a[Math.min(a.length - 1, Math.ceil(0.95 * a.length) - 1)] : NaN);
console.log(`copy: data ${phase('data')?.toFixed(1)} s, post-data ${phase('post-data')?.toFixed(1)} s, start to streaming ${(startAt - Number(start)).toFixed(1)} s`);
console.log(`lag when streaming started: ${(first.lagBytes / 1048576).toFixed(1)} MB, slot held ${(first.slotHeldBytes / 1048576).toFixed(1)} MB`);
console.log(`catch-up: ${caughtUp ? (t(caughtUp) - startAt).toFixed(1) : 'never'} s from stream start to under 1 s of lag`);
console.log(`steady lag over ${steady.length} samples: median ${median(steady).toFixed(2)} s, p95 ${p95(steady).toFixed(2)} s, max ${Math.max(...steady).toFixed(2)} s; apply ${median(streams.filter((e) => t(e) >= Number(caught)).map((e) => e.transactionsPerSecond).sort((a, b) => a - b)).toFixed(0)} tx/s`);
console.log(`cutover: downtime ${summary.cutover.downtimeSeconds.toFixed(2)} s, ${summary.cutover.sessionsEnded} sessions ended, ${summary.cutover.transactionsApplied} transactions / ${summary.cutover.rowsApplied} rows applied while streaming`);
const check = summary.cutover.check;
const ranges = streams.at(-1)?.rangesVerified;
if (ranges) console.log(`ranges verified while streaming, at the last report: ${ranges.clean} of ${ranges.total}`);
if (check) console.log(`cutover check (right after the downtime): ${check.error ? `could not run: ${check.error}` : `${check.ok ? 'equal' : 'DIFFERENCES'} in ${check.seconds.toFixed(2)} s, ${check.rangesRead} ranges read, ${check.rangesReused} reused`}`);
console.log(`verify after the switch: ${phase('verify')?.toFixed(1)} s`);
EOF
grep -E '^tps|latency average' "$work/pgbench.log" | sed 's/^/pgbench: /'
node -e 'const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").pop()); console.log(`task ${c.state}; verify after the switch ${c.verifyOk ? "passed" : "FOUND DIFFERENCES"}`); process.exit(c.verifyOk ? 0 : 4)' "$work/cutover.json"
