/**
 * What decides the plan, taken from a task spec: the one way from any entry point (migrate,
 * schema, precheck, a task, the API) to the plan, so that a precheck judges exactly the plan its
 * run would execute.
 */
import { defaultJobs } from '../config/jobs.js';
import type { SpecBody } from '../config/task-spec.js';
import type { Catalog } from '../catalog/model.js';
import { missingRoles } from '../catalog/roles.js';
import type { NameMapping } from './name-mapping.js';
import type { Selection } from './selection.js';
import type { TargetContext } from './target-context.js';

export interface PlanInputs {
  schemaOnly: boolean;
  publications: boolean;
  /** Objects belong to the target user; no ALTER ... OWNER. */
  noOwner: boolean;
  /** No GRANT/REVOKE, no default privileges. */
  noPrivileges: boolean;
  selection: Selection;
  mapping: NameMapping;
  /** The jobs the run starts with (the precheck counts its sessions). */
  jobs: number;
  /** Keep the target in step through logical decoding after the copy, until cutover. */
  incremental: boolean;
  /** Incremental: set REPLICA IDENTITY FULL on selected source tables that have no identity. */
  setReplicaIdentityFull: boolean;
  /** Incremental: a publication the owner created, used instead of pgferry's own. */
  publication?: string;
  /** Incremental: how many slots (lanes) the stream reads at once. */
  streamLanes: number;
}

export function planInputs(spec: SpecBody): PlanInputs {
  return {
    schemaOnly: spec.migration === 'schema',
    publications: spec.options.publications,
    noOwner: !spec.options.owner,
    noPrivileges: !spec.options.privileges,
    selection: spec.objects,
    mapping: spec.mapping,
    jobs: spec.options.jobs ?? defaultJobs(),
    // a task stored before incremental existed has neither field
    incremental: Boolean(spec.incremental),
    setReplicaIdentityFull: Boolean(spec.options.setReplicaIdentityFull),
    publication: spec.options.publication,
    streamLanes: spec.options.streamLanes ?? 1,
  };
}

/**
 * Roles the source's objects name that the target lacks and that the run would need: none when
 * neither owners nor privileges are applied (the run and its precheck ask the same question).
 */
export function neededMissingRoles(cat: Catalog, ctx: TargetContext, inputs: Pick<PlanInputs, 'noOwner' | 'noPrivileges'>): string[] {
  return inputs.noOwner && inputs.noPrivileges ? [] : missingRoles(cat, ctx.ownership.targetRoles);
}
