/**
 * Passwords a task keeps: AES-256-GCM with a random key in a key file of its own,
 * `PGFERRY_KEY_FILE` or `~/.pgferry/secret.key`. The store holds only `v2:` + iv, tag and
 * ciphertext, sealed with the task ID and side as additional authenticated data, so a sealed value
 * opens only in the row it was sealed for. Older stores hold `v1:` values (no AAD): they still
 * open, and the caller stores the `v2:` value `openSecret` hands back in their place.
 *
 * The key file must be private to its owner (no group or other bits), and a missing one is created
 * only while the store holds no sealed password: a fresh key would leave those unreadable.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PgferryError } from '../errors.js';

export type SecretSide = 'source' | 'target';

/** The row a sealed password belongs to; it is bound to it (AAD). */
export interface SecretSlot {
  taskId: string;
  side: SecretSide;
}

/** Where the key lives: `PGFERRY_KEY_FILE`, else `~/.pgferry/secret.key`. */
export function keyFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.PGFERRY_KEY_FILE || path.join(os.homedir(), '.pgferry', 'secret.key');
}

/** A path as one shell word, so a fix can be pasted as it is. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const setPasswordFix = (slot: SecretSlot) => `pgferry task set-password ${slot.taskId} --side ${slot.side}`;

/** Reads the key, refusing a file other users can read or write. `null`: the file is missing. */
function readKey(file: string): Buffer | null {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new PgferryError('PGFERRY_E_SECRET', `cannot read the key file: ${(err as Error).message}`, { object: `key file ${file}`, cause: err });
  }
  if (!st.isFile()) throw new PgferryError('PGFERRY_E_SECRET', 'the key file is not a regular file', { object: `key file ${file}`, fix: 'set PGFERRY_KEY_FILE to the key file itself' });
  // POSIX modes mean nothing on Windows, where the file's ACL decides
  if (process.platform !== 'win32' && st.mode & 0o077)
    throw new PgferryError('PGFERRY_E_SECRET', `the key file is open to other users (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}): pgferry uses it only when private to its owner`, {
      object: `key file ${file}`,
      fix: `chmod 600 ${shellWord(file)} (if others could read it, change the database passwords it protects)`,
    });
  const hex = fs.readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new PgferryError('PGFERRY_E_SECRET', 'the key file does not hold a 256-bit hex key', { object: `key file ${file}`, fix: 'restore the original key file' });
  return Buffer.from(hex, 'hex');
}

/**
 * Creates the key file (folder 0700, file 0600) unless another process just did: the key is
 * written to a temporary file and linked into place, so no reader ever sees a half-written key.
 */
function createKey(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, `${crypto.randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** The key to open with: the file must be there. */
function keyForOpening(file: string, slot: SecretSlot): Buffer {
  const key = readKey(file);
  if (key) return key;
  throw new PgferryError('PGFERRY_E_SECRET', 'the key file is missing: the stored password cannot be read', {
    object: `key file ${file}`,
    fix: `restore ${shellWord(file)} or set PGFERRY_KEY_FILE to where it is now; if it is lost, give the password again: ${setPasswordFix(slot)}`,
  });
}

/** The key to seal with: a missing file is created only when no sealed password depends on it. */
function keyForSealing(file: string, sealedInStore: number): Buffer {
  const key = readKey(file);
  if (key) return key;
  if (sealedInStore > 0)
    throw new PgferryError('PGFERRY_E_SECRET', `the key file is missing, and the store holds ${sealedInStore} password(s) sealed with it: a new key would leave them unreadable`, {
      object: `key file ${file}`,
      fix:
        `restore ${shellWord(file)} or set PGFERRY_KEY_FILE to where it is now; if it is lost for good, create a new key on purpose: ` +
        `(umask 077 && openssl rand -hex 32 > ${shellWord(file)}), then give each task its passwords again: pgferry task set-password ID --side source|target`,
    });
  createKey(file);
  return readKey(file)!;
}

/** What binds a sealed password to its row; a different task or side fails the GCM tag. */
function aad(slot: SecretSlot): Buffer {
  return Buffer.from(JSON.stringify(['pgferry-secret', slot.taskId, slot.side]), 'utf8');
}

function seal(plain: string, key: Buffer, slot: SecretSlot): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  cipher.setAAD(aad(slot));
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `v2:${Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64')}`;
}

/**
 * Encrypts a password for one task and side. `sealedInStore` is how many sealed passwords the
 * store already holds: a missing key file is created only when there are none.
 */
export function sealSecret(plain: string, slot: SecretSlot, opts: { keyFile?: string; sealedInStore: number }): string {
  const file = opts.keyFile ?? keyFilePath();
  return seal(plain, keyForSealing(file, opts.sealedInStore), slot);
}

/**
 * Decrypts a stored password of this task and side. A `v1:` value (sealed before passwords were
 * bound to their row) comes back with `upgraded`, the same password sealed as `v2:`, to store in
 * its place. A wrong key file, or a value moved from another row, fails with PGFERRY_E_SECRET.
 */
export function openSecret(sealed: string, slot: SecretSlot, keyFile = keyFilePath()): { plain: string; upgraded?: string } {
  const version = /^v[12]:/.exec(sealed)?.[0];
  if (!version)
    throw new PgferryError('PGFERRY_E_SECRET', `the stored ${slot.side} password is in a format this pgferry does not know`, { object: `task ${slot.taskId}`, fix: `give the password again: ${setPasswordFix(slot)}` });
  const key = keyForOpening(keyFile, slot);
  const raw = Buffer.from(sealed.slice(version.length), 'base64');
  let plain: string;
  try {
    // a fixed tag length: a value cut short must not pass with a 4-byte tag
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12), { authTagLength: 16 });
    if (version === 'v2:') decipher.setAAD(aad(slot));
    decipher.setAuthTag(raw.subarray(12, 28));
    plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    throw new PgferryError('PGFERRY_E_SECRET', `the stored ${slot.side} password does not open with the key file ${keyFile}: another key sealed it, or it was sealed for another task or side`, {
      object: `task ${slot.taskId}`,
      fix: `use the key file the task was created with (PGFERRY_KEY_FILE), or give the password again: ${setPasswordFix(slot)}`,
    });
  }
  return version === 'v1:' ? { plain, upgraded: seal(plain, key, slot) } : { plain };
}
