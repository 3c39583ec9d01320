/**
 * Reads objects that belong to the database rather than to a schema: collations aside, these are
 * event triggers, publications, large objects, foreign data wrappers, servers and user mappings,
 * default privileges and security labels.
 */
import type pg from 'pg';
import type { CollationObj, DefaultPrivilegeObj, SystemPrivilege, EventTriggerObj, ForeignDataObj, LargeObjectMeta, PublicationObj, SkippedObject } from './model.js';
import { readCatalogRows } from './run-query.js';
import { displayIdent } from '../pg/quote.js';

/** User collations. */
export async function readCollations(client: pg.ClientBase, major: number): Promise<CollationObj[]> {
  const rows = await readCatalogRows<Omit<CollationObj, 'key' | 'acl'>>(client, 'collations', major);
  return rows.map((r) => ({ ...r, acl: null, key: `pg_collation:${r.oid}` }));
}

/** Event triggers. */
export async function readEventTriggers(client: pg.ClientBase, major: number): Promise<EventTriggerObj[]> {
  const rows = await readCatalogRows<Omit<EventTriggerObj, 'key'>>(client, 'event-triggers', major);
  return rows.map((r) => ({ ...r, key: `pg_event_trigger:${r.oid}` }));
}

/** Publications with the tables and schemas they publish. */
export async function readPublications(client: pg.ClientBase, major: number): Promise<PublicationObj[]> {
  const pubs = await readCatalogRows<Omit<PublicationObj, 'key' | 'members'>>(client, 'publications', major);
  const members = await readCatalogRows<PublicationObj['members'][number] & { pubOid: number }>(client, 'publication-members', major);
  return pubs.map((p) => ({
    ...p,
    key: `pg_publication:${p.oid}`,
    members: members.filter((m) => m.pubOid === p.oid).map(({ pubOid: _p, ...m }) => m),
  }));
}

/** Large objects' owners, privileges and comments. */
export async function readLargeObjects(client: pg.ClientBase, major: number): Promise<LargeObjectMeta[]> {
  return readCatalogRows<LargeObjectMeta>(client, 'large-objects', major);
}

const FD_CATALOG = { wrapper: 'pg_foreign_data_wrapper', server: 'pg_foreign_server', 'user mapping': 'pg_user_mapping' } as const;

/**
 * Foreign data wrappers, servers and user mappings. A mapping whose options the source role may
 * not see (they hold remote passwords) is skipped with the reason: made without them it would
 * look migrated and fail at its first use.
 */
export async function readForeignData(client: pg.ClientBase, major: number): Promise<{ foreignData: ForeignDataObj[]; skipped: SkippedObject[] }> {
  const rows = await readCatalogRows<Omit<ForeignDataObj, 'key'> & { optionsVisible: boolean }>(client, 'foreign-data', major);
  const foreignData: ForeignDataObj[] = [];
  const skipped: SkippedObject[] = [];
  for (const { optionsVisible, ...r } of rows) {
    const key = `${FD_CATALOG[r.fdKind]}:${r.oid}`;
    if (optionsVisible) foreignData.push({ ...r, key });
    else
      skipped.push({
        key,
        kind: 'user mapping',
        name: `for ${r.owner ?? 'PUBLIC'} on server ${displayIdent(r.name)}`,
        reason: "its options are shown only to a superuser, the server's owner or the mapped user, and the source role is none of them: create it on the target by hand",
      });
  }
  return { foreignData, skipped };
}

/** ALTER DEFAULT PRIVILEGES entries. */
export async function readDefaultPrivileges(client: pg.ClientBase, major: number): Promise<DefaultPrivilegeObj[]> {
  const rows = await readCatalogRows<Omit<DefaultPrivilegeObj, 'key'>>(client, 'default-privileges', major);
  return rows.map((r) => ({ ...r, acl: r.acl ?? [], key: `pg_default_acl:${r.oid}` }));
}

/** Security labels, reported as skipped: the target needs the same label provider. */
export async function readSecurityLabels(client: pg.ClientBase, major: number): Promise<SkippedObject[]> {
  const rows = await readCatalogRows<{ provider: string; object: string }>(client, 'security-labels', major);
  return rows.map((r) => ({ kind: 'security label', name: r.object, reason: `security labels (provider ${r.provider}) are reported, not migrated` }));
}

/** Privileges changed on pg_catalog's tables, columns and functions since initdb. */
export async function readSystemPrivileges(client: pg.ClientBase, major: number): Promise<SystemPrivilege[]> {
  return readCatalogRows<SystemPrivilege>(client, 'system-privileges', major);
}
