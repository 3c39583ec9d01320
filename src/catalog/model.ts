
/**
 * The Catalog: typed objects read from the source, one interface per object kind. Every object
 * has a key ('pg_class:16384', the catalog and OID) that dependency edges refer to.
 */

/** One privilege of an object's ACL, as read from aclexplode. */
export interface AclEntry {
  grantee: string | null; // null = PUBLIC
  grantor: string;
  privilege: string;
  grantable: boolean;
}

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

/**
 * A table or sequence an extension marked as configuration (pg_extension_config_dump): the
 * extension creates it, the rows its filter selects (the sequence's position) are the user's.
 */
export interface ExtensionConfigRelation {
  /** The extension's key: the rows go in once it exists on the target. */
  extensionKey: string;
  oid: number;
  schema: string;
  name: string;
  relkind: RelKind | 'S';
  /** The extension's filter, SQL it wrote itself: a WHERE clause, or '' for every row. */
  condition: string;
  /** Columns COPY moves, in order (generated ones left out). */
  columns: string[];
  bytes: number;
  blocks: number;
  estimatedRows: number;
  /** OIDs of the other configuration tables it has foreign keys to. */
  refs: number[];
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
  /** The NOT NULL constraint's name and comment (17+, where domains name it); null before. */
  notNullConstraint: { name: string; comment: string | null } | null;
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
  /** A valid NOT NULL (a NOT VALID one, 18+, is a Constraint of type 'n', added after the data). */
  notNull: boolean;
  /**
   * The valid NOT NULL as a constraint of its own (18+): its name, whether the table declares it
   * itself (false: only inherited from a parent), NO INHERIT and comment. Null from older
   * sources, whose NOT NULL has no name (an 18 target names it `<table>_<column>_not_null`).
   */
  notNullConstraint: NotNullConstraint | null;
  defaultExpr: string | null;
  identity: '' | 'a' | 'd';
  generated: '' | 's' | 'v';
  isLocal: boolean;
  collation: string | null;
  comment: string | null;
  binaryOk: boolean;
  /** SET STORAGE letter when it differs from the type's default. */
  storage: string | null;
  /** SET COMPRESSION letter (14+), when set. */
  compression: string | null;
  statTarget: number | null;
  /** Attribute options (n_distinct=...). */
  options: string[] | null;
  fdwOptions: string[] | null;
  acl: AclEntry[] | null;
}

export interface NotNullConstraint {
  name: string;
  isLocal: boolean;
  noInherit: boolean;
  comment: string | null;
}

export interface Constraint {
  key: string;
  oid: number;
  relOid: number;
  schema: string;
  table: string;
  name: string;
  /** 'n': a NOT VALID NOT NULL (18+; valid ones belong to their column). */
  type: 'p' | 'u' | 'c' | 'x' | 'f' | 'n';
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
  comment: string | null;
  /** Statistics targets of expression columns, when set. */
  columnStats: { num: number; target: number }[] | null;
  /** Keys are table columns only (no expression, no WHERE). */
  plainColumns: boolean;
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
  /** Copies on partitions whose enabled state must be set one by one (see triggers.sql). */
  cloneStates: { schema: string; table: string; enabled: 'O' | 'D' | 'R' | 'A' }[];
}

export type RelKind = 'r' | 'p' | 'v' | 'm' | 'f';

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
  /** The source has statistics of the table with its partitions or inheritance children (pg_stats.inherited). */
  inheritedStats: boolean;
  /** Typed table: CREATE TABLE ... OF this type. */
  ofType: string | null;
  rowSecurity: boolean;
  forceRowSecurity: boolean;
  foreignServer: string | null;
  foreignOptions: string[] | null;
  /** Created WITH OIDS (before 12). */
  hasOids: boolean;
  /** Table access method (12+), e.g. heap. */
  accessMethod: string | null;
  columns: Column[];
  constraints: Constraint[];
}

/** An object pgferry will not create, with the reason (shown in plans and summaries). */
export interface SkippedObject {
  /** The catalog key, when the object has one (objects that depend on it are skipped too). */
  key?: string;
  kind: string;
  name: string;
  reason: string;
}

export interface CollationObj extends CatalogObject {
  /** The pg_collation row as JSON (columns differ between majors). */
  raw: Record<string, unknown>;
}

export interface RangeType extends CatalogObject {
  subtype: string;
  opclass: string | null;
  collation: string | null;
  canonical: string | null;
  subdiff: string | null;
  multirange: string | null;
  multirangeOid: number | null;
}

export interface BaseType extends CatalogObject {
  /** false: a shell type (CREATE TYPE name) never completed. */
  defined: boolean;
  element: string | null;
  collatable: boolean;
  raw: Record<string, unknown>;
  /** OIDs of its input, output, receive, send, typmod, analyze and subscript functions. */
  ioFunctions: number[];
}

export interface OperatorObj extends CatalogObject {
  opKind: 'b' | 'l' | 'r';
  leftType: string | null;
  rightType: string | null;
  function: string;
  commutator: string | null;
  negator: string | null;
  restrict: string | null;
  join: string | null;
  hashes: boolean;
  merges: boolean;
}

export interface OpFamilyObj extends CatalogObject {
  method: string;
  /** Members added with ALTER OPERATOR FAMILY ... ADD, as `OPERATOR n op(type,type)` / `FUNCTION n (t, t) f(args)`. */
  looseOperators: string[];
  looseFunctions: string[];
}

export interface OpClassObj extends CatalogObject {
  method: string;
  isDefault: boolean;
  forType: string;
  family: string;
  storage: string | null;
  operators: string[];
  functions: string[];
}

/** A procedural language, transform, conversion or access method. */
export interface ProceduralObj {
  key: string;
  oid: number;
  procKind: 'language' | 'transform' | 'conversion' | 'access method';
  /** Schema of a conversion; null for the others. */
  schema: string | null;
  name: string;
  owner: string;
  comment: string | null;
  acl: AclEntry[] | null;
  parts: Record<string, unknown>;
}

export interface CastObj {
  key: string;
  oid: number;
  sourceType: string;
  targetType: string;
  method: 'f' | 'b' | 'i';
  function: string | null;
  context: 'e' | 'a' | 'i';
  comment: string | null;
}

export interface TextSearchObj extends CatalogObject {
  tsKind: 'parser' | 'template' | 'dictionary' | 'configuration';
  parts: Record<string, unknown>;
}

/** A rule, policy or extended statistics object: belongs to one table, built after the data. */
export interface RuleObj {
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

export interface PolicyObj {
  key: string;
  oid: number;
  relOid: number;
  schema: string;
  table: string;
  name: string;
  command: 'r' | 'a' | 'w' | 'd' | '*';
  permissive: boolean;
  roles: (string | null)[];
  usingExpr: string | null;
  checkExpr: string | null;
  comment: string | null;
}

export interface StatisticsObj extends CatalogObject {
  relOid: number;
  definition: string;
  statTarget: number | null;
}

export interface EventTriggerObj {
  key: string;
  oid: number;
  name: string;
  event: string;
  owner: string;
  function: string;
  tags: string[] | null;
  enabled: 'O' | 'D' | 'R' | 'A';
  comment: string | null;
}

export interface PublicationObj {
  key: string;
  oid: number;
  name: string;
  owner: string;
  comment: string | null;
  raw: Record<string, unknown>;
  members: { memberKind: 'table' | 'schema'; schema: string; name: string | null; relOid: number | null; rowFilter: string | null; columns: string[] | null }[];
}

export interface LargeObjectMeta {
  oid: number;
  owner: string;
  comment: string | null;
  acl: AclEntry[] | null;
}

export interface ForeignDataObj {
  key: string;
  oid: number;
  fdKind: 'wrapper' | 'server' | 'user mapping';
  /** Wrapper or server name; for a user mapping, the server's. */
  name: string;
  /** Owner; for a user mapping, the user (null = PUBLIC). */
  owner: string | null;
  comment: string | null;
  acl: AclEntry[] | null;
  parts: Record<string, unknown>;
  options: string[] | null;
}

/** A privilege granted or revoked on a system object since initdb. */
export interface SystemPrivilege {
  /** e.g. `TABLE pg_catalog.pg_authid`, `FUNCTION pg_catalog.pg_ls_dir(text)`. */
  target: string;
  columnName: string | null;
  action: 'grant' | 'revoke';
  grantee: string | null;
  privilege: string;
  grantable: boolean;
}

export interface DefaultPrivilegeObj {
  key: string;
  oid: number;
  role: string;
  schema: string | null;
  objType: 'r' | 'S' | 'f' | 'T' | 'n' | 'L';
  acl: AclEntry[];
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
  collations: CollationObj[];
  ranges: RangeType[];
  baseTypes: BaseType[];
  operators: OperatorObj[];
  opFamilies: OpFamilyObj[];
  opClasses: OpClassObj[];
  casts: CastObj[];
  procedural: ProceduralObj[];
  textSearch: TextSearchObj[];
  relations: Relation[];
  indexes: IndexObj[];
  triggers: TriggerObj[];
  rules: RuleObj[];
  policies: PolicyObj[];
  statistics: StatisticsObj[];
  eventTriggers: EventTriggerObj[];
  publications: PublicationObj[];
  largeObjects: LargeObjectMeta[];
  /** Extensions' configuration tables and sequences. */
  extensionConfig: ExtensionConfigRelation[];
  foreignData: ForeignDataObj[];
  defaultPrivileges: DefaultPrivilegeObj[];
  systemPrivileges: SystemPrivilege[];
  /** [key, key it depends on] */
  depends: [string, string][];
  /** What needs single columns (read only when a selection leaves columns out). */
  columnDepends?: ColumnDependency[];
  skipped: SkippedObject[];
}

/** An object (key) that needs column `column` of relation `relOid`. */
export interface ColumnDependency {
  key: string;
  relOid: number;
  columnName: string;
}
