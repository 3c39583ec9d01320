#!/usr/bin/env bash
# npm run bench:cdc: how fast each tool applies a backlog of changes (issue 21's workload A).
# Each round: pgbench's tables at scale PGBENCH_SCALE in a fresh source database; a native
# subscription (binary, streaming = on, copy_data = false, created disabled, its slot made now)
# on a target database that pgbench -i filled alike; and a pgferry incremental task (schema
# public) on another, started, streaming, then stopped (its slot kept). pgbench then writes N
# transactions (its tpcb-like script: 3 updates, 1 select, 1 insert each) that every slot holds,
# then one marker row. Each tool in turn (the order turns by round) is let go and timed until the marker row is on
# its target: catch-up rate = N / seconds. Every target is then compared with the source (an
# ordered md5 of each table); a run that differs counts as failed. The anchor: pg_recvlogical
# reads the same changes from a third slot (same publication, pgoutput) into /dev/null, timed to
# the marker's position: the source's walsender alone, what no tool that reads a slot can beat.
# pgferry's time is also split at its stream's start (catalog, connections: the part of its time
# before the slot is read).
# WORKLOAD=B (bulk) instead: a wide table (a TOASTed text column, stored uncompressed) filled by
# one transaction of WIDE_ROWS rows, then UPDATES single-row transactions that set the TOASTed
# column (3,200 characters) of random rows, then DELETES single-row deletes of random rows; the
# catch-up rate counts those transactions (1 + UPDATES + DELETES). The peak RSS of pgferry's run
# (VmHWM of the process that applied) is reported too.
# Workload A also times `pgcopydb follow` (PGCOPYDB=1, the default where pgcopydb and the wal2json
# plugin are installed): `stream setup` right before the backlog (its wal2json slot, its origin on
# the target, its sentinel table on the source), the sentinel set to apply, then `follow --resume
# --not-consistent --endpos` at the marker's position, timed until it exits; its target is checked
# like the others (a run that exits without the source's state counts as failed).
# Environment:
#   PGFERRY_BENCH (required)  the harness's folder (clusters.sh)
#   WORKLOAD (A)   N (30000) transactions   ROUNDS (3)   PGBENCH_SCALE (10)   CLIENTS (2)
#   WIDE_ROWS (2000000)   UPDATES (200000)   DELETES (100000)
#   PGCOPYDB (1 where installed: time pgcopydb follow too)   PGCOPYDB_TIMEOUT (300) seconds
#   PROFILE_DIR: write a CPU profile of pgferry's applying process there
#   LANES (1): pgferry's --stream-lanes (slots read at once, each with a share of the tables)
#   FLEET (0): 1 also times the same task through a fleet on this machine: three `pgferry worker`
#     processes over a PostgreSQL store (database cdc_store on the target's cluster), its run on
#     one of them and its lanes after the first applied by the others (docs/fleet.md); `fleet`
#     in the results, with its ratio to pgferry's one process. Its clock starts at the resume,
#     which queues the run: it includes the queue, the run's start and the lanes' hand-out.
# The marker's transaction writes every published table, so that with several lanes each lane
# has its part of it: pgferry's clock stops once the marker is on its target and every lane's
# recorded position is past the marker's start (one lane: the marker alone, as the others).
# Needs root (the harness runs its servers as postgres).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bench=${PGFERRY_BENCH:-}
if [ -z "$bench" ] || [ ! -x "$bench/clusters.sh" ]; then
  echo "npm run bench:cdc: set PGFERRY_BENCH to the benchmark harness's folder" >&2
  exit 2
fi
WORKLOAD=${WORKLOAD:-A}
WIDE_ROWS=${WIDE_ROWS:-2000000}
UPDATES=${UPDATES:-200000}
DELETES=${DELETES:-100000}
[ "$WORKLOAD" = A ] || [ "$WORKLOAD" = B ] || { echo "npm run bench:cdc: WORKLOAD is A or B" >&2; exit 2; }
N=${N:-30000}
LANES=${LANES:-1}
FLEET=${FLEET:-0}
FLEET_DB=postgresql://postgres@127.0.0.1:55502/cdc_fleet
FLEET_STORE=postgresql://postgres@127.0.0.1:55502/cdc_store
ROUNDS=${ROUNDS:-3}
PGBENCH_SCALE=${PGBENCH_SCALE:-10}
CLIENTS=${CLIENTS:-2}
SRC_ADMIN=postgresql://postgres@127.0.0.1:55501/postgres
DST_ADMIN=postgresql://postgres@127.0.0.1:55502/postgres
SRC=postgresql://postgres@127.0.0.1:55501/cdc
NATIVE=postgresql://postgres@127.0.0.1:55502/cdc_native
FERRY=postgresql://postgres@127.0.0.1:55502/cdc_pgferry
PCD=postgresql://postgres@127.0.0.1:55502/cdc_pgcopydb
if [ -z "${PGCOPYDB:-}" ]; then
  PGCOPYDB=0
  command -v pgcopydb >/dev/null && [ -f "$(pg_config --pkglibdir)/wal2json.so" ] && PGCOPYDB=1
fi
[ "$WORKLOAD" = A ] || PGCOPYDB=0
# a follow that fails part-way may keep waiting for the end position: it is stopped and counted failed
PGCOPYDB_TIMEOUT=${PGCOPYDB_TIMEOUT:-300}
work=$(mktemp -d /tmp/pgferry-bench-cdc.XXXXXX)
export PGFERRY_STORE=$work/tasks.db PGFERRY_KEY_FILE=$work/key PGPASSWORD=
pgferry() { node "$repo/bin/pgferry.js" "$@"; }
now() { date +%s.%N; }
(cd "$bench" && ./clusters.sh up) >/dev/null
id=
fid=
fleet_workers=()
fpgferry() { PGFERRY_STORE=$FLEET_STORE pgferry "$@"; }
cleanup() {
  if [ -n "$id" ]; then pgferry task stop "$id" --wait >/dev/null 2>&1 || true; pgferry task release "$id" >/dev/null 2>&1 || true; fi
  if [ -n "$fid" ]; then fpgferry task stop "$fid" --wait >/dev/null 2>&1 || true; fpgferry task release "$fid" >/dev/null 2>&1 || true; fi
  psql "$NATIVE" -qc 'ALTER SUBSCRIPTION bench_sub DISABLE' -c 'ALTER SUBSCRIPTION bench_sub SET (slot_name = NONE)' -c 'DROP SUBSCRIPTION bench_sub' >/dev/null 2>&1 || true
  # a walsender that just lost its client takes a moment to let go of its slot
  for _ in $(seq 1 50); do
    psql "$SRC_ADMIN" -qc "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = 'cdc' AND NOT active" >/dev/null 2>&1 || true
    [ "$(psql "$SRC_ADMIN" -Atc "SELECT count(*) FROM pg_replication_slots WHERE database = 'cdc'")" = 0 ] && break
    sleep 0.2
  done
  id=
  fid=
  # replication origins belong to the cluster, not the database
  psql "$DST_ADMIN" -qc "SELECT pg_replication_origin_drop(roname) FROM pg_replication_origin WHERE roname = 'pgcopydb'" >/dev/null 2>&1 || true
}
stop_fleet() {
  [ "${#fleet_workers[@]}" -gt 0 ] || return 0
  kill -TERM "${fleet_workers[@]}" 2>/dev/null || true
  wait "${fleet_workers[@]}" 2>/dev/null || true
  fleet_workers=()
}
trap 'cleanup; stop_fleet' EXIT
if [ "$FLEET" = 1 ]; then
  psql "$DST_ADMIN" -qc 'DROP DATABASE IF EXISTS cdc_store' -c 'CREATE DATABASE cdc_store'
  for w in 1 2 3; do
    PGFERRY_STORE=$FLEET_STORE PGFERRY_MACHINE_ID=bench-fleet-$w PGFERRY_LOG_DIR=$work/fleet-logs \
      node "$repo/bin/pgferry.js" worker --name "b$w" --concurrency 2 >"$work/worker-$w.log" 2>&1 &
    fleet_workers+=($!)
  done
  until [ "$(grep -l 'takes up to' "$work"/worker-*.log 2>/dev/null | wc -l)" = 3 ]; do sleep 0.2; done
fi

# ordered md5 of each table: equal on source and target when nothing was lost or changed
digest() {
  if [ "$WORKLOAD" = B ]; then
    psql "$1" -Atc "SELECT count(*) || ':' || md5(string_agg(md5(t::text), '' ORDER BY id)) FROM wide t" -c 'SELECT count(*) FROM bench_marker'
    return
  fi
  psql "$1" -Atc "SELECT string_agg(x, ' ' ORDER BY x) FROM (
    SELECT 'accounts:' || md5(string_agg(t::text, ',' ORDER BY aid)) AS x FROM pgbench_accounts t
    UNION ALL SELECT 'tellers:' || md5(string_agg(t::text, ',' ORDER BY tid)) FROM pgbench_tellers t
    UNION ALL SELECT 'branches:' || md5(string_agg(t::text, ',' ORDER BY bid)) FROM pgbench_branches t
    UNION ALL SELECT 'history:' || md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM pgbench_history t
    UNION ALL SELECT 'marker:' || count(*) FROM bench_marker) d"
}
# seconds until the marker row is on target $1 (and, with $2, every lane of pgferry's past position $2)
wait_marker() {
  local t0 deadline q='SELECT count(*) FROM bench_marker'
  [ -z "${2:-}" ] || q="SELECT CASE WHEN (SELECT count(*) FROM pgferry_state.stream_position WHERE end_lsn::pg_lsn < '$2') = 0 THEN count(*) ELSE 0 END FROM bench_marker"
  t0=$(now)
  deadline=$(( $(date +%s) + 1800 ))
  until [ "$(psql "$1" -Atc "$q" 2>/dev/null || echo 0)" = 1 ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo never; return; }
    sleep 0.05
  done
  awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'
}

results=$work/results.txt
for round in $(seq 1 "$ROUNDS"); do
  psql "$SRC_ADMIN" -qc 'DROP DATABASE IF EXISTS cdc' -c 'CREATE DATABASE cdc'
  psql "$DST_ADMIN" -qc 'DROP DATABASE IF EXISTS cdc_native' -c 'DROP DATABASE IF EXISTS cdc_pgferry' -c 'DROP DATABASE IF EXISTS cdc_pgcopydb' -c 'DROP DATABASE IF EXISTS cdc_fleet' \
    -c 'CREATE DATABASE cdc_native' -c 'CREATE DATABASE cdc_pgferry' -c 'CREATE DATABASE cdc_pgcopydb' -c 'CREATE DATABASE cdc_fleet'
  if [ "$WORKLOAD" = A ]; then
    pgbench -i -q -s "$PGBENCH_SCALE" "$SRC" >/dev/null 2>&1
    pgbench -i -q -s "$PGBENCH_SCALE" "$NATIVE" >/dev/null 2>&1
    [ "$PGCOPYDB" = 1 ] && pgbench -i -q -s "$PGBENCH_SCALE" "$PCD" >/dev/null 2>&1
    for db in "$SRC" "$NATIVE" "$PCD"; do psql "$db" -qc 'CREATE TABLE bench_marker (id int PRIMARY KEY)'; done
    # pgbench_history has no key: both tools need a replica identity to apply its changes
    psql "$SRC" -qc 'ALTER TABLE pgbench_history REPLICA IDENTITY FULL' \
      -c 'CREATE PUBLICATION bench_pub FOR TABLE pgbench_accounts, pgbench_branches, pgbench_tellers, pgbench_history, bench_marker'
  else
    for db in "$SRC" "$NATIVE"; do
      psql "$db" -qc 'CREATE TABLE bench_marker (id int PRIMARY KEY)' \
        -c 'CREATE TABLE wide (id bigint PRIMARY KEY, a int, b bigint, c text, d timestamptz, e numeric, f boolean, doc text)' \
        -c 'ALTER TABLE wide ALTER doc SET STORAGE EXTERNAL'
    done
    psql "$SRC" -qc 'CREATE PUBLICATION bench_pub FOR TABLE wide, bench_marker'
  fi
  psql "$SRC" -qc "SELECT pg_create_logical_replication_slot('bench_floor', 'pgoutput')" >/dev/null
  psql "$NATIVE" -qc "CREATE SUBSCRIPTION bench_sub CONNECTION 'host=127.0.0.1 port=55501 user=postgres dbname=cdc' PUBLICATION bench_pub
    WITH (copy_data = false, enabled = false, create_slot = true, binary = true, streaming = on)"
  id=$(pgferry task create --source "$SRC" --target "$FERRY" --include-schema public --incremental --stream-lanes "$LANES" --jobs 2 --json | tail -1 | node -e 'process.stdin.on("data", (d) => console.log(JSON.parse(d).id))')
  pgferry task precheck "$id" >/dev/null || { pgferry task precheck "$id"; exit 1; }
  pgferry task start "$id" >/dev/null
  until pgferry task status "$id" --json | tail -1 | grep -q '"state":"streaming"'; do sleep 0.5; done
  pgferry task stop "$id" --wait >/dev/null
  if [ "$FLEET" = 1 ]; then
    fid=$(fpgferry task create --source "$SRC" --target "$FLEET_DB" --include-schema public --incremental --stream-lanes "$LANES" --jobs 2 --json | tail -1 | node -e 'process.stdin.on("data", (d) => console.log(JSON.parse(d).id))')
    fpgferry task precheck "$fid" >/dev/null || { fpgferry task precheck "$fid"; exit 1; }
    fpgferry task start "$fid" >/dev/null
    until fpgferry task status "$fid" --json | tail -1 | grep -q '"state":"streaming"'; do sleep 0.5; done
    fpgferry task stop "$fid" --wait >/dev/null
  fi
  # pgcopydb's slot and sentinel now: the pgferry task's copy is done and did not take them
  if [ "$PGCOPYDB" = 1 ]; then
    pgcopydb stream setup --source "$SRC" --target "$PCD" --dir "$work/pgcopydb-$round" >"$work/pgcopydb-$round.log" 2>&1
    pgcopydb stream sentinel set apply --source "$SRC" >>"$work/pgcopydb-$round.log" 2>&1
  fi
  # the backlog, held by every slot
  t0=$(now)
  if [ "$WORKLOAD" = A ]; then
    pgbench -n -c "$CLIENTS" -j "$CLIENTS" -t $(( N / CLIENTS )) "$SRC" >"$work/pgbench-$round.log" 2>&1
  else
    N=$(( 1 + UPDATES + DELETES ))
    psql "$SRC" -qc "INSERT INTO wide SELECT i, i % 1000, i * 7, 'row ' || i, timestamptz '2026-01-01' + i * interval '1 second', i / 7.0, i % 2 = 0, 'short ' || i
      FROM generate_series(1, $WIDE_ROWS) i"
    printf '\\set id random(1, %s)\nUPDATE wide SET doc = repeat(md5(:id::text), 100) WHERE id = :id;\n' "$WIDE_ROWS" >"$work/update.sql"
    printf '\\set id random(1, %s)\nDELETE FROM wide WHERE id = :id;\n' "$WIDE_ROWS" >"$work/delete.sql"
    pgbench -n -c "$CLIENTS" -j "$CLIENTS" -t $(( UPDATES / CLIENTS )) -f "$work/update.sql" "$SRC" >"$work/pgbench-$round.log" 2>&1
    pgbench -n -c "$CLIENTS" -j "$CLIENTS" -t $(( DELETES / CLIENTS )) -f "$work/delete.sql" "$SRC" >>"$work/pgbench-$round.log" 2>&1
  fi
  premark=$(psql "$SRC" -Atc 'SELECT pg_current_wal_insert_lsn()')
  # the marker, in a transaction that writes every published table (each lane gets its part)
  if [ "$WORKLOAD" = A ]; then
    psql "$SRC" -qc 'BEGIN' -c 'INSERT INTO bench_marker VALUES (1)' -c 'UPDATE pgbench_branches SET filler = filler WHERE bid = 1' \
      -c 'UPDATE pgbench_tellers SET filler = filler WHERE tid = 1' -c 'UPDATE pgbench_accounts SET filler = filler WHERE aid = 1' \
      -c "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, 1, 0, '2026-01-01')" -c 'COMMIT'
  else
    psql "$SRC" -qc 'BEGIN' -c 'INSERT INTO bench_marker VALUES (1)' -c 'UPDATE wide SET a = a WHERE id = (SELECT min(id) FROM wide)' -c 'COMMIT'
  fi
  endpos=$(psql "$SRC" -Atc 'SELECT pg_current_wal_lsn()')
  written=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
  expected=$(digest "$SRC")
  native() {
    psql "$NATIVE" -qc 'ALTER SUBSCRIPTION bench_sub ENABLE'
    local s; s=$(wait_marker "$NATIVE")
    local ok=FAILED; [ "$(digest "$NATIVE")" = "$expected" ] && ok=equal
    echo "$round native $s $ok" | tee -a "$results"
    psql "$NATIVE" -qc 'ALTER SUBSCRIPTION bench_sub DISABLE'
  }
  copydb() {
    local t0 code=0; t0=$(now)
    timeout "$PGCOPYDB_TIMEOUT" pgcopydb follow --source "$SRC" --target "$PCD" --dir "$work/pgcopydb-$round" --resume --not-consistent --endpos "$endpos" >>"$work/pgcopydb-$round.log" 2>&1 || code=$?
    local s; s=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
    local ok=FAILED; [ "$(digest "$PCD")" = "$expected" ] && ok=equal
    echo "$round pgcopydb $s $ok exit=$code" | tee -a "$results"
  }
  floor() {
    local t0; t0=$(now)
    pg_recvlogical -d "$SRC" --slot bench_floor --start -o proto_version=1 -o publication_names=bench_pub -E "$endpos" -f /dev/null
    echo "$round floor $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }') equal" | tee -a "$results"
  }
  ferry() {
    local t1
    # PROFILE_DIR: the run in this script's own process, with a CPU profile written as it ends
    # (without PROFILE_DIR, resume returns once the run's process has started: the clock starts then)
    t1=$(now)
    if [ -n "${PROFILE_DIR:-}" ]; then node ${NODE_FLAGS:-} --cpu-prof --cpu-prof-dir="$PROFILE_DIR" "$repo/bin/pgferry.js" task resume "$id" --foreground --json >"$work/profiled-$round.log" 2>&1 &
    else pgferry task resume "$id" --json >"$work/resumed-$round.json"; t1=$(now); fi
    local s; s=$(wait_marker "$FERRY" "$premark")
    # the peak RSS of the process that applied (the run's own: a resumed task starts one)
    local pid=${!:-}
    [ -n "${PROFILE_DIR:-}" ] || pid=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").pop()).pid)' "$work/resumed-$round.json")
    local hwm; hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
    [ -z "$hwm" ] || echo "$round rss $(( hwm / 1024 ))" | tee -a "$results"
    # the stream's start in the run's own events: what came before it is starting up
    local log=${PROFILE_DIR:+$work/profiled-$round.log}
    [ -n "$log" ] || log=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").pop()).log)' "$work/resumed-$round.json")
    node "$repo/scripts/bench-cdc-startup.cjs" "$log" "$t1" "$round" | tee -a "$results"
    local ok=FAILED; [ "$(digest "$FERRY")" = "$expected" ] && ok=equal
    echo "$round pgferry $s $ok" | tee -a "$results"
    pgferry task stop "$id" --wait >/dev/null
    # the profiled run only: the fleet's workers are this shell's children too
    [ -z "${PROFILE_DIR:-}" ] || wait "$pid"
  }
  fleet() {
    # the resume queues the run: a worker starts it, and it sends its lanes after the first to the others
    local t1; t1=$(now)
    fpgferry task resume "$fid" >/dev/null
    local s; s=$(wait_marker "$FLEET_DB" "$premark")
    # the run's log is written by the worker that took it (this machine's PGFERRY_LOG_DIR above)
    node "$repo/scripts/bench-cdc-startup.cjs" "$work/fleet-logs/$fid.log" "$t1" "$round" | sed 's/ startup / fleet-startup /' | tee -a "$results"
    local ok=FAILED; [ "$(digest "$FLEET_DB")" = "$expected" ] && ok=equal
    echo "$round fleet $s $ok" | tee -a "$results"
    fpgferry task stop "$fid" --wait >/dev/null
  }
  echo "round $round: $N transactions (workload $WORKLOAD) written in $written s"
  # the order turns each round, so that no tool always goes first
  tools=(native ferry); [ "$PGCOPYDB" = 1 ] && tools+=(copydb); [ "$FLEET" = 1 ] && tools+=(fleet)
  for k in "${!tools[@]}"; do
    i=$(( (k + round - 1) % ${#tools[@]} ))
    "${tools[$i]}"
  done
  floor
  cleanup
done
node - "$results" "$N" <<'EOF'
const fs = require('fs');
const [file, n] = process.argv.slice(2);
const rows = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split(' '));
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const by = (tool) => rows.filter((r) => r[1] === tool && r[3] === 'equal' && r[2] !== 'never').map((r) => Number(r[2]));
const failed = (tool) => rows.filter((r) => r[1] === tool && (r[3] !== 'equal' || r[2] === 'never')).length;
const rss = rows.filter((r) => r[1] === 'rss').map((r) => Number(r[2]));
if (rss.length) console.log(`pgferry peak RSS (VmHWM of the applying process): ${rss.join(', ')} MB; max ${Math.max(...rss)} MB`);
const startup = rows.filter((r) => r[1] === 'startup').map((r) => Number(r[2]));
if (startup.length) console.log(`pgferry startup (clock start to stream start, in its time above): median ${median(startup).toFixed(2)} s`);
const fleetStartup = rows.filter((r) => r[1] === 'fleet-startup').map((r) => Number(r[2]));
if (fleetStartup.length) console.log(`fleet startup (resume to lane 0's stream start: the queue, a worker's new process, the catalog; in its time above): median ${median(fleetStartup).toFixed(2)} s`);
for (const tool of ['floor', 'native', 'pgferry', 'pgcopydb', 'fleet']) {
  if (!rows.some((r) => r[1] === tool)) continue;
  const t = by(tool);
  console.log(`${tool}: catch-up ${t.map((x) => x.toFixed(2)).join(', ')} s; median ${t.length ? median(t).toFixed(2) : '-'} s = ${t.length ? Math.round(Number(n) / median(t)) : '-'} tx/s; ${failed(tool)} failed`);
}
const [a, b] = [median(by('native')), median(by('pgferry'))];
if (a && b) console.log(`pgferry / native catch-up rate: ${(a / b).toFixed(2)}×`);
const c = median(by('pgcopydb'));
if (c && b) console.log(`pgferry / pgcopydb follow catch-up rate: ${(c / b).toFixed(2)}×`);
const fl = median(by('fleet'));
if (fl && b) console.log(`fleet (lanes over the workers) / pgferry one process catch-up time: ${(fl / b).toFixed(2)}`);
const f = median(by('floor'));
if (f && a && b) console.log(`the walsender's floor as a share of each time: native ${(f / a).toFixed(2)}, pgferry ${(f / b).toFixed(2)}`);
EOF
