/** Option parsers: what each accepts, and that anything else is a usage error (commander's InvalidArgumentError). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { parsePort, passwordStdinOption } from '../../src/cli/flags.js';

describe('parsePort', () => {
  it('takes the integers 1 to 65535', () => {
    assert.deepEqual(['1', '80', '8432', '65535'].map(parsePort), [1, 80, 8432, 65535]);
  });

  it('refuses serve --port 70000, and every other thing that is not a port', () => {
    for (const bad of ['70000', '65536', '0', '-1', '', ' ', '80.5', '1e3', '0x50', ' 80', '80 ', 'abc', '99999999999', 'Infinity', 'NaN'])
      assert.throws(() => parsePort(bad), (e: unknown) => e instanceof InvalidArgumentError && /from 1 to 65535/.test(e.message), `"${bad}"`);
  });
});

describe('passwordStdinOption', () => {
  it('names the flag per side, and says which line the target reads', () => {
    assert.equal(passwordStdinOption('source')[0], '--source-password-stdin');
    assert.equal(passwordStdinOption('target')[0], '--target-password-stdin');
    assert.match(passwordStdinOption('target')[1], /the second when --source-password-stdin is given too/);
  });
});
