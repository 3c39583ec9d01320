/**
 * DDL for objects of the database rather than of a schema: event triggers, publications,
 * foreign data wrappers, servers and user mappings, large objects' metadata, default privileges.
 */
import type { SystemPrivilege, DefaultPrivilegeObj, EventTriggerObj, ForeignDataObj, LargeObjectMeta, PublicationObj } from '../catalog/model.js';
import { ident, literal, qualified } from '../pg/quote.js';
import { commentOn, optionsClause, ownerAndPrivileges, ownerTo, type OwnershipContext } from './common.js';
import { renderAcl } from './render-acl.js';

const STATE: Record<string, string> = { D: 'DISABLE', R: 'ENABLE REPLICA', A: 'ENABLE ALWAYS' };

/** CREATE EVENT TRIGGER (EXECUTE PROCEDURE: the spelling every major from 10 accepts). */
export function renderEventTrigger(e: EventTriggerObj, ctx: OwnershipContext): string[] {
  const name = ident(e.name);
  const when = e.tags?.length ? ` WHEN TAG IN (${e.tags.map(literal).join(', ')})` : '';
  return [
    `CREATE EVENT TRIGGER ${name} ON ${ident(e.event)}${when} EXECUTE PROCEDURE ${e.function}()`,
    ...(STATE[e.enabled] ? [`ALTER EVENT TRIGGER ${name} ${STATE[e.enabled]}`] : []),
    // an event trigger's owner must be a superuser
    ...ownerTo(`EVENT TRIGGER ${name}`, e.owner, ctx, 'superuser', e.key),
    ...commentOn(`EVENT TRIGGER ${name}`, e.comment),
  ];
}

/** CREATE PUBLICATION with its publish flags, then its tables (row filters, column lists) and schemas. */
export function renderPublication(p: PublicationObj, ctx: OwnershipContext): string[] {
  const name = ident(p.name);
  const publish = ['insert', 'update', 'delete', 'truncate'].filter((a) => p.raw[`pub${a}`] === true);
  let sql = `CREATE PUBLICATION ${name}${p.raw.puballtables === true ? ' FOR ALL TABLES' : ''} WITH (publish = ${literal(publish.join(', '))}`;
  if (p.raw.pubviaroot === true) sql += ', publish_via_partition_root = true';
  // 18+: 's' publishes stored generated columns ('n', the default, none)
  if (p.raw.pubgencols === 's') sql += ', publish_generated_columns = stored';
  sql += ')';
  const members = p.members.map((m) =>
    m.memberKind === 'schema'
      ? `ALTER PUBLICATION ${name} ADD TABLES IN SCHEMA ${ident(m.schema)}`
      : `ALTER PUBLICATION ${name} ADD TABLE ONLY ${qualified(m.schema, m.name!)}${m.columns ? ` (${m.columns.map(ident).join(', ')})` : ''}${m.rowFilter ? ` WHERE (${m.rowFilter})` : ''}`,
  );
  return [sql, ...members, ...ownerTo(`PUBLICATION ${name}`, p.owner, ctx, p.raw.puballtables === true ? 'superuser' : 'database', p.key), ...commentOn(`PUBLICATION ${name}`, p.comment)];
}

/** CREATE FOREIGN DATA WRAPPER / SERVER / USER MAPPING with options, owner, privileges, comment. */
export function renderForeignData(f: ForeignDataObj, ctx: OwnershipContext, serverName?: string): string[] {
  const name = ident(f.name);
  const parts = f.parts as Record<string, string | null>;
  const opts = optionsClause(f.options);
  switch (f.fdKind) {
    case 'wrapper': {
      const handler = parts.handler ? ` HANDLER ${parts.handler}` : '';
      const validator = parts.validator ? ` VALIDATOR ${parts.validator}` : '';
      return [
        `CREATE FOREIGN DATA WRAPPER ${name}${handler}${validator}${opts}`,
        // a wrapper's owner must be a superuser
        ...ownerTo(`FOREIGN DATA WRAPPER ${name}`, f.owner!, ctx, 'superuser', f.key),
        ...ownerAndPrivileges(`FOREIGN DATA WRAPPER ${name}`, { owner: f.owner!, acl: f.acl }, { ...ctx, applyOwners: false }),
        ...commentOn(`FOREIGN DATA WRAPPER ${name}`, f.comment),
      ];
    }
    case 'server': {
      const type = parts.type !== null ? ` TYPE ${literal(parts.type)}` : '';
      const version = parts.version !== null ? ` VERSION ${literal(parts.version)}` : '';
      return [
        `CREATE SERVER ${name}${type}${version} FOREIGN DATA WRAPPER ${ident(parts.wrapper!)}${opts}`,
        ...ownerAndPrivileges(`SERVER ${name}`, { owner: f.owner!, acl: f.acl, key: f.key }, ctx, `FOREIGN SERVER ${name}`),
        ...commentOn(`SERVER ${name}`, f.comment),
      ];
    }
    case 'user mapping':
      return [`CREATE USER MAPPING FOR ${f.owner === null ? 'PUBLIC' : ident(f.owner)} SERVER ${ident(serverName ?? f.name)}${opts}`];
  }
}

/** The large object (same OID), its owner, privileges and comment; the data comes with the copy. */
export function renderLargeObject(lo: LargeObjectMeta, ctx: OwnershipContext): string[] {
  const target = `LARGE OBJECT ${lo.oid}`;
  return [`SELECT pg_catalog.lo_create(${lo.oid})`, ...ownerAndPrivileges(target, { ...lo, key: `pg_largeobject:${lo.oid}` }, ctx), ...commentOn(target, lo.comment)];
}

// L: large objects (18+)
const OBJ_TYPES: Record<string, string> = { r: 'TABLES', S: 'SEQUENCES', f: 'FUNCTIONS', T: 'TYPES', n: 'SCHEMAS', L: 'LARGE OBJECTS' };

/**
 * ALTER DEFAULT PRIVILEGES. An entry for the whole database replaces the built-in default, so it
 * is written as the difference from that default; an entry for one schema only adds grants.
 */
export function renderDefaultPrivileges(d: DefaultPrivilegeObj, roles: Set<string>, sourceMajor?: number): string[] {
  const prefix = `ALTER DEFAULT PRIVILEGES FOR ROLE ${ident(d.role)}${d.schema !== null ? ` IN SCHEMA ${ident(d.schema)}` : ''}`;
  const kind = OBJ_TYPES[d.objType];
  if (d.schema === null) return renderAcl(kind, d.role, d.acl, roles, sourceMajor).map((s) => `${prefix} ${s}`);
  return d.acl
    .filter((e) => e.grantee === null || roles.has(e.grantee))
    .map((e) => `${prefix} GRANT ${e.privilege} ON ${kind} TO ${e.grantee === null ? 'PUBLIC' : ident(e.grantee)}${e.grantable ? ' WITH GRANT OPTION' : ''}`);
}

/** GRANT / REVOKE statements that repeat the source's changes to one system object's privileges. */
export function renderSystemPrivileges(changes: SystemPrivilege[], roles: Set<string>): string[] {
  return changes
    .filter((c) => c.grantee === null || roles.has(c.grantee))
    .map((c) => {
      const priv = c.columnName === null ? c.privilege : `${c.privilege} (${ident(c.columnName)})`;
      const who = c.grantee === null ? 'PUBLIC' : ident(c.grantee);
      return c.action === 'grant'
        ? `GRANT ${priv} ON ${c.target} TO ${who}${c.grantable ? ' WITH GRANT OPTION' : ''}`
        : `REVOKE ${priv} ON ${c.target} FROM ${who}`;
    });
}
