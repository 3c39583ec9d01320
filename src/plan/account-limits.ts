/**
 * What a target account that is not a superuser cannot create, known before anything runs:
 * such objects are skipped with the reason (as C-language functions are), so that a run ends
 * "completed with skipped objects" instead of meeting refusals halfway. Where a smaller
 * statement does what the account may do, it is used instead and noted (a function loses
 * LEAKPROOF, which only a superuser may set).
 */
import type { Catalog, FunctionObj, SkippedObject } from '../catalog/model.js';
import type { TargetAccount } from '../pg/target-account.js';
import { displayIdent, displayName } from '../pg/quote.js';

const SUPERUSER = 'needs a superuser on the target';

/** The objects of `cat` the account cannot create, each with its reason (none for a superuser). */
export function accountSkips(cat: Catalog, account: TargetAccount | undefined, opts: { publications?: boolean; applyPrivileges: boolean }): SkippedObject[] {
  if (!account || account.superuser) return [];
  const who = `${displayIdent(account.user)} is not one`;
  const out: SkippedObject[] = [];
  const skip = (key: string, kind: string, name: string, why: string) => out.push({ key, kind, name, reason: `${why} (${who})` });
  for (const e of cat.eventTriggers) skip(e.key, 'event trigger', displayIdent(e.name), `creating an event trigger ${SUPERUSER}`);
  for (const o of cat.procedural) {
    if (o.procKind === 'language') skip(o.key, 'language', displayIdent(o.name), `creating a procedural language ${SUPERUSER}`);
    else if (o.procKind === 'access method') skip(o.key, 'access method', displayIdent(o.name), `creating an access method ${SUPERUSER}`);
  }
  for (const f of cat.functions) {
    // the target's own language (internal, or one an extension made there) tells whether it is trusted
    if (account.languages.get(f.language) === false)
      skip(f.key, f.kind === 'p' ? 'procedure' : 'function', `${displayName(f.schema, f.name)}(${f.identityArgs})`, `language ${f.language} is untrusted: creating a function in it ${SUPERUSER}`);
  }
  for (const t of cat.baseTypes) if (t.defined) skip(t.key, 'base type', displayName(t.schema, t.name), `creating a base type ${SUPERUSER}`);
  for (const g of cat.aggregates) {
    if (g.stype === 'internal' || g.mstype === 'internal')
      skip(g.key, 'aggregate', `${displayName(g.schema, g.name)}(${g.identityArgs})`, `an aggregate whose state type is internal ${SUPERUSER}`);
  }
  for (const f of cat.opFamilies) skip(f.key, 'operator family', `${displayName(f.schema, f.name)} USING ${f.method}`, `creating an operator family ${SUPERUSER}`);
  for (const c of cat.opClasses) skip(c.key, 'operator class', `${displayName(c.schema, c.name)} USING ${c.method}`, `creating an operator class ${SUPERUSER}`);
  for (const t of cat.textSearch) {
    if (t.tsKind === 'parser' || t.tsKind === 'template') skip(t.key, `text search ${t.tsKind}`, displayName(t.schema, t.name), `creating a text search ${t.tsKind} ${SUPERUSER}`);
  }
  for (const f of cat.foreignData) {
    if (f.fdKind === 'wrapper') skip(f.key, 'foreign-data wrapper', displayIdent(f.name), `creating a foreign-data wrapper ${SUPERUSER}`);
  }
  const wrappers = new Set(cat.foreignData.filter((f) => f.fdKind === 'wrapper').map((f) => f.name));
  for (const f of cat.foreignData) {
    const wrapper = String((f.parts as { wrapper?: string }).wrapper ?? '');
    // a wrapper the plan creates is skipped above (its servers follow); one of the target's needs USAGE
    if (f.fdKind === 'server' && !wrappers.has(wrapper) && !account.usableWrappers.has(wrapper))
      out.push({ key: f.key, kind: 'foreign server', name: displayIdent(f.name), reason: `${displayIdent(account.user)} has no USAGE on foreign-data wrapper ${displayIdent(wrapper)} on the target (GRANT USAGE ON FOREIGN DATA WRAPPER ${displayIdent(wrapper)} TO ${displayIdent(account.user)}, or create the server as a superuser)` });
  }
  out.push(...castSkips(cat, who));
  for (const p of opts.publications ? cat.publications : []) {
    if (p.raw.puballtables === true || p.members.some((m) => m.memberKind === 'schema'))
      skip(p.key, 'publication', displayIdent(p.name), `a publication FOR ALL TABLES or FOR TABLES IN SCHEMA ${SUPERUSER}`);
  }
  if (opts.applyPrivileges) {
    for (const d of cat.defaultPrivileges) {
      if (account.roles.has(d.role) && !account.defaultPrivilegeRoles.has(d.role))
        out.push({ key: d.key, kind: 'default privileges', name: `for role ${displayIdent(d.role)}`, reason: `${displayIdent(account.user)} may not change the default privileges of role ${displayIdent(d.role)} (it is not a member of it)` });
    }
    for (const target of new Set(cat.systemPrivileges.map((c) => c.target)))
      skip(`system-privileges:${target}`, 'privileges on', target, `changing privileges on objects of pg_catalog or of extensions ${SUPERUSER}, who owns them`);
  }
  return out;
}

/**
 * CREATE CAST needs the account to own the source or the target type (a type the plan creates,
 * or a table's row type: it depends on one), and WITHOUT FUNCTION needs a superuser.
 */
function castSkips(cat: Catalog, who: string): SkippedObject[] {
  const created = new Set([
    ...[...cat.enums, ...cat.composites, ...cat.domains, ...cat.ranges, ...cat.baseTypes].map((t) => t.key),
    ...cat.relations.map((r) => r.key),
  ]);
  const needs = new Map<string, string[]>();
  for (const [from, to] of cat.depends) needs.set(from, [...(needs.get(from) ?? []), to]);
  const out: SkippedObject[] = [];
  for (const c of cat.casts) {
    const name = `(${c.sourceType} AS ${c.targetType})`;
    if (c.method === 'b') out.push({ key: c.key, kind: 'cast', name, reason: `a cast WITHOUT FUNCTION ${SUPERUSER} (${who})` });
    else if (!(needs.get(c.key) ?? []).some((k) => created.has(k)))
      out.push({ key: c.key, kind: 'cast', name, reason: `creating a cast between types the target account does not own (built-in or an extension's) ${SUPERUSER} (${who})` });
  }
  return out;
}

/**
 * The function as the account may create it: without LEAKPROOF (it only lets the planner push the
 * function below security barriers) and without SUPPORT (a planner helper that only refines
 * estimates), both of which only a superuser may set; the function works the same without them.
 * `note` hears what was dropped. Returns the function unchanged when there is nothing to drop.
 */
export function asAccountMay(f: FunctionObj, account: TargetAccount | undefined, note: (text: string) => void): FunctionObj {
  if (!account || account.superuser || f.definition === null) return f;
  const lines = f.definition.split('\n');
  const dropped: string[] = [];
  // the header lines start with a space; the body is the first line that does not (after line 0);
  // the attributes line (volatility ... LEAKPROOF COST ROWS SUPPORT) is the one that is none of these
  for (let i = 1; i < lines.length && lines[i].startsWith(' '); i++) {
    if (/^ (RETURNS|LANGUAGE|TRANSFORM|SET) /.test(lines[i])) continue;
    if (/ LEAKPROOF( |$)/.test(lines[i])) {
      lines[i] = lines[i].replace(/ LEAKPROOF( |$)/, '$1');
      dropped.push('LEAKPROOF');
    }
    // SUPPORT comes last on the line, its function's name as the server prints it
    if (/ SUPPORT \S/.test(lines[i])) {
      lines[i] = lines[i].replace(/ SUPPORT \S.*$/, '');
      dropped.push('SUPPORT');
    }
  }
  if (!dropped.length) return f;
  note(`${f.kind === 'p' ? 'procedure' : 'function'} ${displayName(f.schema, f.name)}(${f.identityArgs}) is created without ${dropped.join(' and ')}: only a superuser may set ${dropped.length > 1 ? 'them' : 'it'} (${displayIdent(account.user)} is not one)`);
  return { ...f, definition: lines.join('\n') };
}
