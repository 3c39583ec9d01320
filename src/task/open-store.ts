/**
 * Opens the task store `--store` or `PGFERRY_STORE` names: a `postgresql://` URI is a PostgreSQL
 * database (postgres-store.ts), anything else a SQLite file (sqlite-store.ts); neither given,
 * `~/.pgferry/tasks.db`.
 */
import os from 'node:os';
import path from 'node:path';
import { PostgresTaskStore, isPostgresStore } from './postgres-store.js';
import { SqliteTaskStore } from './sqlite-store.js';
import type { TaskStore } from './task-store.js';

/** The store to use: `PGFERRY_STORE`, else `~/.pgferry/tasks.db`. */
export function defaultStoreLocation(env: NodeJS.ProcessEnv = process.env): string {
  return env.PGFERRY_STORE || path.join(os.homedir(), '.pgferry', 'tasks.db');
}

/**
 * Where the background runs a PostgreSQL store's tasks write their logs: on the machine that runs
 * them (`PGFERRY_LOG_DIR`, else `~/.pgferry/logs`). A SQLite store keeps them beside its file.
 */
export function sharedStoreLogDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.PGFERRY_LOG_DIR || path.join(os.homedir(), '.pgferry', 'logs');
}

export async function openStore(location = defaultStoreLocation()): Promise<TaskStore> {
  if (isPostgresStore(location)) return PostgresTaskStore.open(location, sharedStoreLogDir());
  return SqliteTaskStore.open(location);
}
