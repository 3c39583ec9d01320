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
# watched every 100 ms, not with `task status --watch` (a redraw a second: on a 12 s run that
# quantized the two sides' times by a second, whichever side a run's end fell on)
node --input-type=module -e "
  const { openStore } = await import('$(dirname "$pgferry")/../dist/task/open-store.js');
  const store = await openStore();
  for (;;) {
    const t = await store.get(process.argv[1], { prefix: false });
    if (!['created', 'queued', 'running', 'stopping'].includes(t.state)) {
      await store.close();
      process.exit(t.state === 'completed' ? 0 : 1);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
" "$id"
