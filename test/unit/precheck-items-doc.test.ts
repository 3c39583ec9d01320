/**
 * docs/precheck-items.md lists exactly the precheck item ids of the code: PRECHECK_ITEM_IDS,
 * which the type of PrecheckItem.id holds every check to (npm run lint), and which in turn
 * names no id the checks cannot produce.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { PRECHECK_ITEM_IDS } from '../../src/precheck/precheck-model.js';

const root = path.resolve(import.meta.dirname, '../..');
const doc = fs.readFileSync(path.join(root, 'docs/precheck-items.md'), 'utf8');

/** The ids in the first column of the doc's table rows (`| \`id\` (title) | ...`). */
const documented = [...doc.matchAll(/^\| `([a-z0-9-]+)`/gm)].map((m) => m[1]);

it('docs/precheck-items.md has one row per precheck item id, no more', () => {
  const ids = new Set<string>(PRECHECK_ITEM_IDS);
  assert.equal(ids.size, PRECHECK_ITEM_IDS.length, 'PRECHECK_ITEM_IDS has a duplicate');
  assert.deepEqual(documented.filter((id, i) => documented.indexOf(id) !== i), [], 'ids documented twice');
  assert.deepEqual(PRECHECK_ITEM_IDS.filter((id) => !documented.includes(id)), [], 'ids missing from docs/precheck-items.md');
  assert.deepEqual(documented.filter((id) => !ids.has(id)), [], 'ids in docs/precheck-items.md that the code does not have');
});

it('every id of PRECHECK_ITEM_IDS is produced by a check in src/precheck', () => {
  const dir = path.join(root, 'src/precheck');
  const code = fs.readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'precheck-model.ts').map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
  // an id is a string literal in a check, or (the connectivity items) `${s.side}-connectivity`
  const produced = (id: string) => code.includes(`'${id}'`) || (/^(source|target)-/.test(id) && code.includes(`}-${id.replace(/^(source|target)-/, '')}\``));
  assert.deepEqual(PRECHECK_ITEM_IDS.filter((id) => !produced(id)), [], 'ids no check produces');
});
