/** Option parsers and the option groups several commands share. */
import { InvalidArgumentError, type Command } from 'commander';
import { jobsProblem } from '../config/jobs.js';
import { STREAM_LANES_MAX } from '../config/task-spec.js';
import type { Selection } from '../plan/selection.js';
import { globCountProblem, globLengthProblem } from '../config/glob-match.js';
import type { NameMapping } from '../plan/name-mapping.js';

export const connHelp = 'a libpq URI (postgresql://user@host:5432/db) or key=value string; PG* variables and ~/.pgpass fill the gaps';

export function parseJobs(v: string): number {
  const n = Number(v);
  const problem = jobsProblem(n);
  if (problem) throw new InvalidArgumentError(problem);
  return n;
}

export function parseRetries(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 100) throw new InvalidArgumentError('must be an integer from 0 to 100');
  return n;
}

export function parsePriority(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < -100 || n > 100) throw new InvalidArgumentError('must be an integer from -100 to 100');
  return n;
}

function lanesFlag(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > STREAM_LANES_MAX) throw new InvalidArgumentError(`must be an integer from 1 to ${STREAM_LANES_MAX}`);
  return n;
}

export function parseRate(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of megabytes per second');
  return n;
}

export function parseJobsLike(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export type SelectionFlags = {
  includeSchema: string[]; excludeSchema: string[]; includeTable: string[]; excludeTable: string[]; includeColumn: string[]; excludeColumn: string[];
  partitionsAsTables?: boolean;
  mapSchema: NameMapping['schemas']; mapTable: NameMapping['tables']; mapColumn: NameMapping['columns'];
};

/** The object-selection options migrate, schema, precheck and verify share. */
export function withSelectionOptions(cmd: Command): Command {
  // selection globs meet glob-match's limits here already, as a usage error naming the flag
  const collect = (v: string, prev: string[]) => {
    const problem = globLengthProblem(v) ?? globCountProblem([...prev, v]);
    if (problem) throw new InvalidArgumentError(problem);
    return [...prev, v];
  };
  return cmd
    .option('--include-schema <glob>', 'only schemas matching (repeatable; * and ? as wildcards)', collect, [])
    .option('--exclude-schema <glob>', 'leave out schemas matching (repeatable)', collect, [])
    .option('--include-table <glob>', 'only tables matching schema.table, or table in any schema (repeatable; views and sequences count as tables)', collect, [])
    .option('--exclude-table <glob>', 'leave out tables matching (repeatable)', collect, [])
    .option('--include-column <glob>', 'only these columns of the tables named (schema.table.column or table.column; repeatable)', collect, [])
    .option('--exclude-column <glob>', 'leave out columns matching schema.table.column or table.column (repeatable)', collect, [])
    .option('--partitions-as-tables', 'create partitions selected without their partitioned table as plain tables with their own rows (otherwise refused)')
    .option('--map-schema <from=to>', 'rename a schema on the target (repeatable)', mapFlag('schema'), [])
    .option('--map-table <schema.table=name>', 'rename a table, view or sequence on the target (repeatable)', mapFlag('table'), [])
    .option('--map-column <schema.table.column=name>', 'rename a column on the target (repeatable)', mapFlag('column'), []);
}

/** Parses `from=to` mapping flags; names with dots or = go in a task file instead. */
export function mapFlag(kind: 'schema' | 'table' | 'column') {
  return (v: string, prev: unknown[]) => {
    const eq = v.lastIndexOf('=');
    const from = eq > 0 ? v.slice(0, eq).split('.') : [];
    const to = v.slice(eq + 1);
    const parts = { schema: 1, table: 2, column: 3 }[kind];
    if (eq <= 0 || !to || from.length !== parts || from.some((p) => !p))
      throw new InvalidArgumentError(`must look like ${{ schema: 'from=to', table: 'schema.table=name', column: 'schema.table.column=name' }[kind]} (names with dots or = go in a task file)`);
    if (kind === 'schema') return [...prev, { from: from[0], to }];
    if (kind === 'table') return [...prev, { schema: from[0], from: from[1], to }];
    return [...prev, { schema: from[0], table: from[1], from: from[2], to }];
  };
}

/** The flags that say how a migration runs, shared by migrate, precheck, schema and task create. */
export type SpecFlags = SelectionFlags & {
  jobs?: number; maxRate?: number; retries?: number; priority?: number; publications?: boolean; owner?: boolean; privileges?: boolean;
  strict?: boolean; splitTables?: boolean; earlyIndexes?: boolean;
  incremental?: boolean; setReplicaIdentityFull?: boolean; publication?: string; streamLanes?: number;
};

/** The incremental-migration options migrate, precheck and task create share (so a precheck judges the same spec). */
export function withIncrementalOptions(cmd: Command): Command {
  return cmd
    .option('--incremental', "after the copy, keep applying the source's changes (logical decoding) until cutover; needs wal_level=logical on the source")
    .option('--set-replica-identity-full', 'incremental: set REPLICA IDENTITY FULL on selected source tables that have neither a primary key nor a replica identity index')
    .option('--publication <name>', "incremental: stream through this publication (its owner created it; it must cover every selected table) instead of pgferry's own")
    .option('--stream-lanes <n>', `incremental: read the changes through n slots at once, the tables shared among them by their write counts (1 to ${STREAM_LANES_MAX}, default 1; a slot and a WAL sender each; source 12 or later)`, lanesFlag);
}

/**
 * A spec (a task file's content, or `{}`) with every flag given on the command line on top: the
 * one way from flags to a TaskSpec, for the foreground commands and for `task create`.
 */
export function specWithFlags(base: Record<string, unknown>, o: SpecFlags): Record<string, unknown> {
  const spec = { ...base };
  const objects = { ...(spec.objects as object) } as Record<string, unknown>;
  for (const [k, v] of Object.entries(selectionOf(o))) if (v === true || (Array.isArray(v) && v.length)) objects[k] = v;
  spec.objects = objects;
  const mapping = { ...(spec.mapping as object) } as Record<string, unknown>;
  for (const [k, v] of Object.entries(mappingOf(o))) if (v?.length) mapping[k] = v;
  spec.mapping = mapping;
  const options = { ...(spec.options as object) } as Record<string, unknown>;
  if (o.jobs !== undefined) options.jobs = o.jobs;
  if (o.maxRate !== undefined) options.maxRateMBps = o.maxRate;
  if (o.retries !== undefined) options.retries = o.retries;
  if (o.priority !== undefined) options.priority = o.priority;
  if (o.publications) options.publications = true;
  if (o.owner === false) options.owner = false;
  if (o.privileges === false) options.privileges = false;
  if (o.strict) options.strict = true;
  if (o.splitTables) options.splitTables = true;
  if (o.earlyIndexes) options.earlyIndexes = true;
  if (o.setReplicaIdentityFull) options.setReplicaIdentityFull = true;
  if (o.publication !== undefined) options.publication = o.publication;
  if (o.streamLanes !== undefined) options.streamLanes = o.streamLanes;
  spec.options = options;
  if (o.incremental) spec.incremental = true;
  return spec;
}

export function mappingOf(o: SelectionFlags): NameMapping {
  return { schemas: o.mapSchema ?? [], tables: o.mapTable ?? [], columns: o.mapColumn ?? [] };
}

export function selectionOf(o: SelectionFlags): Selection {
  return {
    includeSchemas: o.includeSchema ?? [], excludeSchemas: o.excludeSchema ?? [], includeTables: o.includeTable ?? [], excludeTables: o.excludeTable ?? [],
    includeColumns: o.includeColumn ?? [], excludeColumns: o.excludeColumn ?? [],
    ...(o.partitionsAsTables ? { partitionsAsTables: true } : {}),
  };
}

/** A TCP port to listen on: an integer from 1 to 65535 (anything else is a usage error). */
export function parsePort(v: string): number {
  const n = /^\d{1,5}$/.test(v) ? Number(v) : NaN;
  if (!(n >= 1 && n <= 65535)) throw new InvalidArgumentError('must be a port number from 1 to 65535');
  return n;
}

export type PasswordSide = 'source' | 'target';
export type PasswordStdinFlags = { sourcePasswordStdin?: boolean; targetPasswordStdin?: boolean };

/**
 * `--source-password-stdin` or `--target-password-stdin`: a password read from standard input,
 * because one on the command line is visible to every user of the machine (ps, /proc, history).
 */
export function passwordStdinOption(side: PasswordSide): [flags: string, description: string] {
  const line = side === 'source' ? 'one line' : 'one line; the second when --source-password-stdin is given too';
  return [`--${side}-password-stdin`, `read the ${side}'s password from standard input (${line}) instead of the command line; it wins over the URI and PGPASSWORD`];
}
