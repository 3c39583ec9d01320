/**
 * WAL positions (LSNs). PostgreSQL prints them as two hex halves (`16/B374D848`); the replication
 * protocol sends them as 64-bit integers. They are kept as bigint: a number loses the low bits
 * past 2^53 bytes of WAL.
 */
import { PgferryError } from '../errors.js';

export type Lsn = bigint;

/** `16/B374D848` → 0x16B374D848n. */
export function parseLsn(text: string): Lsn {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  if (!m) throw new PgferryError('PGFERRY_E_INTERNAL', `not a WAL position: ${JSON.stringify(text)}`, { object: 'lsn' });
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

/** 0x16B374D848n → `16/B374D848`, as PostgreSQL prints it. */
export function formatLsn(lsn: Lsn): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}
