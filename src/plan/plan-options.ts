/** What a plan is built for: the target, the selection, the account, and how the data moves. */
import type { OwnershipContext } from '../ddl/common.js';
import type { TargetAccount } from '../pg/target-account.js';
import type { Selection } from './selection.js';
import type { NameMapping } from './name-mapping.js';

export interface PlanOptions {
  /** Split large tables into block-range slices (source 14+, more than one job). */
  slicing?: { enabled: boolean; jobs: number; minBytes?: number };
  ownership: OwnershipContext;
  /** Schemas that already exist on the target (e.g. public), with their owners. */
  targetSchemas: Map<string, string>;
  /** Create the source's publications (off by default: a publication starts logical replication duties). */
  publications?: boolean;
  /** The target's major version, when known: what it lacks is skipped or noted before anything runs. */
  targetMajor?: number;
  /** Extension versions the target can install, by extension (unknown: VERSION is left out). */
  targetExtensions?: Map<string, string[]>;
  /** Schemas, tables and columns to migrate (default: all). */
  selection?: Selection;
  /**
   * Partitions selected without their partitioned table (and without
   * selection.partitionsAsTables): 'refuse' throws PGFERRY_E_USAGE before anything runs (the
   * default); 'leave-out' plans without them, for the precheck, which fails on them itself.
   */
  lonePartitions?: 'refuse' | 'leave-out';
  /** New names on the target for schemas, tables and columns (applied at the very end). */
  mapping?: NameMapping;
  /** No data phase (--schema-only): every table counts as empty. */
  noData?: boolean;
  /** Build empty and small tables' keys and indexes in pre-data (default true). */
  indexesWithEmptyTables?: boolean;
  /**
   * What the target account may do: owners it cannot keep stay with it, objects only a
   * superuser may create are skipped (absent: every owner is kept, nothing is skipped for it).
   */
  account?: TargetAccount;
}
