/**
 * One registry of pgferry's error codes. Library code throws PgferryError with a code from here;
 * only the CLI maps codes to exit codes. docs/errors.md lists every code (a test checks it).
 * Which failures are transient (worth a retry) is decided next door, in retry-class.ts.
 */

/** Exit codes the CLI returns; documented in docs/errors.md. */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  connection: 3,
  verifyMismatch: 4,
  objectRejected: 5,
  dataCopy: 6,
  completedWithSkipped: 7,
  precheckFailed: 8,
  stopped: 9,
  targetBusy: 10,
  completedFromSeveralSnapshots: 11,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

interface CodeInfo {
  exit: ExitCodeValue;
  summary: string;
}

export const ERROR_CODES = {
  PGFERRY_E_USAGE: { exit: ExitCode.usage, summary: 'invalid option or connection string' },
  PGFERRY_E_MAPPING: { exit: ExitCode.usage, summary: 'the object name mapping names a missing object, a name over 63 bytes, or two objects with one name' },
  PGFERRY_E_DNS: { exit: ExitCode.connection, summary: 'host name could not be resolved' },
  PGFERRY_E_CONNECT_REFUSED: { exit: ExitCode.connection, summary: 'nothing listens on the host and port' },
  PGFERRY_E_CONNECT_TIMEOUT: { exit: ExitCode.connection, summary: 'the server did not answer in time' },
  PGFERRY_E_TLS: { exit: ExitCode.connection, summary: 'TLS negotiation or certificate check failed' },
  PGFERRY_E_AUTH: { exit: ExitCode.connection, summary: 'authentication failed' },
  PGFERRY_E_DATABASE_MISSING: { exit: ExitCode.connection, summary: 'the database does not exist' },
  PGFERRY_E_PERMISSION: { exit: ExitCode.connection, summary: 'the role lacks a needed privilege' },
  PGFERRY_E_VERSION: { exit: ExitCode.connection, summary: 'server version not supported' },
  PGFERRY_E_CONNECTION_LOST: { exit: ExitCode.failed, summary: 'a connection broke during the run' },
  PGFERRY_E_CATALOG: { exit: ExitCode.failed, summary: 'reading the source catalog failed' },
  PGFERRY_E_DDL: { exit: ExitCode.objectRejected, summary: 'the target rejected an object' },
  PGFERRY_E_COPY: { exit: ExitCode.dataCopy, summary: 'copying a table failed' },
  PGFERRY_E_SNAPSHOT_GONE: { exit: ExitCode.failed, summary: "a fleet worker could not join the run's snapshot: the process that held it is gone" },
  PGFERRY_E_APPLY: { exit: ExitCode.dataCopy, summary: 'a streamed change could not be applied: the target no longer holds the row the source changed' },
  PGFERRY_E_SCHEMA_CHANGED: { exit: ExitCode.dataCopy, summary: 'a streamed table has a column on the source that its target table lacks (added or renamed on the source): its changes cannot be applied until the target has the same change' },
  PGFERRY_E_REPLICA_IDENTITY: { exit: ExitCode.precheckFailed, summary: 'an incremental run would publish a table without a primary key or replica identity (UPDATE and DELETE on it would fail on the source)' },
  PGFERRY_E_VERIFY_MISMATCH: { exit: ExitCode.verifyMismatch, summary: 'source and target differ' },
  PGFERRY_E_VERIFY_READ: { exit: ExitCode.failed, summary: 'a part of a spread verify could not be read by any fleet worker' },
  PGFERRY_E_SERVER_START: { exit: ExitCode.failed, summary: 'a local PostgreSQL server could not start' },
  PGFERRY_E_SECRET: { exit: ExitCode.failed, summary: 'a stored password cannot be read (key file missing or different)' },
  PGFERRY_E_TASK_NOT_FOUND: { exit: ExitCode.usage, summary: 'no task with this ID in the store' },
  PGFERRY_E_TASK_STATE: { exit: ExitCode.usage, summary: 'the task is not in a state that allows this' },
  PGFERRY_E_PRECHECK_REQUIRED: { exit: ExitCode.precheckFailed, summary: 'the task has no passed precheck of its current spec' },
  PGFERRY_E_STOPPED: { exit: ExitCode.stopped, summary: 'the run was stopped on request' },
  PGFERRY_E_STORE: { exit: ExitCode.failed, summary: 'the task store cannot be opened or written' },
  PGFERRY_E_UNAUTHORIZED: { exit: ExitCode.usage, summary: 'the HTTP API request has no token or a wrong one (HTTP 401)' },
  PGFERRY_E_NOT_ALLOWED: { exit: ExitCode.usage, summary: "the HTTP API refuses a connection setting that would use the server's own files, environment or sockets (HTTP 403)" },
  PGFERRY_E_HOST_NOT_ALLOWED: { exit: ExitCode.usage, summary: 'the HTTP request names a Host the server does not answer to (HTTP 403)' },
  PGFERRY_E_TARGET_BUSY: { exit: ExitCode.targetBusy, summary: 'another pgferry run holds the target database' },
  PGFERRY_E_INTERNAL: { exit: ExitCode.failed, summary: 'unexpected internal error' },
} as const satisfies Record<string, CodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorDetails {
  /** The object concerned, e.g. `table public."Foo Bar"` or `source 10.0.0.1:5432`. */
  object?: string;
  /** What the user can do about it. */
  fix?: string;
  /** The SQL that failed, when one did (never holds values: those go as parameters). */
  sql?: string;
  cause?: unknown;
}

/** A failure with a stable code, the object it concerns and a suggested fix. */
export class PgferryError extends Error {
  readonly code: ErrorCode;
  readonly object?: string;
  readonly fix?: string;
  readonly sql?: string;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'PgferryError';
    this.code = code;
    this.object = details.object;
    this.fix = details.fix;
    this.sql = details.sql;
  }

  get exitCode(): ExitCodeValue {
    return ERROR_CODES[this.code].exit;
  }

  /** One line for a person: object, cause, fix. */
  toLine(): string {
    const parts = [`${this.code}: ${this.object ? `${this.object}: ` : ''}${this.message}`];
    if (this.fix) parts.push(`fix: ${this.fix}`);
    return parts.join(' — ');
  }
}

/**
 * A run stopped on request (`task stop`, a worker shutting down): where it stopped (`at`, by
 * default a unit boundary), and how to go on. One wording wherever a run notices the stop.
 */
export function stoppedError(at = 'at a unit boundary'): PgferryError {
  return new PgferryError('PGFERRY_E_STOPPED', `stopped on request ${at}; finished steps and tables are kept`, {
    object: 'run',
    fix: 'pgferry task resume continues from here (it writes into the target again); pgferry task release gives the task up',
  });
}

/** The message of any thrown value. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
