/** Roles the source's objects name, as owners or grantees. */
import type { AclEntry } from './model.js';
import type { Catalog } from './model.js';

/** Roles that own objects or hold privileges on the source but do not exist on the target. */
export function missingRoles(cat: Catalog, targetRoles: Set<string>): string[] {
  const objects: { owner: string; acl: AclEntry[] | null }[] = [
    ...cat.schemas, ...cat.enums, ...cat.composites, ...cat.domains, ...cat.ranges, ...cat.baseTypes, ...cat.collations, ...cat.functions,
    ...cat.aggregates, ...cat.sequences, ...cat.relations, ...cat.operators, ...cat.opFamilies, ...cat.opClasses, ...cat.statistics,
    ...cat.textSearch.filter((t) => t.owner !== ''), ...cat.largeObjects, ...cat.eventTriggers.map((e) => ({ owner: e.owner, acl: null })),
  ];
  const roles = new Set<string>();
  for (const o of objects) {
    roles.add(o.owner);
    for (const a of o.acl ?? []) if (a.grantee !== null) roles.add(a.grantee);
  }
  return [...roles].filter((r) => !targetRoles.has(r)).sort();
}
