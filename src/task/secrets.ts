/**
 * Passwords a task keeps: AES-256-GCM with a random key in a key file of its own (mode 0600),
 * `PGFERRY_KEY_FILE` or `~/.pgferry/secret.key`. The store holds only `v1:` + iv, tag and
 * ciphertext; without the key file nothing in the store reveals a password.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PgferryError } from '../errors.js';

export function keyFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.PGFERRY_KEY_FILE || path.join(os.homedir(), '.pgferry', 'secret.key');
}

function loadKey(file: string, create: boolean): Buffer {
  if (!fs.existsSync(file)) {
    if (!create)
      throw new PgferryError('PGFERRY_E_SECRET', `the key file ${file} is missing: the stored password cannot be read`, {
        object: 'key file',
        fix: 'restore the key file (PGFERRY_KEY_FILE), or give the password again: pgferry task set-password',
      });
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    // wx: two processes creating it at once do not overwrite each other's key
    try {
      fs.writeFileSync(file, `${crypto.randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const hex = fs.readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(hex))
    throw new PgferryError('PGFERRY_E_SECRET', `the key file ${file} does not hold a 256-bit hex key`, { object: 'key file', fix: 'restore the original key file' });
  return Buffer.from(hex, 'hex');
}

/** Encrypts a password for the store (creating the key file on first use). */
export function sealSecret(plain: string, file = keyFilePath()): string {
  const key = loadKey(file, true);
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `v1:${Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64')}`;
}

/** Decrypts a stored password; a wrong key file fails with PGFERRY_E_SECRET. */
export function openSecret(sealed: string, file = keyFilePath()): string {
  const key = loadKey(file, false);
  const raw = Buffer.from(sealed.replace(/^v1:/, ''), 'base64');
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    throw new PgferryError('PGFERRY_E_SECRET', `the stored password does not open with the key file ${file}`, {
      object: 'key file',
      fix: 'use the key file the task was created with (PGFERRY_KEY_FILE), or give the password again: pgferry task set-password',
    });
  }
}
