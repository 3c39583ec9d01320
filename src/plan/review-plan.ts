/**
 * The plan for one source, without a target: what `pgferry schema` prints for review. Owners and
 * grants are kept for every role the source has (the target is not known), and `public` is taken
 * to exist already, as it does in a new database.
 */
import type { ConnInfo } from '../config/conninfo.js';
import { connect, serverVersionNum } from '../pg/connect.js';
import { prepareSourceSession } from '../pg/session.js';
import { readCatalog } from '../catalog/read-catalog.js';
import { buildPlan } from './build-plan.js';
import { needsColumnDepends } from './name-mapping.js';
import type { PlanInputs } from './plan-inputs.js';
import type { Plan } from './plan-model.js';
import { readSequenceValues, type SequenceValue } from './sequence-values.js';

/** Reads the source's catalog in one snapshot and plans a migration of all of it. */
export async function planFromSource(source: ConnInfo, opts: Pick<PlanInputs, 'publications' | 'noOwner' | 'noPrivileges' | 'selection' | 'mapping'>): Promise<{ plan: Plan; sourceVersion: number; sequenceValues: SequenceValue[] }> {
  const client = await connect(source, 'source');
  try {
    await prepareSourceSession(client, source.applicationName);
    const sourceVersion = await serverVersionNum(client);
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const cat = await readCatalog(client, sourceVersion, { columnDepends: needsColumnDepends(opts.selection, opts.mapping) });
    const roles = await client.query<{ me: string; roles: string[] }>('SELECT current_user AS me, array(SELECT rolname::text FROM pg_catalog.pg_roles) AS roles');
    const { me, roles: names } = roles.rows[0];
    const publicSchema = cat.schemas.find((s) => s.name === 'public');
    const plan = buildPlan(cat, {
      ownership: { applyOwners: !opts.noOwner, applyPrivileges: !opts.noPrivileges, targetUser: me, targetRoles: new Set(names) },
      targetSchemas: new Map([['public', publicSchema?.owner ?? me]]),
      publications: opts.publications,
      selection: opts.selection,
      mapping: opts.mapping,
    });
    const sequenceValues = await readSequenceValues(client, plan.sequences);
    await client.query('COMMIT');
    return { plan, sourceVersion, sequenceValues };
  } finally {
    await client.end().catch(() => {});
  }
}
