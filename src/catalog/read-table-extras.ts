/** Reads objects that hang off a table and are built after its data: rules, policies, statistics. */
import type pg from 'pg';
import type { PolicyObj, RuleObj, StatisticsObj } from './model.js';
import { readCatalogRows } from './run-query.js';

/** Rewrite rules other than views' _RETURN rules. */
export async function readRules(client: pg.ClientBase, major: number): Promise<RuleObj[]> {
  const rows = await readCatalogRows<Omit<RuleObj, 'key'>>(client, 'rules', major);
  return rows.map((r) => ({ ...r, key: `pg_rewrite:${r.oid}` }));
}

/** Row-level security policies. */
export async function readPolicies(client: pg.ClientBase, major: number): Promise<PolicyObj[]> {
  const rows = await readCatalogRows<Omit<PolicyObj, 'key'>>(client, 'policies', major);
  return rows.map((r) => ({ ...r, key: `pg_policy:${r.oid}` }));
}

/** Extended statistics objects. */
export async function readStatistics(client: pg.ClientBase, major: number): Promise<StatisticsObj[]> {
  const rows = await readCatalogRows<Omit<StatisticsObj, 'key' | 'acl'>>(client, 'statistics', major);
  return rows.map((r) => ({ ...r, acl: null, key: `pg_statistic_ext:${r.oid}` }));
}
