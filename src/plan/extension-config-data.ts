/**
 * The rows of extensions' configuration tables and the positions of their configuration
 * sequences, which CREATE EXTENSION does not bring (pg_dump copies them the same way: data only,
 * with the extension's filter, after the extension).
 */
import type { Catalog, ExtensionConfigRelation } from '../catalog/model.js';
import type { CopyUnit, SequenceRef } from './plan-model.js';
import { selectionMatchers, selects, type Selection } from './selection.js';
import { displayName } from '../pg/quote.js';

/**
 * Copy units for configuration tables, each table after those it has foreign keys to (the
 * extension made the keys with the tables, before any row), and the configuration sequences.
 * Left out: those of an extension that is not created, and those the selection leaves out by
 * schema or table name (pg_dump -n / -t / -N / -T do the same).
 */
export function extensionConfigData(cat: Catalog, blocked: Map<string, unknown>, selection: Selection | undefined): { units: CopyUnit[]; sequences: SequenceRef[] } {
  const m = selects(selection) ? selectionMatchers(selection) : undefined;
  const wanted = cat.extensionConfig.filter((r) => !blocked.has(r.extensionKey) && (!m || m.table(r.schema, r.name)));
  const tables = wanted.filter((r) => r.relkind === 'r');
  const byOid = new Map(tables.map((r) => [r.oid, r]));
  // depth-first over foreign keys; a cycle of keys between them is cut where it is met
  const ordered: ExtensionConfigRelation[] = [];
  const state = new Map<number, 'visiting' | 'done'>();
  const visit = (r: ExtensionConfigRelation) => {
    if (state.has(r.oid)) return;
    state.set(r.oid, 'visiting');
    for (const ref of r.refs) {
      const t = byOid.get(ref);
      if (t) visit(t);
    }
    state.set(r.oid, 'done');
    ordered.push(r);
  };
  for (const r of tables) visit(r);
  const units = ordered.map((r): CopyUnit => ({
    id: displayName(r.schema, r.name),
    key: r.extensionKey,
    tableId: displayName(r.schema, r.name),
    schema: r.schema,
    table: r.name,
    columns: r.columns,
    // text, as pg_dump: an extension's types may differ between the two servers' builds
    binary: false,
    referenced: false,
    bytes: r.bytes,
    blocks: r.blocks,
    estimatedRows: r.estimatedRows,
    filter: r.condition,
  }));
  const sequences = wanted.filter((r) => r.relkind === 'S').map((r) => ({ schema: r.schema, name: r.name }));
  return { units, sequences };
}
