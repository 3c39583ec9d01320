/**
 * How a `pgferry task ...` subcommand runs: its heavy modules loaded on demand, the store opened
 * and closed around it, and its errors turned into exit codes.
 */
import type { Command } from 'commander';
import { ExitCode } from '../errors.js';
import type { TaskStore } from '../task/task-store.js';
import { reportError } from './output.js';

// The store (SQLite or PostgreSQL), the task service, YAML and zod load when a task command runs, not with every
// pgferry command (~90 ms of startup). ESM exports are live bindings: the importing modules see
// these once loadTaskModules has filled them, which happens before any action body runs.
export let stores: typeof import('../task/open-store.js');
export let svc: typeof import('../task/task-service.js');
export let specs: typeof import('../config/task-spec.js');
export let out: typeof import('./task-output.js');
export let YAML: typeof import('yaml');
async function loadTaskModules(): Promise<void> {
  [stores, svc, specs, out, YAML] = await Promise.all([
    import('../task/open-store.js'), import('../task/task-service.js'), import('../config/task-spec.js'), import('./task-output.js'), import('yaml'),
  ]);
}

/** The flags every task subcommand may have. */
export type Common = { store?: string; json?: boolean };

/** Runs a task command once its modules are loaded, and turns errors into exit codes. */
export function command<O extends Common>(program: Command, fn: (o: O, ...args: string[]) => Promise<number | void>) {
  return async (...args: unknown[]) => {
    const positional = args.filter((a) => typeof a === 'string') as string[];
    const o = args.find((a) => a && typeof a === 'object' && !(a as { commands?: unknown }).commands) as O;
    const debug = Boolean(program.opts().debug);
    try {
      await loadTaskModules();
      process.exitCode = (await fn(o, ...positional)) ?? ExitCode.ok;
    } catch (err) {
      process.exitCode = reportError(err, debug, Boolean(o.json));
    }
  };
}

/** Runs `fn` with the store open, creating it (and its folder) on first use. */
export async function withStore<T>(o: Common, fn: (store: TaskStore) => Promise<T>): Promise<T> {
  const store = await stores.openStore(o.store);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** A task command that works on the store from its first line. */
export function action<O extends Common>(program: Command, fn: (store: TaskStore, o: O, ...args: string[]) => Promise<number | void>) {
  return command<O>(program, (o, ...args) => withStore(o, (store) => fn(store, o, ...args)));
}

/** Adds `--store`, which every task subcommand that opens the store takes. */
export const storeOption = (cmd: Command) => cmd.option('--store <file|uri>', 'task store: a SQLite file, or a postgresql:// URI shared by several machines (default: $PGFERRY_STORE or ~/.pgferry/tasks.db)');
