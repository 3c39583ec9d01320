/**
 * Test Connectivity: connect to each side once and say Passed, or Failed with the step that failed
 * (DNS, TCP connect, timeout, TLS, authentication, database, permission, unsupported version)
 * and a fix. Nothing is read beyond the server's version and TLS state.
 */
import type { ConnInfo } from '../config/conninfo.js';
import { describeConnInfo } from '../config/conninfo.js';
import { PgferryError, messageOf, type ErrorCode } from '../errors.js';
import { connect, serverVersionNum, type Side } from './connect.js';

/** The step a connection error code stands for, as the report names it. */
const STEP: Partial<Record<ErrorCode, string>> = {
  PGFERRY_E_DNS: 'DNS',
  PGFERRY_E_CONNECT_REFUSED: 'TCP connect',
  PGFERRY_E_CONNECT_TIMEOUT: 'timeout',
  PGFERRY_E_TLS: 'TLS',
  PGFERRY_E_AUTH: 'authentication',
  PGFERRY_E_DATABASE_MISSING: 'database',
  PGFERRY_E_PERMISSION: 'permission',
  PGFERRY_E_VERSION: 'unsupported version',
};

export interface SideResult {
  side: Side;
  /** user@host:port/database (never the password). */
  endpoint: string;
  passed: boolean;
  /** PostgreSQL version, e.g. "15.18", when the connection opened. */
  serverVersion?: string;
  tls?: boolean;
  milliseconds: number;
  failedStep?: string;
  code?: ErrorCode;
  message?: string;
  fix?: string;
}

export interface ConnectivityReport {
  passed: boolean;
  sides: SideResult[];
}

async function testSide(info: ConnInfo, side: Side): Promise<SideResult & { versionNum?: number }> {
  const t0 = Date.now();
  const base = { side, endpoint: describeConnInfo(info) };
  try {
    const client = await connect(info, side);
    try {
      const versionNum = await serverVersionNum(client);
      const r = await client.query<{ v: string; tls: boolean | null }>(
        "SELECT pg_catalog.current_setting('server_version') AS v, (SELECT s.ssl FROM pg_catalog.pg_stat_ssl s WHERE s.pid = pg_catalog.pg_backend_pid()) AS tls",
      );
      return { ...base, passed: true, serverVersion: r.rows[0].v.split(' ')[0], tls: Boolean(r.rows[0].tls), versionNum, milliseconds: Date.now() - t0 };
    } finally {
      await client.end().catch(() => {});
    }
  } catch (err) {
    const e = err instanceof PgferryError ? err : new PgferryError('PGFERRY_E_CONNECT_REFUSED', messageOf(err), { cause: err });
    return { ...base, passed: false, failedStep: STEP[e.code] ?? 'connect', code: e.code, message: e.message, fix: e.fix, milliseconds: Date.now() - t0 };
  }
}

function versionProblem(result: SideResult & { versionNum?: number }, problem: string, fix: string): void {
  Object.assign(result, { passed: false, failedStep: STEP.PGFERRY_E_VERSION, code: 'PGFERRY_E_VERSION', message: problem, fix });
}

/** Tests the given sides at the same time; versions are checked too (source 10–18, target not older). */
export async function testConnectivity(sides: { source?: ConnInfo; target?: ConnInfo }): Promise<ConnectivityReport> {
  const [source, target] = await Promise.all([
    sides.source ? testSide(sides.source, 'source') : undefined,
    sides.target ? testSide(sides.target, 'target') : undefined,
  ]);
  const major = (r?: { versionNum?: number }) => (r?.versionNum ? Math.floor(r.versionNum / 10000) : undefined);
  const s = major(source);
  const t = major(target);
  if (source?.passed && s !== undefined && (s < 10 || s > 18))
    versionProblem(source, `the source runs PostgreSQL ${s}; pgferry reads sources 10 to 18`, 'upgrade the source in place first, or use pg_dump for very old servers');
  if (target?.passed && t !== undefined && s !== undefined && t < s)
    versionProblem(target, `the target runs PostgreSQL ${t}, older than the source's ${s}`, 'migrate to a server of the same or a newer major version');
  const results = [source, target].filter((r): r is SideResult & { versionNum?: number } => r !== undefined).map(({ versionNum: _v, ...r }) => r);
  return { passed: results.every((r) => r.passed), sides: results };
}
