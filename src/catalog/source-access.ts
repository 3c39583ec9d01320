/**
 * Whether the source role may read the data a migration copies: each table (SELECT on it, or on
 * every column copied, and USAGE on its schema, with no row-level security hiding rows from the
 * role), each sequence (SELECT: reading last_value and is_called is a SELECT on the sequence) and
 * each large object (SELECT, unless lo_compat_privileges is on). The server's own privilege
 * functions answer, so membership of pg_read_all_data (14+) counts where the server counts it:
 * tables, sequences and schemas, not large objects (before 19) and never row-level security.
 */
import type pg from 'pg';
import type { Catalog } from './model.js';
import { PgferryError } from '../errors.js';
import { displayIdent, displayName, ident, qualified } from '../pg/quote.js';

/** A relation read from the source: only `columns` of it when given, else the whole table. */
export interface RelationRead {
  oid: number;
  columns?: string[];
}

/** What a plan reads from the source (the shape of Plan that matters here). */
export interface PlannedReads {
  units: { schema: string; table: string; columns: string[]; filter?: string }[];
  sequences: { schema: string; name: string }[];
  largeObjects: { oid: number }[];
}

/** A relation the role cannot read, and why. */
export interface DeniedRelation {
  schema: string;
  name: string;
  kind: 'table' | 'sequence' | 'materialized view' | 'view' | 'foreign table';
  /** No USAGE on the schema. */
  noSchemaUsage: boolean;
  /** No SELECT on the relation (nor on every column read). */
  noSelect: boolean;
  /** Row-level security is active for the role: reading would silently return fewer rows. */
  rowSecurity: boolean;
}

export interface SourceAccess {
  /** The role the answers are for (current_user). */
  role: string;
  relations: DeniedRelation[];
  /** Large objects without SELECT for the role. */
  largeObjects: number[];
  /** How many of each were checked. */
  checked: { tables: number; sequences: number; largeObjects: number };
}

const KIND: Record<string, DeniedRelation['kind']> = { r: 'table', p: 'table', S: 'sequence', m: 'materialized view', v: 'view', f: 'foreign table' };

const RELATIONS_SQL = `
SELECT n.nspname AS schema, c.relname AS name, c.relkind AS relkind,
       NOT pg_catalog.has_schema_privilege(n.oid, 'USAGE') AS no_schema_usage,
       NOT (pg_catalog.has_table_privilege(c.oid, 'SELECT')
            OR (coalesce(pg_catalog.cardinality(r.cols), 0) > 0
                AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(r.cols) AS col(name)
                                WHERE NOT pg_catalog.has_column_privilege(c.oid, col.name, 'SELECT')))) AS no_select,
       c.relkind IN ('r', 'p') AND pg_catalog.row_security_active(c.oid) AS row_security
FROM pg_catalog.json_to_recordset($1::json) AS r(oid oid, cols text[])
JOIN pg_catalog.pg_class c ON c.oid = r.oid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace`;

/**
 * Large objects the role may not read. From 18 the server answers (has_largeobject_privilege, so
 * whatever the server counts, pg_read_all_data on 19+ included); before, the object's ACL (or the
 * owner-only default) is searched for a SELECT the role holds directly or through a role it
 * inherits from, as the server's own check does. Superusers read everything.
 */
function largeObjectsSql(serverVersionNum: number): string {
  const denied =
    serverVersionNum >= 180000
      ? `NOT pg_catalog.has_largeobject_privilege(m.oid, 'SELECT')`
      : `NOT EXISTS (SELECT 1 FROM pg_catalog.aclexplode(coalesce(m.lomacl, pg_catalog.acldefault('L', m.lomowner))) AS x
                     WHERE x.privilege_type = 'SELECT' AND (x.grantee = 0 OR pg_catalog.pg_has_role(x.grantee, 'USAGE')))
         AND NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)`;
  return `SELECT m.oid::int8 AS oid FROM pg_catalog.pg_largeobject_metadata m
          WHERE ($1::oid[] IS NULL OR m.oid = ANY ($1::oid[]))
            AND NOT pg_catalog.current_setting('lo_compat_privileges')::bool AND ${denied}
          ORDER BY 1`;
}

/** Relations of `reads` the role cannot read in full, by schema and name. */
export async function deniedRelations(client: pg.ClientBase, reads: RelationRead[]): Promise<DeniedRelation[]> {
  if (!reads.length) return [];
  const r = await client.query<{ schema: string; name: string; relkind: string; no_schema_usage: boolean; no_select: boolean; row_security: boolean }>(
    `SELECT * FROM (${RELATIONS_SQL}) x WHERE no_schema_usage OR no_select OR row_security ORDER BY 1, 2`,
    [JSON.stringify(reads.map((x) => ({ oid: x.oid, cols: x.columns?.length ? x.columns : null })))],
  );
  return r.rows.map((x) => ({
    schema: x.schema, name: x.name, kind: KIND[x.relkind] ?? 'table', noSchemaUsage: x.no_schema_usage, noSelect: x.no_select, rowSecurity: x.row_security,
  }));
}

/** Large objects (of `oids`, or all) the role cannot read; `serverVersionNum` as 150004. */
export async function deniedLargeObjects(client: pg.ClientBase, serverVersionNum: number, oids?: number[]): Promise<number[]> {
  if (oids && !oids.length) return [];
  const r = await client.query<{ oid: string }>(largeObjectsSql(serverVersionNum), [oids ?? null]);
  return r.rows.map((x) => Number(x.oid));
}

/**
 * The tables (with the columns copied), sequences and large objects a plan reads, as OIDs: an
 * extension's configuration tables are found by name among its members.
 */
export function plannedSourceReads(cat: Catalog, plan: PlannedReads): { relations: RelationRead[]; tables: number; sequences: number; largeObjects: number[] } {
  const oids = new Map<string, number>();
  for (const r of [...cat.relations, ...cat.sequences, ...cat.extensionConfig]) oids.set(`${r.schema}\u0000${r.name}`, r.oid);
  const relations = new Map<number, RelationRead>();
  for (const u of plan.units) {
    const oid = oids.get(`${u.schema}\u0000${u.table}`);
    // an extension's filter may name other columns: its table is checked whole
    if (oid !== undefined) relations.set(oid, { oid, columns: u.filter === undefined ? u.columns : undefined });
  }
  const tables = relations.size;
  for (const s of plan.sequences) {
    const oid = oids.get(`${s.schema}\u0000${s.name}`);
    if (oid !== undefined) relations.set(oid, { oid });
  }
  return { relations: [...relations.values()], tables, sequences: relations.size - tables, largeObjects: plan.largeObjects.map((o) => o.oid) };
}

/** Everything of a plan's data the role cannot read. */
export async function sourceAccess(client: pg.ClientBase, serverVersionNum: number, cat: Catalog, plan: PlannedReads): Promise<SourceAccess> {
  const reads = plannedSourceReads(cat, plan);
  const role = (await client.query<{ me: string }>('SELECT current_user AS me')).rows[0].me;
  const relations = await deniedRelations(client, reads.relations);
  const largeObjects = await deniedLargeObjects(client, serverVersionNum, reads.largeObjects);
  return { role, relations, largeObjects, checked: { tables: reads.tables, sequences: reads.sequences, largeObjects: reads.largeObjects.length } };
}

/**
 * The objects alone, for lists: a table by its name, a table whose rows row-level security
 * would hide marked so, sequences and large objects by kind.
 */
export function deniedNames(access: SourceAccess): string[] {
  const names = access.relations.map((d) => {
    const name = displayName(d.schema, d.name);
    if (d.noSelect || d.noSchemaUsage) return d.kind === 'table' ? name : `${d.kind} ${name}`;
    return `${name} (row-level security hides rows)`;
  });
  return [...names, ...access.largeObjects.map((oid) => `large object ${oid}`)];
}

/** One line per object the role cannot read, naming what it lacks. */
export function describeDenied(access: SourceAccess): string[] {
  const lines = access.relations.map((d) => {
    const lacks = [d.noSchemaUsage ? 'USAGE on its schema' : '', d.noSelect ? 'SELECT' : ''].filter(Boolean);
    const why = [lacks.length ? `no ${lacks.join(', no ')}` : '', d.rowSecurity ? 'row-level security hides rows from the role' : ''].filter(Boolean);
    return `${d.kind} ${displayName(d.schema, d.name)}: ${why.join('; ')}`;
  });
  return [...lines, ...access.largeObjects.map((oid) => `large object ${oid}: no SELECT`)];
}

/**
 * The statements that would let the role read everything listed: USAGE on each schema, SELECT on
 * the tables and sequences (a schema's ALL TABLES / ALL SEQUENCES past a handful), BYPASSRLS
 * for row-level security, SELECT on each large object (the first ten, then how many more).
 */
export function grantsFor(access: SourceAccess): string[] {
  const role = ident(access.role);
  const out: string[] = [];
  const bySchema = new Map<string, DeniedRelation[]>();
  for (const d of access.relations) bySchema.set(d.schema, [...(bySchema.get(d.schema) ?? []), d]);
  for (const [schema, list] of bySchema) {
    if (list.some((d) => d.noSchemaUsage)) out.push(`GRANT USAGE ON SCHEMA ${ident(schema)} TO ${role}`);
    const tables = list.filter((d) => d.noSelect && d.kind !== 'sequence');
    const seqs = list.filter((d) => d.noSelect && d.kind === 'sequence');
    if (tables.length > 5) out.push(`GRANT SELECT ON ALL TABLES IN SCHEMA ${ident(schema)} TO ${role}`);
    else if (tables.length) out.push(`GRANT SELECT ON ${tables.map((d) => qualified(d.schema, d.name)).join(', ')} TO ${role}`);
    if (seqs.length > 5) out.push(`GRANT SELECT ON ALL SEQUENCES IN SCHEMA ${ident(schema)} TO ${role}`);
    else if (seqs.length) out.push(`GRANT SELECT ON SEQUENCE ${seqs.map((d) => qualified(d.schema, d.name)).join(', ')} TO ${role}`);
  }
  if (access.relations.some((d) => d.rowSecurity)) out.push(`ALTER ROLE ${role} BYPASSRLS`);
  for (const oid of access.largeObjects.slice(0, 10)) out.push(`GRANT SELECT ON LARGE OBJECT ${oid} TO ${role}`);
  if (access.largeObjects.length > 10) out.push(`... and the same for ${access.largeObjects.length - 10} more large objects`);
  return out;
}

/** What to run on the source, with the alternatives that apply to what is missing. */
export function accessFix(access: SourceAccess, serverVersionNum: number): string {
  const notes: string[] = [];
  if (serverVersionNum >= 140000 && access.relations.some((d) => d.noSelect || d.noSchemaUsage))
    notes.push(`GRANT pg_read_all_data TO ${ident(access.role)} covers every table, sequence and schema instead`);
  if (access.relations.some((d) => d.rowSecurity))
    notes.push("BYPASSRLS is granted by a superuser; the tables' owner reads all rows too, unless the table forces row level security");
  return `on the source: ${grantsFor(access).join('; ')}${notes.length ? ` (${notes.join('; ')})` : ''}`;
}

/**
 * Refuses a migration whose source role cannot read some of the data it would copy, before
 * anything is written to the target: a copy would otherwise fail halfway through (no SELECT) or,
 * worse, copy fewer rows than the table holds (row-level security), and verify, run as the same
 * role, would not notice.
 */
export async function refuseUnreadableSource(client: pg.ClientBase, serverVersionNum: number, cat: Catalog, plan: PlannedReads): Promise<void> {
  const access = await sourceAccess(client, serverVersionNum, cat, plan);
  const denied = describeDenied(access);
  if (!denied.length) return;
  const shown = denied.slice(0, 20).join('; ') + (denied.length > 20 ? `; ... and ${denied.length - 20} more` : '');
  throw new PgferryError('PGFERRY_E_PERMISSION', `the source role ${displayIdent(access.role)} cannot read ${denied.length} object(s) the migration copies: ${shown}`, {
    object: 'source privileges',
    fix: `nothing was written to the target; ${accessFix(access, serverVersionNum)}; then run again`,
  });
}
