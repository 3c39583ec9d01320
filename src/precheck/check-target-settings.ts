/**
 * Session settings a run changes on the target, and what it does when the account may not:
 * synchronous_commit (every role may set it) and, for --data-only, session_replication_role
 * (a superuser, or on 15+ a role granted SET on it), without which the tables' foreign keys
 * and triggers stay on: the load then goes referenced tables first and empties referencing
 * tables first (task/data-only-load.ts). Tables on a cycle of foreign keys cannot be ordered.
 */
import { foreignKeyOrder } from '../plan/data-only-load.js';
import { displayIdent } from '../pg/quote.js';
import { type PrecheckCheck } from './precheck-model.js';

const title = 'Target session settings';

export const checkTargetSettings: PrecheckCheck = async ({ catalog, plan, targetContext }) => {
  const a = targetContext.account;
  if (a.replicaRole)
    return { id: 'target-settings', title, status: 'pass', detail: `${a.user} may set synchronous_commit and session_replication_role: a --data-only run loads with triggers and foreign-key checks off` };
  const order = foreignKeyOrder(catalog, plan.units.filter((u) => u.filter === undefined));
  const detail =
    `${a.user} may set synchronous_commit but not session_replication_role: a full migration needs nothing more; ` +
    `a --data-only run keeps foreign keys and triggers on and loads in ${order.waves.length} wave(s), referenced tables first`;
  const fix = `GRANT SET ON PARAMETER session_replication_role TO ${displayIdent(a.user)} (PostgreSQL 15+, granted by a superuser) lets a --data-only run turn them off`;
  if (!order.cycle.length) return { id: 'target-settings', title, status: 'pass', detail };
  return {
    id: 'target-settings',
    title,
    status: 'warn',
    detail: `${detail}; ${order.cycle.length} table(s) on (or behind) a cycle of foreign keys cannot be ordered, so a --data-only run may fail their keys`,
    fix: `${fix}; or move these tables with a full migration, which adds foreign keys after the data`,
    objects: order.cycle,
  };
};
