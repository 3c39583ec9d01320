/**
 * Runs every precheck item against a source and a target: connectivity and versions first (the
 * rest needs both connections), then the items that read the catalog, the plan and the target.
 */
import type { ConnInfo } from '../config/conninfo.js';
import { connect, serverVersionNum } from '../pg/connect.js';
import { prepareSourceSession } from '../pg/session.js';
import { testConnectivity } from '../pg/test-connectivity.js';
import { readCatalog } from '../catalog/read-catalog.js';
import { buildPlan } from '../plan/build-plan.js';
import { needsColumnDepends } from '../plan/name-mapping.js';
import type { PlanInputs } from '../plan/plan-inputs.js';
import { targetContext, targetPlanOptions } from '../plan/target-context.js';
import type { PrecheckCheck, PrecheckItem } from './precheck-model.js';
import { checkSourcePrivileges } from './check-source-privileges.js';
import { checkTargetPrivileges } from './check-target-privileges.js';
import { checkNameConflicts } from './check-name-conflicts.js';
import { checkMapping } from './check-mapping.js';
import { checkServerVersions, checkTargetSchemas } from './check-versions-and-schemas.js';
import { checkExtensions, checkPrimaryKeys, checkRoles, checkSelection, checkSkippedObjects, checkTargetVersionGaps } from './check-catalog-items.js';
import { checkEncoding, checkSpace } from './check-encoding-and-space.js';
import { checkStandbySource } from './check-standby-source.js';
import { checkExistingExtensions } from './check-existing-extensions.js';
import { checkAccountObjects } from './check-account-objects.js';
import { checkExtensionRights } from './check-extension-rights.js';
import { checkConnections } from './check-connections.js';
import { checkTargetSettings } from './check-target-settings.js';
import { INCREMENTAL_CHECKS } from './check-incremental.js';

const CHECKS: PrecheckCheck[] = [
  checkServerVersions, checkStandbySource, checkSourcePrivileges, checkTargetPrivileges, checkTargetSchemas, checkNameConflicts, checkSelection, checkExtensions, checkExtensionRights, checkExistingExtensions,
  checkTargetVersionGaps, checkRoles, checkAccountObjects, checkTargetSettings, checkConnections, checkEncoding, checkPrimaryKeys, checkSkippedObjects, checkSpace, checkMapping,
];

export interface PrecheckReport {
  /** No item failed (warnings allowed). */
  passed: boolean;
  items: PrecheckItem[];
}

/**
 * Every item, in order; a failed connection or version ends the list early. `inputs` are the
 * run's own (plan-inputs.ts), so the items judge the plan that run would execute.
 */
export async function runPrecheck(sourceInfo: ConnInfo, targetInfo: ConnInfo, inputs: PlanInputs): Promise<PrecheckReport> {
  const conn = await testConnectivity({ source: sourceInfo, target: targetInfo });
  // a server of an unsupported version did connect: that is the versions item's failure
  const version = conn.sides.find((s) => s.code === 'PGFERRY_E_VERSION');
  const items: PrecheckItem[] = conn.sides.map((s) =>
    s.passed || s.code === 'PGFERRY_E_VERSION'
      ? { id: `${s.side}-connectivity`, title: `${s.side === 'source' ? 'Source' : 'Target'} connectivity`, status: 'pass', detail: `${s.endpoint}: PostgreSQL ${s.serverVersion}, TLS ${s.tls ? 'on' : 'off'}` }
      : { id: `${s.side}-connectivity`, title: `${s.side === 'source' ? 'Source' : 'Target'} connectivity`, status: 'fail', detail: `${s.endpoint}: failed at ${s.failedStep}: ${s.message}`, fix: s.fix },
  );
  if (version) items.push({ id: 'versions', title: 'Server versions', status: 'fail', detail: `${version.side}: ${version.message}`, fix: version.fix });
  if (!conn.passed) return { passed: false, items };
  const [source, target] = await Promise.all([connect(sourceInfo, 'source'), connect(targetInfo, 'target')]);
  try {
    await prepareSourceSession(source, sourceInfo.applicationName);
    const [sourceVersion, targetVersion] = await Promise.all([serverVersionNum(source), serverVersionNum(target)]);
    await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const catalog = await readCatalog(source, sourceVersion, { columnDepends: needsColumnDepends(inputs.selection, inputs.mapping) });
    const ctx = await targetContext(target);
    // partitions selected alone are the selection item's failure, not the end of the precheck
    const plan = buildPlan(catalog, { ...targetPlanOptions(ctx, targetVersion, inputs), lonePartitions: 'leave-out' });
    // the catalog transaction set search_path for itself; the checks qualify what they read
    const { selection, mapping, jobs } = inputs;
    // an incremental run's items come after the others, so a full migration's report is unchanged
    const checks = inputs.incremental ? [...CHECKS, ...INCREMENTAL_CHECKS] : CHECKS;
    for (const check of checks) items.push(await check({ source, target, sourceVersion, targetVersion, catalog, plan, targetContext: ctx, selection, mapping, jobs, inputs, sourceInfo }));
    await source.query('COMMIT');
    return { passed: items.every((i) => i.status !== 'fail'), items };
  } finally {
    await Promise.all([source.end().catch(() => {}), target.end().catch(() => {})]);
  }
}
