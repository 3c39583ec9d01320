/**
 * What every part of the planner works from: the catalog as the selection leaves it, and the
 * ownership context (who owns what on the target, what the target account may do).
 */
import type { Catalog, Relation } from '../catalog/model.js';
import type { OwnershipContext } from '../ddl/common.js';
import { OwnerRights } from '../ddl/owner-rights.js';
import { displayName } from '../pg/quote.js';
import { applyColumnSelection, type ColumnSelectionResult } from './column-selection.js';
import { applyTreeSelection } from './relation-trees.js';
import { lonePartitionsError, resolveSelection, selects, type ResolvedSelection } from './selection.js';
import type { PlanOptions } from './plan-options.js';

export interface PlanScope {
  /** The catalog the plan is built from: unselected columns, partitions and children gone. */
  cat: Catalog;
  opts: PlanOptions;
  own: OwnershipContext;
  /** What the target account may do (absent when no account is known: `pgferry schema`). */
  rights?: OwnerRights;
  /** The column selection's result: what it skipped, and its notes. */
  columns: ColumnSelectionResult;
  /** The resolved selection of schemas and tables (absent: everything). */
  selection?: ResolvedSelection;
  relByOid: Map<number, Relation>;
}

/**
 * Applies the selection to the catalog and sets up ownership. Throws PGFERRY_E_USAGE for
 * partitions selected without their table, unless the options leave them out.
 */
export function planScope(sourceCatalog: Catalog, opts: PlanOptions): PlanScope {
  // columns the selection leaves out are gone from the catalog the plan is built from
  const columns = applyColumnSelection(sourceCatalog, opts.selection);
  // partitions and inheritance children follow their parent; one selected alone stands alone
  const selection = selects(opts.selection) ? resolveSelection(columns.catalog, opts.selection) : undefined;
  if (selection?.lonePartitions.length && opts.lonePartitions !== 'leave-out') throw lonePartitionsError(selection.lonePartitions);
  const cat = selection ? applyTreeSelection(columns.catalog, selection.trees) : columns.catalog;
  const rights = opts.account ? new OwnerRights(opts.account) : undefined;
  const own: OwnershipContext = { ...opts.ownership, sourceMajor: Math.floor(cat.serverVersionNum / 10000), targetMajor: opts.targetMajor, rights };
  // the schemas' owners and CREATE grants first: an object's new owner needs CREATE in its schema
  rights?.planSchemas(cat.schemas, opts.targetSchemas, own.applyOwners, own.applyPrivileges !== false);
  return { cat, opts, own, rights, columns, selection, relByOid: new Map(cat.relations.map((r) => [r.oid, r])) };
}

/** An object's display name, `schema.name`, as steps are named. */
export function dn(o: { schema: string; name: string }): string {
  return displayName(o.schema, o.name);
}
