/**
 * The API token: generated on the first `pgferry serve`, printed once, kept only as a SHA-256
 * hash in the task store; or set with PGFERRY_TOKEN (then nothing is stored).
 */
import crypto from 'node:crypto';
import type { TaskStore } from '../task/task-store.js';

const SETTING = 'api_token_sha256';

export const hashToken = (token: string) => crypto.createHash('sha256').update(token, 'utf8').digest('hex');

/** The hash requests are checked against, and the new token when one was just made. */
export async function apiToken(store: TaskStore, opts: { envToken?: string; renew?: boolean }): Promise<{ hash: string; created?: string }> {
  if (opts.envToken) return { hash: hashToken(opts.envToken) };
  const existing = await store.setting(SETTING);
  if (existing && !opts.renew) return { hash: existing };
  const token = crypto.randomBytes(24).toString('base64url');
  await store.setSetting(SETTING, hashToken(token));
  return { hash: hashToken(token), created: token };
}

/** Compares a presented token with the stored hash in constant time. */
export function tokenMatches(presented: string | undefined, hash: string): boolean {
  if (!presented) return false;
  const a = Buffer.from(hashToken(presented), 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
