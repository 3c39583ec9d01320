/** Reads functions, procedures and aggregates. C-language functions are marked skipped. */
import type pg from 'pg';
import type { AggregateObj, FunctionObj, SkippedObject } from './model.js';
import { readCatalogRows } from './run-query.js';

/** Functions and procedures; C-language ones come back as skipped objects, with the reason. */
export async function readFunctions(
  client: pg.ClientBase,
  major: number,
): Promise<{ functions: FunctionObj[]; skipped: SkippedObject[] }> {
  const rows = await readCatalogRows<Omit<FunctionObj, 'key'>>(client, 'functions', major);
  const functions: FunctionObj[] = [];
  const skipped: SkippedObject[] = [];
  for (const r of rows) {
    if (r.definition === null) {
      skipped.push({
        key: `pg_proc:${r.oid}`,
        kind: r.kind === 'p' ? 'procedure' : 'function',
        name: `${r.schema}.${r.name}(${r.identityArgs})`,
        reason: 'C-language function: its shared library cannot be moved to another server',
      });
      continue;
    }
    functions.push({ ...r, key: `pg_proc:${r.oid}` });
  }
  return { functions, skipped };
}

/** Aggregates with every attribute CREATE AGGREGATE can take. */
export async function readAggregates(client: pg.ClientBase, major: number): Promise<AggregateObj[]> {
  const rows = await readCatalogRows<Omit<AggregateObj, 'key'>>(client, 'aggregates', major);
  return rows.map((r) => ({ ...r, key: `pg_proc:${r.oid}` }));
}
