import type { AclEntry } from '../ddl/render-acl.js';

/**
 * The Catalog: typed objects read from the source, one interface per object kind. Every object
 * has a key ('pg_class:16384', the catalog and OID) that dependency edges refer to.
 */

export interface CatalogObject {
  key: string;
  oid: number;
  schema: string;
  name: string;
  owner: string;
  comment: string | null;
  /** Explicit privileges; null means the built-in default. */
  acl: AclEntry[] | null;
}

export type SchemaObj = Omit<CatalogObject, 'schema'> & { schema: string };

export interface ExtensionObj {
  key: string;
  oid: number;
  name: string;
  schema: string;
  version: string;
  relocatable: boolean;
  owner: string;
  comment: string | null;
}

export interface EnumType extends CatalogObject {
  labels: string[];
}

export interface CompositeType extends CatalogObject {
  attributes: { name: string; type: string; collation: string | null; comment: string | null }[];
}

export interface DomainType extends CatalogObject {
  baseType: string;
  collation: string | null;
  defaultExpr: string | null;
  notNull: boolean;
  constraints: { name: string; definition: string; validated: boolean; comment: string | null }[];
}

export interface FunctionObj extends CatalogObject {
  kind: 'f' | 'p' | 'w';
  language: string;
  identityArgs: string;
  definition: string | null;
}

export interface AggregateObj extends CatalogObject {
  identityArgs: string;
  args: string;
  aggKind: 'n' | 'o' | 'h';
  numDirectArgs: number;
  sfunc: string;
  stype: string;
  sspace: number | null;
  finalfunc: string | null;
  finalfuncExtra: boolean;
  finalfuncModify: string | null;
  combinefunc: string | null;
  serialfunc: string | null;
  deserialfunc: string | null;
  initcond: string | null;
  msfunc: string | null;
  minvfunc: string | null;
  mstype: string | null;
  msspace: number | null;
  mfinalfunc: string | null;
  mfinalfuncExtra: boolean;
  mfinalfuncModify: string | null;
  minitcond: string | null;
  sortop: string | null;
  parallel: string;
}

export interface SequenceObj extends CatalogObject {
  dataType: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
  unlogged: boolean;
  ownedBy: { tableOid: number; schema: string; table: string; column: string } | null;
  identity: boolean;
}

export interface Column {
  num: number;
  name: string;
  type: string;
  notNull: boolean;
  defaultExpr: string | null;
  identity: '' | 'a' | 'd';
  generated: '' | 's' | 'v';
  isLocal: boolean;
  collation: string | null;
  comment: string | null;
  binaryOk: boolean;
}

export interface Constraint {
  key: string;
  oid: number;
  relOid: number;
  schema: string;
  table: string;
  name: string;
  type: 'p' | 'u' | 'c' | 'x' | 'f';
  definition: string;
  validated: boolean;
  isLocal: boolean;
  inheritedCount: number;
  indexOid: number;
  refRelOid: number;
  comment: string | null;
}

export interface IndexObj {
  key: string;
  oid: number;
  relOid: number;
  schema: string;
  name: string;
  table: string;
  definition: string;
  partitioned: boolean;
  clustered: boolean;
  replicaIdentity: boolean;
  constraintOid: number | null;
  parentIndex: string | null;
  tableBytes: number;
  comment: string | null;
}

export interface TriggerObj {
  key: string;
  oid: number;
  relOid: number;
  schema: string;
  table: string;
  name: string;
  definition: string;
  enabled: 'O' | 'D' | 'R' | 'A';
  comment: string | null;
}

export type RelKind = 'r' | 'p' | 'v' | 'm';

export interface Relation extends CatalogObject {
  relkind: RelKind;
  persistence: 'p' | 'u' | 't';
  options: string[] | null;
  isPartition: boolean;
  partitionKey: string | null;
  partitionBound: string | null;
  parents: { schema: string; name: string; oid: number }[];
  viewDefinition: string | null;
  populated: boolean;
  replicaIdentity: 'd' | 'n' | 'f' | 'i';
  bytes: number;
  estimatedRows: number;
  /** Pages of the main fork (for splitting a table into block ranges). */
  blocks: number;
  columns: Column[];
  constraints: Constraint[];
}

/** An object pgferry will not create, with the reason (shown in plans and summaries). */
export interface SkippedObject {
  kind: string;
  name: string;
  reason: string;
}

export interface Catalog {
  serverVersionNum: number;
  schemas: SchemaObj[];
  extensions: ExtensionObj[];
  enums: EnumType[];
  composites: CompositeType[];
  domains: DomainType[];
  functions: FunctionObj[];
  aggregates: AggregateObj[];
  sequences: SequenceObj[];
  relations: Relation[];
  indexes: IndexObj[];
  triggers: TriggerObj[];
  /** [key, key it depends on] */
  depends: [string, string][];
  skipped: SkippedObject[];
}
