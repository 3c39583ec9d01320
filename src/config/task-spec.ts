/**
 * TaskSpec: what a migration task is, as the user writes it (flags, a YAML or JSON file, later an
 * HTTP body). One zod schema validates every entry point and is published as JSON Schema
 * (docs/task-spec.schema.json). A stored spec never holds a password: `normalizeConn` splits it
 * out for the secret store.
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import { zodToJsonSchema } from 'zod-to-json-schema';
import { resolveConnInfo, type ConnInfo, type SslMode } from './conninfo.js';
import { PgferryError } from '../errors.js';
import { MAX_GLOB_LENGTH, globCountProblem } from './glob-match.js';
import { JOBS_MAX, JOBS_MIN } from './jobs.js';

/** The most lanes an incremental task streams through (each is a slot and a WAL sender on the source). */
export const STREAM_LANES_MAX = 8;

const name = z.string().min(1);
// selection globs, held to glob-match's limits so that no list can make matching slow
const globs = z
  .array(z.string().min(1).max(MAX_GLOB_LENGTH, `at most ${MAX_GLOB_LENGTH} characters per pattern`))
  .superRefine((list, ctx) => {
    const problem = globCountProblem(list);
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
  })
  .optional();

export const ConnSpecSchema = z.union([
  z.string().min(1).describe('a libpq URI (postgresql://user@host:5432/db) or key=value string'),
  z
    .object({
      host: z.string().optional(),
      port: z.number().int().min(1).max(65535).optional(),
      database: z.string().optional(),
      user: z.string().optional(),
      password: z.string().optional().describe('stored encrypted with the key file, never in plain text'),
      passwordEnv: z.string().optional().describe('name of an environment variable that holds the password when the task runs'),
      sslmode: z.enum(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full']).optional(),
      sslrootcert: z.string().optional(),
      sslcert: z.string().optional(),
      sslkey: z.string().optional(),
      connectTimeout: z.number().int().positive().optional(),
      options: z.string().optional(),
    })
    .strict(),
]);

const TaskSpecObject = z
  .object({
    name: z.string().min(1).max(200).optional().describe('generated when not given; need not be unique'),
    source: ConnSpecSchema,
    target: ConnSpecSchema,
    migration: z.enum(['schema', 'full']).default('full').describe('schema: schema migration only; full: schema and all data'),
    incremental: z
      .boolean()
      .default(false)
      .describe('after the full copy, keep applying the source\'s changes (logical decoding) until cutover; needs migration full'),
    objects: z
      .object({
        includeSchemas: globs,
        excludeSchemas: globs,
        includeTables: globs.describe('schema.table or table globs; views and sequences count as tables'),
        excludeTables: globs,
        includeColumns: globs.describe('schema.table.column or table.column globs'),
        excludeColumns: globs,
        partitionsAsTables: z
          .boolean()
          .optional()
          .describe('create partitions selected without their partitioned table as plain tables with their own rows (otherwise the selection is refused); selecting a partitioned table always takes its whole partition tree'),
      })
      .strict()
      .default({}),
    mapping: z
      .object({
        schemas: z.array(z.object({ from: name, to: name }).strict()).optional(),
        tables: z.array(z.object({ schema: name, from: name, to: name }).strict()).optional(),
        columns: z.array(z.object({ schema: name, table: name, from: name, to: name }).strict()).optional(),
      })
      .strict()
      .default({}),
    options: z
      .object({
        jobs: z.number().int().min(JOBS_MIN).max(JOBS_MAX).optional().describe('parallel workers (default: the cores of the machine that runs it, at least 2)'),
        maxRateMBps: z.number().positive().optional(),
        retries: z.number().int().min(0).max(100).default(5),
        priority: z
          .number()
          .int()
          .min(-100)
          .max(100)
          .default(0)
          .describe("fleet mode: a worker takes the queue's higher-priority runs and copy units first (default 0)"),
        publications: z.boolean().default(false),
        owner: z.boolean().default(true),
        privileges: z.boolean().default(true),
        strict: z.boolean().default(false),
        splitTables: z.boolean().default(false),
        earlyIndexes: z.boolean().default(false),
        setReplicaIdentityFull: z
          .boolean()
          .default(false)
          .describe('incremental: set REPLICA IDENTITY FULL on the source for selected tables that have neither a primary key nor a replica identity index (listed by the precheck)'),
        publication: z
          .string()
          .min(1)
          .max(63)
          .optional()
          .describe('incremental: a publication the tables\' owner created, used instead of creating one (it must cover every selected table)'),
        streamLanes: z
          .number()
          .int()
          .min(1)
          .max(STREAM_LANES_MAX)
          .optional()
          .describe('incremental: stream through this many slots at once, each with its own publication of a share of the tables (default 1; the source gives one slot and one WAL sender to each, and needs 12 or later for more than one)'),
      })
      .strict()
      .default({}),
  })
  .strict();

// a schema migration copies no data, so there is nothing to keep in step
const incrementalNeedsData = (s: { incremental: boolean; migration: string }) => !(s.incremental && s.migration === 'schema');
const incrementalNeedsDataIssue = { message: 'incremental needs migration full (a schema migration copies no data to keep in step)', path: ['incremental'] };

/** The whole spec, as a task file or the API gives it. */
export const TaskSpecSchema = TaskSpecObject.refine(incrementalNeedsData, incrementalNeedsDataIssue);

export type TaskSpecInput = z.input<typeof TaskSpecSchema>;
export type TaskSpec = z.output<typeof TaskSpecSchema>;

/**
 * What a spec says about the migration itself, without its connections: the same in a parsed
 * spec and a stored one, and all that plan inputs and run options are made from.
 */
export type SpecBody = Pick<TaskSpec, 'migration' | 'incremental' | 'objects' | 'mapping' | 'options'>;

/** The spec without name and connections: what `migrate`, `schema`, `precheck` and `verify` build from flags. */
export const SpecBodySchema = TaskSpecObject.pick({ migration: true, incremental: true, objects: true, mapping: true, options: true }).refine(incrementalNeedsData, incrementalNeedsDataIssue);

/** Validates a spec body (flags of a foreground command) as parseTaskSpec validates a whole spec. */
export function parseSpecBody(input: unknown): SpecBody {
  return parseWith(SpecBodySchema, input);
}

/** A side's settings as stored: resolved when the task was created, without the password. */
export interface StoredConn {
  host: string;
  port: number;
  database: string;
  user: string;
  sslmode: SslMode;
  sslrootcert?: string;
  sslcert?: string;
  sslkey?: string;
  connectTimeout: number;
  options?: string;
  passwordEnv?: string;
}

/**
 * The spec as stored: both sides resolved, no password anywhere. `origin: 'api'` marks a task
 * created through the HTTP API: its connections never take a password, file or socket from the
 * process that runs it (no PGPASSWORD, ~/.pgpass or passwordEnv), only what the spec and the
 * sealed store hold.
 */
export type StoredSpec = Omit<TaskSpec, 'source' | 'target' | 'name'> & { source: StoredConn; target: StoredConn; origin?: 'api' };

/** Validates user input; the error names each bad field. */
export function parseTaskSpec(input: unknown): TaskSpec {
  return parseWith(TaskSpecSchema, input);
}

function parseWith<T extends z.ZodTypeAny>(schema: T, input: unknown): z.output<T> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const fields = r.error.issues.map((i) => `${i.path.join('.') || '(spec)'}: ${i.message}`);
  throw new PgferryError('PGFERRY_E_USAGE', `invalid task spec: ${fields.join('; ')}`, { object: 'task spec', fix: 'see docs/task-spec.schema.json' });
}

/**
 * Resolves one side with PG* variables and defaults as of now, and splits out the password the
 * user gave explicitly (in the URI or the spec). A password only in PGPASSWORD or ~/.pgpass is
 * not stored: it is read again when the task runs. With `local: false` (the HTTP API) nothing of
 * this process fills a gap.
 */
export function normalizeConn(spec: z.infer<typeof ConnSpecSchema>, env: NodeJS.ProcessEnv = process.env, local = true): { conn: StoredConn; password?: string } {
  const noPassword = { ...env, PGPASSWORD: undefined };
  if (typeof spec === 'string') {
    const withPw = resolveConnInfo(spec, noPassword, local);
    return { conn: storedFrom(withPw), password: withPw.password };
  }
  const kv = Object.entries({
    host: spec.host, port: spec.port, dbname: spec.database, user: spec.user, sslmode: spec.sslmode, sslrootcert: spec.sslrootcert,
    sslcert: spec.sslcert, sslkey: spec.sslkey, connect_timeout: spec.connectTimeout, options: spec.options,
  })
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}='${String(v).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`)
    .join(' ');
  const info = resolveConnInfo(kv, noPassword, local);
  return { conn: { ...storedFrom(info), ...(spec.passwordEnv && local ? { passwordEnv: spec.passwordEnv } : {}) }, password: spec.password };
}

function storedFrom(info: ConnInfo): StoredConn {
  const out: StoredConn = { host: info.host, port: info.port, database: info.database, user: info.user, sslmode: info.sslmode, connectTimeout: info.connectTimeoutSec };
  if (info.sslrootcert) out.sslrootcert = info.sslrootcert;
  if (info.sslcert) out.sslcert = info.sslcert;
  if (info.sslkey) out.sslkey = info.sslkey;
  if (info.options) out.options = info.options;
  return out;
}

/**
 * ConnInfo for a run: the stored settings, and the password from (in order) the secret store,
 * the variable `passwordEnv` names, PGPASSWORD; ~/.pgpass is read by the connection itself.
 * With `local: false` (tasks made through the HTTP API) only the secret store.
 */
export function connInfoFor(conn: StoredConn, storedPassword: string | undefined, env: NodeJS.ProcessEnv = process.env, local = true): ConnInfo {
  const password = local ? (storedPassword ?? (conn.passwordEnv ? env[conn.passwordEnv] : undefined) ?? (env.PGPASSWORD || undefined)) : storedPassword;
  return {
    host: conn.host,
    port: conn.port,
    database: conn.database,
    user: conn.user,
    password,
    sslmode: conn.sslmode,
    sslrootcert: conn.sslrootcert,
    sslcert: conn.sslcert,
    sslkey: conn.sslkey,
    applicationName: 'pgferry',
    connectTimeoutSec: conn.connectTimeout,
    options: conn.options,
    localCredentials: local,
  };
}

/**
 * The fingerprint a precheck is valid for: everything that changes what the precheck checks
 * (not the name, jobs, rate, retries or priority, which can change without a new precheck).
 */
export function specHash(spec: StoredSpec): string {
  const { options, ...rest } = spec;
  const { jobs: _j, maxRateMBps: _m, retries: _r, priority: _p, ...checked } = options;
  return crypto.createHash('sha256').update(stableJson({ ...rest, options: checked })).digest('hex').slice(0, 16);
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v as object).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/** The published JSON Schema of a task file. */
export function taskSpecJsonSchema(): object {
  return zodToJsonSchema(TaskSpecSchema, { name: 'TaskSpec', $refStrategy: 'none', target: 'jsonSchema7' });
}

const ADJECTIVES = ['amber', 'brisk', 'calm', 'deft', 'eager', 'fleet', 'glad', 'hardy', 'keen', 'lucid', 'nimble', 'quiet', 'steady', 'swift', 'tidy', 'vivid'];
const NOUNS = ['ferry', 'barge', 'ketch', 'skiff', 'sloop', 'tug', 'punt', 'dory', 'yawl', 'junk', 'raft', 'scow'];

/** A readable generated name: `source-db-to-target-db-swift-ferry`. */
export function generatedName(spec: StoredSpec): string {
  const pick = <T>(a: T[]) => a[crypto.randomInt(a.length)];
  return `${spec.source.database}-to-${spec.target.database}-${pick(ADJECTIVES)}-${pick(NOUNS)}`;
}
