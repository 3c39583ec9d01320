/** What a migration will do, in order: the output of the planner, the input of the runner. */
import type { LargeObjectMeta, SkippedObject } from '../catalog/model.js';
import type { OwnerNotKept } from '../ddl/owner-rights.js';

/** One object's DDL: its statements run together, in order. */
export interface DdlStep {
  key: string;
  kind: string;
  /** Human name, e.g. `public."Foo Bar"`. */
  name: string;
  sql: string[];
  /** For post-data steps: size of the table the step works on (bigger first). */
  weight?: number;
  /** For index steps: the table (display name) whose data must be in first. */
  table?: string;
  /** For pre-data steps: 1 + the highest level of what it depends on (steps of one level are independent). */
  level?: number;
  /** Pre-data steps of one group lock a common object (a partition parent): run them on one connection. */
  lockGroup?: string;
  /** Keys of other steps (any phase) this one needs: when one of them fails, this one is not tried. */
  deps?: string[];
  /** The SQL holds secrets (user mapping options): show it masked. */
  secret?: boolean;
}

/** A unit of data copy: a whole table, or one block range of a large table. */
export interface CopyUnit {
  id: string;
  /** The table's catalog key (a unit is not copied when its table failed to be created). */
  key: string;
  /** The table's display name (units of one table share it). */
  tableId: string;
  /** A ctid block range [fromBlock, toBlock) for a slice; toBlock null = to the end. */
  slice?: { fromBlock: number; toBlock: number | null };
  schema: string;
  table: string;
  columns: string[];
  binary: boolean;
  /** Another table's foreign key points here: TRUNCATE is refused, so rows are deleted instead. */
  referenced: boolean;
  /** --data-only into a table the target account may not TRUNCATE: its rows are deleted instead (set by the run). */
  deleteRows?: boolean;
  bytes: number;
  /** Pages of the table's main fork when the catalog was read; 0 = no row can be visible. */
  blocks: number;
  estimatedRows: number;
  /**
   * An extension's configuration table: the extension's filter (a WHERE clause, '' for every
   * row). Only the rows it selects are copied and replaced; the extension's own rows stay.
   */
  filter?: string;
}

export interface AnalyzeTarget {
  key: string;
  schema: string;
  name: string;
  /** Display name, as index steps' `table`. */
  table: string;
  bytes: number;
  afterIndexes: boolean;
  /** `ANALYZE ONLY` (target 18+): the table alone, not its partitions or inheritance children. */
  only?: boolean;
  /**
   * A partitioned table analyzed for its statistics over all its partitions: at the end, after
   * the other tables (18+, ONLY); before 18 ANALYZE of a partition tree also analyzes every
   * partition in it, which are then not analyzed on their own.
   */
  partitioned?: boolean;
  /** Display names of the tables whose keys and indexes must be built first (default: `table`). */
  waitFor?: string[];
}

export interface SequenceRef {
  schema: string;
  name: string;
}

export interface Plan {
  preData: DdlStep[];
  units: CopyUnit[];
  /** Everything after the data, as stages in the order they run, each saying how it runs. */
  postData: PostDataStage[];
  /** Large objects whose data the copy moves (their metadata is a pre-data step). */
  largeObjects: LargeObjectMeta[];
  sequences: SequenceRef[];
  /** The object name mapping, one step after everything else (a run that did it is finished). */
  renames: DdlStep[];
  /**
   * Tables to ANALYZE, largest first. `afterIndexes`: as soon as the table's keys and indexes are
   * built, on the next free post-data connection (expression indexes get
   * statistics only once they exist); the others (extended statistics, materialized views) at
   * the end, when their statistics objects exist and their rows are in.
   */
  analyze: AnalyzeTarget[];
  skipped: SkippedObject[];
  /** What the user should know before the run: versions, features the target lacks. */
  notes: string[];
  /** What the selection of columns and the name mapping do to other objects. */
  selectionNotes: string[];
  /** What the target account's rights change (absent when no target was asked: `pgferry schema`). */
  account?: AccountEffects;
}

/** How the plan fits what the target account may do. */
export interface AccountEffects {
  user: string;
  superuser: boolean;
  /** Owners the account cannot keep: their objects stay with it, as with --no-owner. */
  ownersNotKept: OwnerNotKept[];
  /** Keys of the objects skipped because they need rights the account lacks (listed in `skipped` too). */
  skippedKeys: string[];
  /** Other fallbacks: statements left out, attributes dropped. */
  notes: string[];
}

/** The post-data stages, in the order a plan lists them (see post-data-stages.ts). */
export type PostDataStageName =
  | 'parent-indexes'
  | 'indexes'
  | 'index-finish'
  | 'foreign-key-adds'
  | 'foreign-keys'
  | 'triggers'
  | 'table-extras'
  | 'refreshes'
  | 'final';

/**
 * How the runner runs a stage's steps: 'parallel' over its pool of target sessions, taken in the
 * listed order (largest first where size matters); 'serial' one after another on the run's own
 * target session; 'indexes' as 'parallel', but without the steps the data phase built already
 * (early indexes), and a table whose keys and indexes are all built is analyzed by the next
 * session free.
 */
export type StageRun = 'parallel' | 'serial' | 'indexes';

/** One post-data stage: its steps, and how they run. A stage starts when the one before has ended. */
export interface PostDataStage {
  stage: PostDataStageName;
  run: StageRun;
  /**
   * The steps fill objects with rows instead of creating them (materialized view refreshes): they
   * run after a --data-only load too, not with --schema-only, and do not count as objects.
   */
  needsData?: boolean;
  steps: DdlStep[];
}

/** The steps of one post-data stage (none when the plan has no such stage). */
export function stageSteps(plan: Plan, stage: PostDataStageName): DdlStep[] {
  return plan.postData.find((s) => s.stage === stage)?.steps ?? [];
}

/**
 * The post-data DDL that completes the tables (keys, indexes, foreign keys, triggers, rules,
 * policies...), in the order it runs: every stage but the refreshes (data) and the final steps.
 */
export function postDataSteps(plan: Plan): DdlStep[] {
  return plan.postData.filter((s) => !s.needsData && s.stage !== 'final').flatMap((s) => s.steps);
}

/** Number of post-data steps that create objects (all but the refreshes), for the phase's progress. */
export function countPostDataObjects(plan: Plan): number {
  return plan.postData.reduce((n, s) => n + (s.needsData ? 0 : s.steps.length), 0);
}

/** Number of DDL steps, for summaries. */
export function countObjects(plan: Plan): number {
  return plan.preData.length + countPostDataObjects(plan);
}
