import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { ERROR_CODES, ExitCode } from '../../src/errors.js';

const doc = fs.readFileSync(path.resolve(import.meta.dirname, '../../docs/errors.md'), 'utf8');

it('every error code and exit code is documented in docs/errors.md', () => {
  for (const code of Object.keys(ERROR_CODES)) assert.ok(doc.includes(`\`${code}\``), `${code} missing from docs/errors.md`);
  for (const [name, value] of Object.entries(ExitCode)) assert.match(doc, new RegExp(`\\| ${value} \\|`), `exit code ${name}=${value} missing`);
});
