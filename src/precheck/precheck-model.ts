/** Precheck items: what a user must know or fix before a migration starts. */
import type pg from 'pg';
import type { Catalog } from '../catalog/model.js';
import type { Plan } from '../plan/plan-model.js';
import type { TargetContext } from '../plan/target-context.js';
import type { Selection } from '../plan/selection.js';
import type { NameMapping } from '../plan/name-mapping.js';
import type { PlanInputs } from '../plan/plan-inputs.js';
import type { ConnInfo } from '../config/conninfo.js';

export type PrecheckStatus = 'pass' | 'warn' | 'fail';

/**
 * Every id a precheck item can have, in the order the items run. Typing `PrecheckItem.id` with it
 * holds each check to the list; docs/precheck-items.md documents each id (a unit test compares).
 */
export const PRECHECK_ITEM_IDS = [
  'source-connectivity', 'target-connectivity', 'versions', 'standby-source', 'source-privileges', 'target-privileges', 'target-schemas',
  'name-conflicts', 'selection', 'extensions', 'extension-rights', 'existing-extensions', 'target-version', 'roles', 'account-objects',
  'target-settings', 'connections', 'encoding', 'primary-keys', 'c-functions', 'space', 'mapping',
  // an incremental run's own items (check-incremental.ts), after the others and only for such a run
  'wal-level', 'replication-slots', 'replication-role', 'replica-identity', 'publication-rights', 'slot-wal-retention',
  'apply-connections', 'not-kept-in-step', 'truncate-decoding',
] as const;

export type PrecheckItemId = (typeof PRECHECK_ITEM_IDS)[number];

export interface PrecheckItem {
  id: PrecheckItemId;
  title: string;
  status: PrecheckStatus;
  detail: string;
  /** What to do about a warn or fail. */
  fix?: string;
  /** Every object concerned (the CLI's text shows the first 20, the console the rest on demand). */
  objects?: string[];
}

/** Everything the checks read: both connections (source inside the catalog snapshot), the catalog and the plan. */
export interface PrecheckContext {
  source: pg.ClientBase;
  target: pg.ClientBase;
  sourceVersion: number;
  targetVersion: number;
  catalog: Catalog;
  plan: Plan;
  targetContext: TargetContext;
  selection?: Selection;
  mapping?: NameMapping;
  /** The --jobs the migration will run with (the connections item counts its sessions). */
  jobs: number;
  /** What decides the plan, as the run will get it (owners and privileges, publications…). */
  inputs: PlanInputs;
  /** The source's settings, for the items that open a session of another kind (a replication connection). */
  sourceInfo: ConnInfo;
}

export type PrecheckCheck = (ctx: PrecheckContext) => Promise<PrecheckItem>;

/** At most `n` names, then how many more: for text a person reads. */
export function firstOf(names: string[], n = 20): string[] {
  return names.length <= n ? names : [...names.slice(0, n), `... and ${names.length - n} more`];
}
