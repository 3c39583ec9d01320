/**
 * Extensions the target account may not create. A non-superuser may create an extension the
 * target marks trusted (13+) or that needs no superuser, with CREATE on the database; any other
 * must exist on the target already (CREATE EXTENSION IF NOT EXISTS then does nothing). An
 * extension the target does not offer at all is the extensions item's failure.
 */
import { displayIdent } from '../pg/quote.js';
import { type PrecheckCheck } from './precheck-model.js';

const title = 'Extensions the target account may create';

export const checkExtensionRights: PrecheckCheck = async ({ catalog, plan, targetContext }) => {
  const account = targetContext.account;
  const planned = new Set(plan.preData.filter((s) => s.kind === 'extension').map((s) => s.key));
  const extensions = catalog.extensions.filter((e) => planned.has(e.key));
  if (!extensions.length) return { id: 'extension-rights', title, status: 'pass', detail: 'the plan creates no extension' };
  if (account.superuser) return { id: 'extension-rights', title, status: 'pass', detail: `${account.user} is a superuser: it may create every extension` };
  const present = extensions.filter((e) => account.installedExtensions.has(e.name));
  const toCreate = extensions.filter((e) => !account.installedExtensions.has(e.name) && targetContext.extensions?.has(e.name) !== false);
  if (!account.installable)
    return { id: 'extension-rights', title, status: 'warn', detail: 'the target cannot list its available extensions, so whether they are trusted is unknown', fix: 'check by hand that the target role may create these extensions', objects: toCreate.map((e) => e.name) };
  // the version CREATE EXTENSION installs: the source's when offered, else the default
  const version = (name: string, source: string) => (targetContext.extensions?.get(name)?.includes(source) ? source : account.defaultVersions?.get(name) ?? source);
  const denied = toCreate.filter((e) => !account.installable!.get(e.name)?.has(version(e.name, e.version)));
  const noDatabase = account.createOnDatabase ? [] : toCreate.filter((e) => !denied.includes(e));
  if (!denied.length && !noDatabase.length) {
    const detail = [
      ...(toCreate.length ? [`${toCreate.length} trusted extension(s) ${account.user} may create: ${toCreate.map((e) => e.name).join(', ')}`] : []),
      ...(present.length ? [`${present.length} exist(s) on the target already: ${present.map((e) => e.name).join(', ')}`] : []),
    ].join('; ');
    return { id: 'extension-rights', title, status: 'pass', detail };
  }
  return {
    id: 'extension-rights',
    title,
    status: 'fail',
    detail: `${denied.length + noDatabase.length} extension(s) cannot be created by ${account.user}: ${denied.length ? 'not trusted on the target (only a superuser may create them)' : ''}${denied.length && noDatabase.length ? '; ' : ''}${noDatabase.length ? 'no CREATE on the database' : ''}`,
    fix: `have them created on the target database before the migration by a superuser (CREATE EXTENSION ...; on a managed service, through the provider's extension allow-list or its admin role)${noDatabase.length ? `, or GRANT CREATE ON DATABASE to ${displayIdent(account.user)}` : ''}; an extension that exists already is fine`,
    objects: [...denied.map((e) => `${e.name} ${version(e.name, e.version)}: not trusted`), ...noDatabase.map((e) => `${e.name}: no CREATE on the database`)],
  };
};
