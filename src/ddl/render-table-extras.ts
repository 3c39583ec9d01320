/** DDL for rules, row-level security, policies and extended statistics (after the data). */
import type { PolicyObj, Relation, RuleObj, StatisticsObj } from '../catalog/model.js';
import { ident, qualified } from '../pg/quote.js';
import { commentOn, inSchema, ownerTo, stripSemicolon, type OwnershipContext } from './common.js';

const STATE: Record<string, string> = { D: 'DISABLE', R: 'ENABLE REPLICA', A: 'ENABLE ALWAYS' };

/** CREATE RULE (the server's own text), then its enabled state when not the default. */
export function renderRule(r: RuleObj): string[] {
  const q = qualified(r.schema, r.table);
  return [
    stripSemicolon(r.definition),
    ...(STATE[r.enabled] ? [`ALTER TABLE ${q} ${STATE[r.enabled]} RULE ${ident(r.name)}`] : []),
    ...commentOn(`RULE ${ident(r.name)} ON ${q}`, r.comment),
  ];
}

/** ENABLE / FORCE ROW LEVEL SECURITY, once the data is in. */
export function renderRowSecurity(t: Relation): string[] {
  const q = qualified(t.schema, t.name);
  return [
    ...(t.rowSecurity ? [`ALTER TABLE ${q} ENABLE ROW LEVEL SECURITY`] : []),
    ...(t.forceRowSecurity ? [`ALTER TABLE ${q} FORCE ROW LEVEL SECURITY`] : []),
  ];
}

const COMMAND: Record<string, string> = { r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE', '*': 'ALL' };

/** CREATE POLICY; roles are names that exist on the target (the caller checks). */
export function renderPolicy(p: PolicyObj): string[] {
  const q = qualified(p.schema, p.table);
  let sql = `CREATE POLICY ${ident(p.name)} ON ${q}`;
  if (!p.permissive) sql += ' AS RESTRICTIVE';
  sql += ` FOR ${COMMAND[p.command]}`;
  sql += ` TO ${p.roles.map((r) => (r === null ? 'PUBLIC' : ident(r))).join(', ')}`;
  if (p.usingExpr !== null) sql += ` USING (${p.usingExpr})`;
  if (p.checkExpr !== null) sql += ` WITH CHECK (${p.checkExpr})`;
  return [sql, ...commentOn(`POLICY ${ident(p.name)} ON ${q}`, p.comment)];
}

/** CREATE STATISTICS (the server's own text), its statistics target, owner and comment. */
export function renderStatistics(s: StatisticsObj, ctx: OwnershipContext): string[] {
  const q = qualified(s.schema, s.name);
  return [
    stripSemicolon(s.definition),
    ...(s.statTarget !== null ? [`ALTER STATISTICS ${q} SET STATISTICS ${s.statTarget}`] : []),
    ...ownerTo(`STATISTICS ${q}`, s.owner, ctx, inSchema(s.schema), s.key),
    ...commentOn(`STATISTICS ${q}`, s.comment),
  ];
}
