/** DDL for functions, procedures and aggregates. */
import type { AggregateObj, FunctionObj } from '../catalog/model.js';
import { literal, qualified } from '../pg/quote.js';
import { commentOn, ownerAndPrivileges, type OwnershipContext } from './common.js';

function signature(o: { schema: string; name: string; identityArgs: string }): string {
  return `${qualified(o.schema, o.name)}(${o.identityArgs})`;
}

/** The server's own CREATE OR REPLACE text (pg_get_functiondef), then owner, privileges, comment. */
export function renderFunction(f: FunctionObj, ctx: OwnershipContext): string[] {
  const kind = f.kind === 'p' ? 'PROCEDURE' : 'FUNCTION';
  const sig = signature(f);
  return [f.definition!.trim(), ...ownerAndPrivileges(`${kind} ${sig}`, f, ctx), ...commentOn(`${kind} ${sig}`, f.comment)];
}

/** CREATE AGGREGATE with every option the source aggregate sets. */
export function renderAggregate(a: AggregateObj, ctx: OwnershipContext): string[] {
  const opts: string[] = [`SFUNC = ${a.sfunc}`, `STYPE = ${a.stype}`];
  if (a.sspace !== null) opts.push(`SSPACE = ${a.sspace}`);
  if (a.finalfunc) opts.push(`FINALFUNC = ${a.finalfunc}`);
  if (a.finalfuncExtra) opts.push('FINALFUNC_EXTRA');
  const modify = (m: string | null, def: string) =>
    m && m !== def ? ({ r: 'READ_ONLY', s: 'SHAREABLE', w: 'READ_WRITE' } as Record<string, string>)[m] : null;
  const fm = modify(a.finalfuncModify, a.aggKind === 'n' ? 'r' : 'w');
  if (fm) opts.push(`FINALFUNC_MODIFY = ${fm}`);
  if (a.combinefunc) opts.push(`COMBINEFUNC = ${a.combinefunc}`);
  if (a.serialfunc) opts.push(`SERIALFUNC = ${a.serialfunc}`);
  if (a.deserialfunc) opts.push(`DESERIALFUNC = ${a.deserialfunc}`);
  if (a.initcond !== null) opts.push(`INITCOND = ${literal(a.initcond)}`);
  if (a.msfunc) opts.push(`MSFUNC = ${a.msfunc}`);
  if (a.minvfunc) opts.push(`MINVFUNC = ${a.minvfunc}`);
  if (a.mstype) opts.push(`MSTYPE = ${a.mstype}`);
  if (a.msspace !== null) opts.push(`MSSPACE = ${a.msspace}`);
  if (a.mfinalfunc) opts.push(`MFINALFUNC = ${a.mfinalfunc}`);
  if (a.mfinalfuncExtra) opts.push('MFINALFUNC_EXTRA');
  const mfm = modify(a.mfinalfuncModify, a.aggKind === 'n' ? 'r' : 'w');
  if (mfm) opts.push(`MFINALFUNC_MODIFY = ${mfm}`);
  if (a.minitcond !== null) opts.push(`MINITCOND = ${literal(a.minitcond)}`);
  if (a.sortop) opts.push(`SORTOP = ${a.sortop}`);
  if (a.aggKind === 'h') opts.push('HYPOTHETICAL');
  if (a.parallel === 's') opts.push('PARALLEL = SAFE');
  else if (a.parallel === 'r') opts.push('PARALLEL = RESTRICTED');
  const sig = `${qualified(a.schema, a.name)}(${a.identityArgs || '*'})`;
  return [
    `CREATE AGGREGATE ${qualified(a.schema, a.name)}(${a.args || '*'}) (${opts.join(', ')})`,
    ...ownerAndPrivileges(`AGGREGATE ${sig}`, a, ctx, `FUNCTION ${sig}`),
    ...commentOn(`AGGREGATE ${sig}`, a.comment),
  ];
}
