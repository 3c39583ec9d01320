/**
 * What the target account cannot create because it is not a superuser (event triggers,
 * procedural languages, functions in untrusted languages, operator classes, casts between types
 * it does not own...), and what the plan does instead where it can (LEAKPROOF dropped, an
 * existing schema left as it is). The run skips exactly these objects, with the same reasons,
 * and ends "completed with skipped objects" (exit 7).
 */
import { type PrecheckCheck } from './precheck-model.js';
import { rootCauses } from './skip-causes.js';

const title = 'What the target account may create';

export const checkAccountObjects: PrecheckCheck = async ({ plan }) => {
  const a = plan.account;
  if (!a) return { id: 'account-objects', title, status: 'pass', detail: 'no target account to ask' };
  const keys = new Set(a.skippedKeys);
  const root = rootCauses(plan.skipped);
  const skipped = plan.skipped.filter((s) => keys.has(root(s).key ?? ''));
  if (!skipped.length && !a.notes.length)
    return { id: 'account-objects', title, status: 'pass', detail: a.superuser ? `${a.user} is a superuser: it may create every object` : `${a.user} may create every object of the plan` };
  return {
    id: 'account-objects',
    title,
    status: 'warn',
    detail: [
      ...(skipped.length ? [`${skipped.length} object(s) will be skipped: they need a superuser (or a right ${a.user} lacks) on the target, or depend on such an object`] : []),
      ...(a.notes.length ? [`${a.notes.length} statement(s) are changed or left out to fit what ${a.user} may do`] : []),
    ].join('; '),
    fix: 'create the skipped objects on the target as a superuser after the migration (or run it as one); the others need nothing',
    objects: [...skipped.map((s) => `${s.kind} ${s.name}: ${s.reason}`), ...a.notes],
  };
};
