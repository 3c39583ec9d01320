/**
 * The last post-data stage: objects that would act on pgferry's own work if they came earlier
 * (event triggers, publications), default privileges, and privileges on system objects.
 */
import type { SkippedObject } from '../catalog/model.js';
import { renderDefaultPrivileges, renderEventTrigger, renderPublication, renderSystemPrivileges } from '../ddl/render-database-objects.js';
import { displayIdent } from '../pg/quote.js';
import type { DdlStep } from './plan-model.js';
import type { PreDataGraph } from './pre-data-graph.js';
import type { PlanScope } from './plan-scope.js';

/**
 * The final steps, and what is skipped of them (publications without --publications, default
 * privileges of roles the target lacks). A publication's edges to its tables and schemas go
 * into `graph`, so that one skipped takes the publication along.
 */
export function finalSteps({ cat, opts, own }: PlanScope, graph: PreDataGraph): { steps: DdlStep[]; skips: SkippedObject[] } {
  const steps: DdlStep[] = [];
  const skips: SkippedObject[] = [];
  for (const e of cat.eventTriggers) steps.push({ key: e.key, kind: 'event trigger', name: displayIdent(e.name), sql: renderEventTrigger(e, own) });
  const schemaKeys = new Map(cat.schemas.map((s) => [s.name, s.key]));
  for (const p of cat.publications) {
    // a publication names its tables and schemas: one that is skipped (or fails) takes it along
    for (const m of p.members) {
      const to = m.memberKind === 'schema' ? schemaKeys.get(m.schema) : `pg_class:${m.relOid}`;
      if (to) graph.edges.push([p.key, to]);
    }
    if (opts.publications) steps.push({ key: p.key, kind: 'publication', name: displayIdent(p.name), sql: renderPublication(p, own) });
    else skips.push({ key: p.key, kind: 'publication', name: displayIdent(p.name), reason: 'publications are created only with --publications' });
  }
  for (const d of opts.ownership.applyPrivileges === false ? [] : cat.defaultPrivileges) {
    if (!own.targetRoles.has(d.role)) {
      skips.push({ key: d.key, kind: 'default privileges', name: `for role ${d.role}`, reason: `role ${d.role} does not exist on the target` });
      continue;
    }
    const sql = renderDefaultPrivileges(d, own.targetRoles, own.sourceMajor);
    if (sql.length) steps.push({ key: d.key, kind: 'default privileges', name: `for role ${displayIdent(d.role)}${d.schema !== null ? ` in schema ${displayIdent(d.schema)}` : ''}`, sql });
  }
  const byTarget = new Map<string, typeof cat.systemPrivileges>();
  for (const c of cat.systemPrivileges) byTarget.set(c.target, [...(byTarget.get(c.target) ?? []), c]);
  for (const [target, changes] of opts.ownership.applyPrivileges === false ? [] : byTarget) {
    const sql = renderSystemPrivileges(changes, own.targetRoles);
    if (sql.length) steps.push({ key: `system-privileges:${target}`, kind: 'privileges on', name: target, sql });
  }
  return { steps, skips };
}
