/** Database encoding and collation on both sides, and the space the data needs. */
import type { PrecheckCheck } from './precheck-model.js';

const SETTINGS = "SELECT pg_catalog.pg_encoding_to_char(d.encoding) AS encoding, d.datcollate AS collate, d.datctype AS ctype FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()";

export const checkEncoding: PrecheckCheck = async ({ source, target }) => {
  const [s, t] = await Promise.all([source.query(SETTINGS), target.query(SETTINGS)]);
  const a = s.rows[0] as { encoding: string; collate: string; ctype: string };
  const b = t.rows[0] as { encoding: string; collate: string; ctype: string };
  const problems: string[] = [];
  if (a.encoding !== b.encoding) problems.push(`encoding ${a.encoding} on the source, ${b.encoding} on the target`);
  if (a.collate !== b.collate || a.ctype !== b.ctype) problems.push(`collation ${a.collate}/${a.ctype} on the source, ${b.collate}/${b.ctype} on the target`);
  if (!problems.length) return { id: 'encoding', title: 'Encoding and collation', status: 'pass', detail: `${a.encoding}, ${a.collate}/${a.ctype} on both sides` };
  const badEncoding = a.encoding !== b.encoding && b.encoding !== 'UTF8';
  return {
    id: 'encoding',
    title: 'Encoding and collation',
    status: badEncoding ? 'fail' : 'warn',
    detail: problems.join('; ') + (badEncoding ? ': text the target encoding cannot hold will fail to load' : ': text sorts and compares differently, indexes on text are rebuilt in the target\'s order'),
    fix: 'create the target database with the same settings: CREATE DATABASE ... ENCODING ... LC_COLLATE ... LC_CTYPE ... TEMPLATE template0',
  };
};

export const checkSpace: PrecheckCheck = async ({ plan }) => {
  const bytes = plan.units.reduce((a, u) => a + u.bytes, 0);
  const size = bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GB` : `${Math.ceil(bytes / 1024 ** 2)} MB`;
  return {
    id: 'space',
    title: 'Space on the target',
    status: 'warn',
    detail: `the tables hold ${size} on the source (indexes come on top); the free space of the target's disk cannot be read through SQL`,
    fix: `make sure the target has at least ${size} free for the data, plus room for indexes and WAL`,
  };
};
