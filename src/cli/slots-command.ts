/**
 * `pgferry slots`: the replication slots pgferry made on a source, with the WAL each holds and the
 * task of the store that owns it, so that a slot no task will ever resume can be found; and
 * `pgferry slots drop`, which drops one no running task owns (it holds WAL until it is dropped).
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { PgferryError } from '../errors.js';
import { connect } from '../pg/connect.js';
import { dropStreamObjects, laneBase, OWN_PREFIX, ownSlots, streamObjectName } from '../cdc/slot-lifecycle.js';
import { connHelp, passwordStdinOption, type PasswordStdinFlags } from './flags.js';
import { connInfoWithStdin } from './read-passwords.js';
import { jsonLine, reportError } from './output.js';
import { fmtBytes } from './progress-view.js';
import { ExitCode } from '../errors.js';

type SlotsFlags = { source: string; store?: string; json?: boolean } & PasswordStdinFlags;

/** A slot's owner in the store: the task whose run streams from it, and whether that task runs now. */
interface Owner {
  id: string;
  name: string;
  state: string;
  live: boolean;
}

/** The store's tasks by the slot name of their run (an absent store has none: it is not created here). */
async function ownersBySlot(storeFile: string | undefined): Promise<Map<string, Owner>> {
  const { openStore, defaultStoreLocation } = await import('../task/open-store.js');
  const { isPostgresStore } = await import('../task/postgres-store.js');
  const { effectiveState, isLive } = await import('../task/task-facts.js');
  const location = storeFile ?? defaultStoreLocation();
  const owners = new Map<string, Owner>();
  if (!isPostgresStore(location) && !fs.existsSync(location)) return owners;
  const store = await openStore(location);
  try {
    for (const t of await store.list()) {
      if (!t.runId) continue;
      const state = effectiveState(t);
      owners.set(streamObjectName(t.runId), { id: t.id, name: t.name, state, live: isLive(state) });
    }
  } finally {
    await store.close();
  }
  return owners;
}

/** Runs `fn` on a session of the source the flags name. */
async function withSource<T>(o: SlotsFlags, command: string, fn: (source: import('pg').Client) => Promise<T>): Promise<T> {
  const conn = await connInfoWithStdin({ source: o.source }, o, command);
  const source = await connect(conn.source!, 'source');
  try {
    return await fn(source);
  } finally {
    await source.end().catch(() => {});
  }
}

/** Registers `slots` (`slots list`) and `slots drop <name>`. */
export function registerSlotsCommand(program: Command): void {
  // list and drop are both subcommands (list the default), so that each has its own --source
  const slots = program.command('slots').description(`the replication slots pgferry made on a source (names starting ${OWN_PREFIX}): list (the default) or drop`);
  slots
    .command('list', { isDefault: true })
    .description(`list pgferry's slots on a source: the WAL each holds, whether a run reads it, and its task or "no task"`)
    .requiredOption('--source <conninfo>', `source database: ${connHelp}`)
    .option(...passwordStdinOption('source'))
    .option('--store <file|uri>', 'task store whose tasks own slots (default: $PGFERRY_STORE or ~/.pgferry/tasks.db)')
    .option('--json', 'JSON')
    .action(async (o: SlotsFlags) => {
      const debug = Boolean(program.opts().debug);
      try {
        const owners = await ownersBySlot(o.store);
        const list = await withSource(o, 'slots', ownSlots);
        const rows = list.map((s) => ({ ...s, task: owners.get(laneBase(s.slot)) ?? null }));
        if (o.json) jsonLine({ event: 'slots', slots: rows });
        else if (!rows.length) process.stdout.write('no pgferry slots on this source\n');
        else {
          const cells = rows.map((r) => [r.slot, r.database, fmtBytes(r.heldBytes), r.active ? 'yes' : 'no', r.task ? `${r.task.id.slice(0, 8)} ${r.task.name} (${r.task.state})` : 'no task']);
          const head = ['SLOT', 'DATABASE', 'WAL HELD', 'ACTIVE', 'TASK'];
          const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
          const line = (c: string[]) => c.map((x, i) => x.padEnd(w[i])).join('  ').trimEnd();
          process.stdout.write(`${[line(head), ...cells.map(line)].join('\n')}\n`);
          const orphans = rows.filter((r) => !r.task);
          if (orphans.length) process.stdout.write(`${orphans.length} slot(s) without a task hold WAL until dropped: pgferry slots drop NAME --source ...\n`);
        }
        process.exitCode = ExitCode.ok;
      } catch (err) {
        process.exitCode = reportError(err, debug, Boolean(o.json));
      }
    });

  slots
    .command('drop <name>')
    .description("drop a pgferry slot (and pgferry's publication of that name) that no running task owns; a task that owned it can no longer be resumed")
    .requiredOption('--source <conninfo>', `source database: ${connHelp}`)
    .option(...passwordStdinOption('source'))
    .option('--store <file|uri>', 'task store: a SQLite file or a postgresql:// URI (default: $PGFERRY_STORE or ~/.pgferry/tasks.db)')
    .option('--json', 'JSON')
    .action(async (name: string, o: SlotsFlags) => {
      const debug = Boolean(program.opts().debug);
      try {
        if (!name.startsWith(OWN_PREFIX))
          throw new PgferryError('PGFERRY_E_USAGE', `${name} is not a pgferry slot (their names start with ${OWN_PREFIX})`, { object: name, fix: 'pgferry drops only its own slots; drop others with SELECT pg_drop_replication_slot(...) if you mean to' });
        const owner = (await ownersBySlot(o.store)).get(laneBase(name));
        if (owner?.live)
          throw new PgferryError('PGFERRY_E_TASK_STATE', `slot ${name} belongs to task ${owner.name}, which is ${owner.state}`, { object: `task ${owner.id}`, fix: `pgferry task stop ${owner.id.slice(0, 8)} --wait, then pgferry task release ${owner.id.slice(0, 8)} drops it` });
        const dropped = await withSource(o, 'slots drop', async (source) => {
          const found = (await ownSlots(source)).find((s) => s.slot === name);
          if (!found) throw new PgferryError('PGFERRY_E_USAGE', `no pgferry slot ${name} on this source`, { object: name, fix: 'pgferry slots --source ... lists them' });
          return dropStreamObjects(source, name);
        });
        if (o.json) jsonLine({ event: 'slot-dropped', name, slotDropped: dropped.slot, publicationDropped: dropped.publication, task: owner?.id ?? null });
        else
          process.stdout.write(
            `slot ${name} dropped${dropped.publication ? ', and its publication' : ''}${owner ? `; task ${owner.id.slice(0, 8)} can no longer be resumed (pgferry task release ${owner.id.slice(0, 8)} removes it)` : ''}\n`,
          );
        process.exitCode = ExitCode.ok;
      } catch (err) {
        process.exitCode = reportError(err, debug, Boolean(o.json));
      }
    });
}
