/**
 * What publishing the streamed tables takes on the source: each table needs a replica identity
 * (once it is in a publication, an UPDATE or DELETE on a table without one fails on the source),
 * and either the account may create pgferry's publication (CREATE on the database, owning every
 * table) or the publication the user names exists, publishes every kind of change and covers
 * every table, as the server itself expands it (pg_publication_tables).
 */
import type pg from 'pg';
import type { Catalog } from '../catalog/model.js';
import { displayIdent, displayName, qualified } from '../pg/quote.js';
import { streamScope, type StreamTable } from '../plan/stream-tables.js';
import { firstOf, type PrecheckCheck } from './precheck-model.js';

/** The streamed tables the source account does not own (nor inherits the owner's rights to); none for a superuser. */
async function notOwned(source: pg.ClientBase, cat: Catalog, tables: StreamTable[]): Promise<StreamTable[]> {
  const oids = new Map(cat.relations.map((r) => [r.key, r.oid]));
  const r = await source.query<{ oid: string }>(
    `SELECT c.oid::int8::text AS oid FROM pg_catalog.pg_class c
      WHERE c.oid = ANY($1::oid[]) AND NOT pg_catalog.pg_has_role(c.relowner, 'USAGE')`,
    [tables.map((t) => oids.get(t.key))],
  );
  const foreign = new Set(r.rows.map((x) => Number(x.oid)));
  return tables.filter((t) => foreign.has(oids.get(t.key)!));
}

const WHY = 'once a table without a replica identity is in a publication, every UPDATE and DELETE on it fails on the source (the source cannot name the old row)';

export const checkReplicaIdentity: PrecheckCheck = async ({ source, catalog, plan, mapping, inputs }) => {
  const { tables, noIdentity } = streamScope(catalog, plan, mapping);
  const title = 'Replica identity of the streamed tables';
  if (!noIdentity.length) {
    const count = (kind: StreamTable['identity']) => tables.filter((t) => t.identity === kind).length;
    return {
      id: 'replica-identity', title, status: 'pass',
      detail: `every streamed table has a replica identity: ${count('primary key')} by primary key, ${count('index')} by a replica-identity index, ${count('full')} REPLICA IDENTITY FULL (whose updates and deletes are applied by matching the whole row)`,
    };
  }
  const names = noIdentity.map((t) => displayName(t.schema, t.name));
  if (!inputs.setReplicaIdentityFull)
    return {
      id: 'replica-identity', title, status: 'fail',
      detail: `${noIdentity.length} streamed table(s) have no primary key, no replica-identity index and not REPLICA IDENTITY FULL: ${WHY}`,
      fix: 'add a primary key on the source (ALTER TABLE ... ADD PRIMARY KEY (...)), set ALTER TABLE ... REPLICA IDENTITY FULL yourself, leave the tables out of the selection, or pass --set-replica-identity-full to have pgferry set REPLICA IDENTITY FULL on them',
      objects: names,
    };
  const statements = noIdentity.map((t) => `ALTER TABLE ${qualified(t.schema, t.name)} REPLICA IDENTITY FULL`);
  const foreign = await notOwned(source, catalog, noIdentity);
  if (foreign.length)
    return {
      id: 'replica-identity', title, status: 'fail',
      detail: `--set-replica-identity-full: pgferry would run ALTER TABLE ... REPLICA IDENTITY FULL on ${noIdentity.length} source table(s), which only their owner (or a superuser) may do; the source role does not own ${foreign.length} of them (${WHY})`,
      fix: "have the tables' owner run the ALTER TABLE statements listed (then pgferry has nothing to set), or GRANT the owner role to the source role",
      objects: foreign.map((t) => `${displayName(t.schema, t.name)}: ALTER TABLE ${qualified(t.schema, t.name)} REPLICA IDENTITY FULL`),
    };
  return {
    id: 'replica-identity', title, status: 'warn',
    detail: `${noIdentity.length} streamed table(s) have no replica identity; with --set-replica-identity-full pgferry runs these statements on the source before publishing them (as their owner: the source role owns them), since ${WHY}. FULL writes the whole old row to the source's WAL for every UPDATE and DELETE, and the target matches rows by all their columns`,
    fix: 'to avoid FULL, add a primary key on the source instead; otherwise nothing to do',
    objects: statements,
  };
};

interface Publication { puballtables: boolean; pubinsert: boolean; pubupdate: boolean; pubdelete: boolean; pubtruncate: boolean; pubviaroot: boolean }

/** The user's publication: exists, publishes every action, covers every table whole (no row filter, no column left out). */
async function judgePublication(source: pg.ClientBase, sourceVersion: number, name: string, tables: StreamTable[]): Promise<{ problems: string[]; fixes: string[] }> {
  const cols = `puballtables, pubinsert, pubupdate, pubdelete, ${sourceVersion >= 110000 ? 'pubtruncate' : 'true AS pubtruncate'}, ${sourceVersion >= 130000 ? 'pubviaroot' : 'false AS pubviaroot'}`;
  const p = (await source.query<Publication>(`SELECT ${cols} FROM pg_catalog.pg_publication WHERE pubname = $1`, [name])).rows[0];
  const pub = displayIdent(name);
  if (!p) return { problems: [`publication ${pub} does not exist in the source database`], fixes: [`create it as the tables' owner: CREATE PUBLICATION ${pub} FOR TABLE ..., or correct --publication`] };
  const problems: string[] = [];
  const fixes: string[] = [];
  const actions = (['insert', 'update', 'delete', ...(sourceVersion >= 110000 ? ['truncate'] : [])] as const).filter((a) => !p[`pub${a}` as keyof Publication]);
  if (actions.length) {
    problems.push(`publication ${pub} does not publish ${actions.join(', ')}: those changes would never reach the target`);
    fixes.push(`ALTER PUBLICATION ${pub} SET (publish = '${sourceVersion >= 110000 ? 'insert, update, delete, truncate' : 'insert, update, delete'}')`);
  }
  // the server's own expansion: FOR ALL TABLES, partitions of a published partitioned table (13+), FOR TABLES IN SCHEMA (15+)
  const filters = sourceVersion >= 150000 ? ', attnames::text[] AS attnames, rowfilter' : ', NULL::text[] AS attnames, NULL::text AS rowfilter';
  const rows = (await source.query<{ schemaname: string; tablename: string; attnames: string[] | null; rowfilter: string | null }>(
    `SELECT schemaname::text, tablename::text${filters} FROM pg_catalog.pg_publication_tables WHERE pubname = $1`, [name],
  )).rows;
  const published = new Map(rows.map((x) => [`${x.schemaname}\u0000${x.tablename}`, x]));
  const missing: string[] = [];
  let partial = false;
  for (const t of tables) {
    const row = published.get(`${t.schema}\u0000${t.name}`);
    const shown = displayName(t.schema, t.name);
    if (!row) missing.push(shown);
    else {
      const left = row.attnames ? [...t.columns.keys()].filter((c) => !row.attnames!.includes(c)) : [];
      if (row.rowfilter !== null) problems.push(`table ${shown} is published with a row filter (WHERE ${row.rowfilter}): changes to other rows would not reach the target`);
      if (left.length) problems.push(`table ${shown} is published with a column list that leaves out ${left.map(displayIdent).join(', ')}: their changes would not reach the target`);
      partial ||= row.rowfilter !== null || left.length > 0;
    }
  }
  if (missing.length) {
    problems.unshift(...missing.map((m) => `table ${m} is not in publication ${pub}`));
    fixes.push(
      p.pubviaroot
        ? `publication ${pub} has publish_via_partition_root = true: partitions' changes come under their partitioned table's name, and pgferry streams each partition; ALTER PUBLICATION ${pub} SET (publish_via_partition_root = false), and ALTER PUBLICATION ${pub} ADD TABLE the tables it lacks`
        : `as the tables' owner: ALTER PUBLICATION ${pub} ADD TABLE ${firstOf(missing, 10).join(', ')}`,
    );
  }
  if (partial) fixes.push(`publish those tables whole: ALTER PUBLICATION ${pub} SET TABLE ... without a WHERE clause or a column list`);
  return { problems, fixes };
}

export const checkPublicationRights: PrecheckCheck = async ({ source, sourceVersion, catalog, plan, mapping, inputs }) => {
  const { tables } = streamScope(catalog, plan, mapping);
  const title = 'Publication of the streamed tables';
  if (inputs.publication !== undefined) {
    const { problems, fixes } = await judgePublication(source, sourceVersion, inputs.publication, tables);
    const pub = displayIdent(inputs.publication);
    if (!problems.length) return { id: 'publication-rights', title, status: 'pass', detail: `publication ${pub} publishes every change to all ${tables.length} streamed table(s)` };
    return { id: 'publication-rights', title, status: 'fail', detail: `publication ${pub} (--publication) does not carry every change of the streamed tables`, fix: fixes.join('; '), objects: problems };
  }
  const r = (await source.query<{ role: string; superuser: boolean; create: boolean }>(
    `SELECT current_user AS role, r.rolsuper AS superuser, pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE') AS "create"
       FROM pg_catalog.pg_roles r WHERE r.rolname = current_user`,
  )).rows[0];
  const role = displayIdent(r.role);
  if (r.superuser) return { id: 'publication-rights', title, status: 'pass', detail: `the source role ${role} is a superuser: it may create pgferry's publication of ${tables.length} table(s)` };
  const foreign = await notOwned(source, catalog, tables);
  if (r.create && !foreign.length)
    return { id: 'publication-rights', title, status: 'pass', detail: `the source role ${role} has CREATE on the database and owns all ${tables.length} streamed table(s): it may create pgferry's publication` };
  const lacks = [r.create ? '' : 'CREATE on the source database', foreign.length ? `ownership of ${foreign.length} of the ${tables.length} streamed table(s)` : ''].filter(Boolean);
  const list = firstOf(tables.map((t) => qualified(t.schema, t.name)), 10).join(', ');
  return {
    id: 'publication-rights', title, status: 'fail',
    detail: `pgferry creates a publication FOR TABLE the streamed tables, which takes CREATE on the database and owning each table; the source role ${role} lacks ${lacks.join(' and ')}`,
    fix: `have the tables' owner (or a superuser) run CREATE PUBLICATION pgferry_pub FOR TABLE ${list} and pass --publication pgferry_pub; or ${[r.create ? '' : `GRANT CREATE ON DATABASE ... TO ${role}`, foreign.length ? `GRANT the owner role to ${role}` : ''].filter(Boolean).join(' and ')}`,
    objects: foreign.length ? foreign.map((t) => `${displayName(t.schema, t.name)}: not owned by ${role}`) : undefined,
  };
};
