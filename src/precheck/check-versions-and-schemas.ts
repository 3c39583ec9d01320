/** Server versions pgferry supports, and the schemas the migration creates or uses on the target. */
import { checkVersions } from '../plan/target-context.js';
import { PgferryError } from '../errors.js';
import { displayIdent } from '../pg/quote.js';
import { NameMapper } from '../plan/name-mapping.js';
import { type PrecheckCheck } from './precheck-model.js';

const major = (n: number) => Math.floor(n / 10000);

export const checkServerVersions: PrecheckCheck = async ({ sourceVersion, targetVersion }) => {
  const title = 'Server versions';
  try {
    checkVersions(sourceVersion, targetVersion);
  } catch (err) {
    if (!(err instanceof PgferryError)) throw err;
    return { id: 'versions', title, status: 'fail', detail: `${err.object}: ${err.message}`, fix: err.fix };
  }
  const detail = `source PostgreSQL ${major(sourceVersion)}, target PostgreSQL ${major(targetVersion)}`;
  return major(targetVersion) > major(sourceVersion)
    ? { id: 'versions', title, status: 'pass', detail: `${detail}: an upgrade; objects the newer version lacks are listed under 'Objects the target version lacks'` }
    : { id: 'versions', title, status: 'pass', detail: `${detail}: the same major version` };
};

export const checkTargetSchemas: PrecheckCheck = async ({ plan, targetContext, mapping }) => {
  const mapper = new NameMapper(mapping);
  const schemas = plan.preData.filter((s) => s.kind === 'schema').map((s) => s.name.replace(/^"(.*)"$/, '$1').replace(/""/g, '"'));
  const existing = schemas.filter((s) => targetContext.schemas.has(s));
  const created = schemas.filter((s) => !targetContext.schemas.has(s));
  const label = (s: string) => (mapper.schema(s) === s ? displayIdent(s) : `${displayIdent(s)} (renamed to ${displayIdent(mapper.schema(s))} at the end)`);
  return {
    id: 'target-schemas',
    title: 'Target schemas',
    status: 'pass',
    detail: `${created.length} schema(s) will be created${existing.length ? `; ${existing.length} exist(s) already and will be used (owner, privileges and comment taken from the source)` : ''}`,
    objects: [...created.map((s) => `create ${label(s)}`), ...existing.map((s) => `use existing ${label(s)}`)],
  };
};
