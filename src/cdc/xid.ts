/**
 * 32-bit transaction ids as pgoutput sends them. They wrap around: of two ids, the one up to 2^31
 * ahead (modulo 2^32) is the newer, as PostgreSQL itself compares them (TransactionIdPrecedes).
 * Only ids of recent transactions are compared here, well within that distance of each other.
 */
export type Xid = number;

/** Whether `a` is older than `b`. */
export function xidPrecedes(a: Xid, b: Xid): boolean {
  const d = (b - a) >>> 0;
  return d !== 0 && d < 0x8000_0000;
}

/** The newer of two ids; `a` may be absent. */
export function newerXid(a: Xid | null, b: Xid): Xid {
  return a === null || xidPrecedes(a, b) ? b : a;
}

/** The low 32 bits of a 64-bit txid (`txid_current_snapshot()` and friends print those), as an xid. */
export function xidOfTxid(txid: string): Xid {
  return Number(BigInt(txid) & 0xffff_ffffn);
}
