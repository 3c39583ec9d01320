/** Events a migration emits; the CLI renders them as progress bars or JSON lines. */
import type { ObjectFailure } from './object-failures.js';

export type Phase = 'connect' | 'catalog' | 'pre-data' | 'data' | 'post-data' | 'sequences' | 'analyze' | 'rename' | 'verify';

export type MigrationEvent =
  | { type: 'phase-start'; phase: Phase; steps?: number }
  | { type: 'phase-end'; phase: Phase; seconds: number }
  | { type: 'plan'; schemas: number; tables: number; objects: number; units: number; bytes: number; skipped: { kind: string; name: string; reason: string }[]; notes: string[] }
  | { type: 'unit-start'; unit: string; bytes: number; estimatedRows: number; format: 'binary' | 'text' }
  | { type: 'unit-progress'; unit: string; bytes: number }
  | { type: 'unit-done'; unit: string; rows: number; bytes: number; seconds: number; skipped?: boolean }
  | { type: 'step-done'; phase: Phase; kind: string; name: string }
  | { type: 'object-failed'; failure: ObjectFailure }
  /** `reason`: the row of retry-class.ts's table that called the failure transient. */
  | { type: 'retry'; attempt: number; delaySeconds: number; error: string; reason: string }
  /** The run's id (a resumed run keeps the id of the run it continues). */
  | { type: 'run'; runId: string; resumed: boolean }
  | { type: 'summary'; summary: MigrationSummary };

export interface MigrationSummary {
  runId: string;
  objectsCreated: number;
  tablesCopied: number;
  rowsCopied: number;
  bytesCopied: number;
  sequencesSet: number;
  skipped: { kind: string; name: string; reason: string }[];
  /** Objects the target rejected, and those not tried because they needed one of them. */
  failures: ObjectFailure[];
  phaseSeconds: Partial<Record<Phase, number>>;
  totalSeconds: number;
  /**
   * Source snapshots the copied rows came from: 1, or more when the run was resumed after some
   * tables were in. Then the tables are consistent with each other only if the source took no
   * writes in between (exit code 11).
   */
  dataSnapshots: number;
}

export type EventSink = (event: MigrationEvent) => void;
