/**
 * NOT NULL in CREATE TABLE. From PostgreSQL 18 a column's NOT NULL is a named constraint, which a
 * table declares itself or only inherits from its parents (a partition made by PARTITION OF
 * carries its parent's name, not `<partition>_<column>_not_null`). The name is written out
 * whenever the source has one, so the target gets the source's; a source older than 18 has none,
 * and the target names its NOT NULL as pg_dump | pg_restore would make it.
 */
import type { Column } from '../catalog/model.js';
import { ident } from '../pg/quote.js';
import { commentOn } from './common.js';

/** The column clause: ` CONSTRAINT "name" NOT NULL [NO INHERIT]` (18+), or ` NOT NULL` when the source names none. */
export function notNullClause(c: Column): string {
  const nn = c.notNullConstraint;
  if (!nn) return ' NOT NULL';
  return ` CONSTRAINT ${ident(nn.name)} NOT NULL${nn.noInherit ? ' NO INHERIT' : ''}`;
}

/**
 * Whether an inheritance child declares a column's (valid) NOT NULL itself, given that column in
 * its parents: an inherited one comes with CREATE TABLE ... INHERITS, under the parent's name.
 * Before 18 nothing records it: like pg_dump, it counts as inherited when a parent has one. From
 * 18, a child's own, or one no parent has valid (the parents' are all NOT VALID), as pg_dump prints it.
 */
export function declaresNotNull(c: Column, fromParents: Column[]): boolean {
  if (!c.notNull) return false;
  const parentsHaveIt = fromParents.some((pc) => pc.notNull);
  return c.notNullConstraint ? c.notNullConstraint.isLocal || !parentsHaveIt : !parentsHaveIt;
}

/**
 * The table constraint `CONSTRAINT "name" NOT NULL "column" [NO INHERIT]` (18+) for a column
 * whose definition comes from elsewhere (a parent, the row type of a typed table). A column that
 * already inherits a NOT NULL takes no second one through ALTER TABLE; in CREATE TABLE the two merge.
 */
export function notNullTableConstraint(c: Column): string {
  const nn = c.notNullConstraint!;
  return `CONSTRAINT ${ident(nn.name)} NOT NULL ${ident(c.name)}${nn.noInherit ? ' NO INHERIT' : ''}`;
}

/** COMMENT ON CONSTRAINT for the NOT NULL constraints of `columns` that have one (18+). */
export function notNullComments(table: string, columns: Column[]): string[] {
  return columns.flatMap((c) => (c.notNull && c.notNullConstraint ? commentOn(`CONSTRAINT ${ident(c.notNullConstraint.name)} ON ${table}`, c.notNullConstraint.comment) : []));
}
