/**
 * Reads the whole source catalog. Runs with search_path = pg_catalog so that every name the
 * server's deparse functions print is schema-qualified.
 */
import type pg from 'pg';
import type { Catalog, ColumnDependency } from './model.js';
import { readCatalogRows } from './run-query.js';
import { readExtensions, readSchemas } from './read-schemas.js';
import { readBaseTypes, readComposites, readDomains, readEnums, readRanges } from './read-types.js';
import { readCasts, readOpClasses, readOpFamilies, readOperators, readProcedural, readSubscriptions } from './read-operators.js';
import { readTextSearch } from './read-text-search.js';
import { readPolicies, readRules, readStatistics } from './read-table-extras.js';
import {
  readCollations,
  readDefaultPrivileges,
  readEventTriggers,
  readForeignData,
  readLargeObjects,
  readPublications,
  readSecurityLabels,
  readSystemPrivileges,
} from './read-database-objects.js';
import { readAggregates, readFunctions } from './read-functions.js';
import { readSequences } from './read-sequences.js';
import { readRelations } from './read-relations.js';
import { readIndexes, readTriggers } from './read-indexes.js';

/** Reads every supported object kind from `client` (which should sit in the export snapshot). */
export async function readCatalog(client: pg.ClientBase, serverVersionNum: number, opts: { columnDepends?: boolean } = {}): Promise<Catalog> {
  const major = Math.floor(serverVersionNum / 10000);
  await client.query("SELECT pg_catalog.set_config('search_path', 'pg_catalog', true)");
  // Catalog statistics lag right after many objects are created: the planner then takes
  // pg_depend for a few rows and joins tens of thousands of dependency rows in nested loops
  // (500 s instead of 2 s for 10,000 tables). Hash joins cost little at any size; JIT only
  // adds compile time to these one-off queries (the setting exists from 11).
  await client.query("SELECT pg_catalog.set_config(name, 'off', true) FROM pg_catalog.pg_settings WHERE name IN ('enable_nestloop', 'jit')");
  const { functions, skipped } = await readFunctions(client, major);
  const depends = await readCatalogRows<{ key: string; refKey: string }>(client, 'depends', major);
  return {
    serverVersionNum,
    schemas: await readSchemas(client, major),
    extensions: await readExtensions(client, major),
    enums: await readEnums(client, major),
    composites: await readComposites(client, major),
    domains: await readDomains(client, major),
    functions,
    aggregates: await readAggregates(client, major),
    sequences: await readSequences(client, major),
    collations: await readCollations(client, major),
    ranges: await readRanges(client, major),
    baseTypes: await readBaseTypes(client, major),
    operators: await readOperators(client, major),
    opFamilies: await readOpFamilies(client, major),
    opClasses: await readOpClasses(client, major),
    casts: await readCasts(client, major),
    procedural: await readProcedural(client, major),
    textSearch: await readTextSearch(client, major),
    relations: await readRelations(client, major),
    indexes: await readIndexes(client, major),
    triggers: await readTriggers(client, major),
    rules: await readRules(client, major),
    policies: await readPolicies(client, major),
    statistics: await readStatistics(client, major),
    eventTriggers: await readEventTriggers(client, major),
    publications: await readPublications(client, major),
    largeObjects: await readLargeObjects(client, major),
    foreignData: await readForeignData(client, major),
    defaultPrivileges: await readDefaultPrivileges(client, major),
    systemPrivileges: await readSystemPrivileges(client, major),
    depends: depends.map((d) => [d.key, d.refKey]),
    columnDepends: opts.columnDepends ? (await readCatalogRows<ColumnDependency>(client, 'column-depends', major)).map((d) => ({ ...d, relOid: Number(d.relOid) })) : undefined,
    skipped: [...skipped, ...(await readSecurityLabels(client, major)), ...(await readSubscriptions(client, major))],
  };
}
