#!/usr/bin/env bash
# scripts/bench-fleet-run.sh SRC DST: one migration as a task (create, precheck, start, watch to
# its end) in the store PGFERRY_STORE names; run by scripts/bench-fleet.sh as the harness's
# custom command. With a PostgreSQL store that has a live worker, the start is queued and the
# worker runs it; with a SQLite store, a process of this machine does.
set -euo pipefail
pgferry="$(cd "$(dirname "$0")/.." && pwd)/bin/pgferry.js"
id=$("$pgferry" task create --source "$1" --target "$2" --json | tail -n 1 | sed 's/.*"id":"\([^"]*\)".*/\1/')
"$pgferry" task precheck "$id" --json > /dev/null
"$pgferry" task start "$id" --json
"$pgferry" task status "$id" --watch --json | tail -n 1 | grep -q '"state":"completed"'
