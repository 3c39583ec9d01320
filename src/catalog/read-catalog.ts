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
import { readExtensionConfig } from './read-extension-config.js';

/** Session settings every catalog reader needs, for the current transaction only. */
async function prepareReader(client: pg.ClientBase): Promise<void> {
  await client.query("SELECT pg_catalog.set_config('search_path', 'pg_catalog', true)");
  // Catalog statistics lag right after many objects are created: the planner then takes
  // pg_depend for a few rows and joins tens of thousands of dependency rows in nested loops
  // (500 s instead of 2 s for 10,000 tables). Hash joins cost little at any size; JIT only
  // adds compile time to these one-off queries (the setting exists from 11).
  await client.query("SELECT pg_catalog.set_config(name, 'off', true) FROM pg_catalog.pg_settings WHERE name IN ('enable_nestloop', 'jit')");
}

/**
 * A client-like object that runs each query on whichever connection is free, so the readers'
 * queries run side by side (10,000 tables: the index, relation, column and dependency queries
 * take 1–1.6 s each).
 */
function queryPool(clients: pg.ClientBase[]): pg.ClientBase {
  const free = [...clients];
  const waiting: ((c: pg.ClientBase) => void)[] = [];
  const query = async (...args: unknown[]) => {
    const c = free.pop() ?? (await new Promise<pg.ClientBase>((resolve) => waiting.push(resolve)));
    try {
      return await (c.query as (...a: unknown[]) => Promise<unknown>)(...args);
    } finally {
      const next = waiting.shift();
      if (next) next(c);
      else free.push(c);
    }
  };
  return { query } as unknown as pg.ClientBase;
}

/**
 * Reads every supported object kind. `clients` all sit in the same snapshot (the leader's
 * exported one); with more than one, queries run on them in parallel.
 */
export async function readCatalog(clients: pg.ClientBase | pg.ClientBase[], serverVersionNum: number, opts: { columnDepends?: boolean } = {}): Promise<Catalog> {
  const major = Math.floor(serverVersionNum / 10000);
  const all = Array.isArray(clients) ? clients : [clients];
  await Promise.all(all.map(prepareReader));
  const client = queryPool(all);
  // the biggest queries first, so that they overlap; the small ones queue behind them and fill
  // the connections as the big ones finish
  const big = Promise.all([
    readIndexes(client, major),
    readRelations(client, major),
    readFunctions(client, major),
    readCatalogRows<{ key: string; refKey: string }>(client, 'depends', major),
    opts.columnDepends ? readCatalogRows<ColumnDependency>(client, 'column-depends', major) : Promise.resolve(undefined),
  ]);
  const small = Promise.all([
    readSchemas(client, major), readExtensions(client, major), readEnums(client, major), readComposites(client, major), readDomains(client, major),
    readAggregates(client, major), readSequences(client, major), readCollations(client, major), readRanges(client, major), readBaseTypes(client, major),
    readOperators(client, major), readOpFamilies(client, major), readOpClasses(client, major), readCasts(client, major), readProcedural(client, major),
    readTextSearch(client, major), readTriggers(client, major), readRules(client, major), readPolicies(client, major), readStatistics(client, major),
    readEventTriggers(client, major), readPublications(client, major), readLargeObjects(client, major), readForeignData(client, major),
    readDefaultPrivileges(client, major), readSystemPrivileges(client, major), readSecurityLabels(client, major), readSubscriptions(client, major),
    readExtensionConfig(client, major),
  ] as const);
  // both awaited together: a failure in one is not left unhandled while the other runs
  const [[indexes, relations, { functions, skipped }, depends, columnDepends], rest] = await Promise.all([big, small]);
  const [schemas, extensions, enums, composites, domains, aggregates, sequences, collations, ranges, baseTypes, operators, opFamilies, opClasses, casts,
    procedural, textSearch, triggers, rules, policies, statistics, eventTriggers, publications, largeObjects, foreignDataRead, defaultPrivileges,
    systemPrivileges, securityLabels, subscriptions, extensionConfig] = rest;
  const { foreignData, skipped: hiddenMappings } = foreignDataRead;
  return {
    serverVersionNum,
    schemas, extensions, enums, composites, domains, functions, aggregates, sequences, collations, ranges, baseTypes, operators, opFamilies,
    opClasses, casts, procedural, textSearch, relations, indexes, triggers, rules, policies, statistics, eventTriggers, publications,
    largeObjects, extensionConfig, foreignData, defaultPrivileges, systemPrivileges,
    depends: depends.map((d) => [d.key, d.refKey]),
    columnDepends: columnDepends?.map((d) => ({ ...d, relOid: Number(d.relOid) })),
    skipped: [...skipped, ...securityLabels, ...subscriptions, ...hiddenMappings],
  };
}
