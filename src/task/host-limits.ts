/**
 * Limits per database server across a fleet (`pgferry host-limit HOST[:PORT] N`): at most N table
 * copies at once read from, or write to, that server, counted over every task and worker of the
 * store. A shared server (a managed instance several teams' migrations read) is protected however
 * many tasks run. Each copy unit holds a slot on its source's server and one on its target's for
 * as long as it copies; slots are session advisory locks in the store's database
 * (PostgresTaskStore.holdSlot), freed by the holder's death. Needs a PostgreSQL store: a SQLite
 * store serves one machine, where a task's --jobs is the limit.
 */
import { PgferryError } from '../errors.js';
import type { ConnInfo } from '../config/conninfo.js';
import type { PostgresTaskStore } from './postgres-store.js';
import type { TaskStore } from './task-store.js';

const SETTING = 'host-limits';

/** A server as limits name it: `host:port`, the host lower-cased (a socket folder as given). */
export function serverKey(info: Pick<ConnInfo, 'host' | 'port'>): string {
  return `${info.host.startsWith('/') ? info.host : info.host.toLowerCase()}:${info.port}`;
}

/** `HOST[:PORT]` as a user writes it (port 5432 when left out; `[v6]:port` for IPv6). */
export function parseServer(text: string): string {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(text.trim());
  const port = m?.[3] === undefined ? 5432 : Number(m[3]);
  if (!m || port < 1 || port > 65535)
    throw new PgferryError('PGFERRY_E_USAGE', `not a server: ${JSON.stringify(text)}`, { fix: 'write HOST or HOST:PORT (e.g. db1.internal:5432, [2001:db8::1]:5432)' });
  return serverKey({ host: m[1] ?? m[2], port });
}

/** Every limit in the store: server → most copies at once. */
export async function hostLimits(store: TaskStore): Promise<Record<string, number>> {
  const raw = await store.setting(SETTING);
  return raw ? (JSON.parse(raw) as Record<string, number>) : {};
}

/** Sets (`limit` ≥ 1) or lifts (null) a server's limit; a PostgreSQL store only. Returns them all. */
export async function setHostLimit(store: TaskStore, server: string, limit: number | null): Promise<Record<string, number>> {
  if (store.kind !== 'postgresql')
    throw new PgferryError('PGFERRY_E_USAGE', `limits per server hold across a fleet and need a PostgreSQL task store; this one is the SQLite file ${store.location}`, {
      fix: "on one machine a task's --jobs is the limit; for a fleet: --store postgresql://USER@HOST/DB (docs/fleet.md)",
    });
  const all = await hostLimits(store);
  if (limit === null) delete all[server];
  else all[server] = limit;
  await store.setSetting(SETTING, JSON.stringify(all));
  return all;
}

/**
 * For a run from `source` into `target`: a function that holds a copy slot on each limited
 * server (both in one order, so two runs never hold one each and wait for the other) and resolves
 * with their release; undefined when neither server is limited. Limits are read when the run
 * starts.
 */
export async function copySlots(store: TaskStore, source: ConnInfo, target: ConnInfo): Promise<((stopped: () => boolean) => Promise<() => Promise<void>>) | undefined> {
  if (store.kind !== 'postgresql') return undefined;
  const limits = await hostLimits(store);
  const limited = [...new Set([serverKey(source), serverKey(target)])].filter((k) => limits[k] !== undefined).sort();
  if (!limited.length) return undefined;
  const pg = store as PostgresTaskStore;
  return async (stopped) => {
    const held: (() => Promise<void>)[] = [];
    const release = async () => {
      for (const r of held.reverse()) await r();
    };
    try {
      for (const k of limited) held.push(await pg.holdSlot(k, limits[k], stopped));
    } catch (err) {
      await release();
      throw err;
    }
    return release;
  };
}
