/** Option parsers: what each accepts, and that anything else is a usage error (commander's InvalidArgumentError). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { Command } from 'commander';
import { parsePort, passwordStdinOption, specWithFlags, withIncrementalOptions, withSelectionOptions, type SpecFlags } from '../../src/cli/flags.js';
import { parseSpecBody } from '../../src/config/task-spec.js';

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

describe('incremental flags', () => {
  /** The spec body `args` make, through the options and specWithFlags as migrate/precheck/task create use them. */
  const specOf = (args: string[], base: Record<string, unknown> = { migration: 'full' }) => {
    const cmd = withIncrementalOptions(withSelectionOptions(new Command('x'))).exitOverride();
    cmd.parse(args, { from: 'user' });
    return parseSpecBody(specWithFlags(base, cmd.opts() as SpecFlags));
  };

  it('--incremental, --set-replica-identity-full and --publication land in the spec', () => {
    const spec = specOf(['--incremental', '--set-replica-identity-full', '--publication', 'Shop "Pub"']);
    assert.equal(spec.incremental, true);
    assert.equal(spec.options.setReplicaIdentityFull, true);
    assert.equal(spec.options.publication, 'Shop "Pub"');
  });

  it('without them the spec is not incremental, and a task file\'s settings stay', () => {
    const plain = specOf([]);
    assert.deepEqual([plain.incremental, plain.options.setReplicaIdentityFull, plain.options.publication], [false, false, undefined]);
    const fromFile = specOf([], { migration: 'full', incremental: true, options: { publication: 'from_file' } });
    assert.deepEqual([fromFile.incremental, fromFile.options.publication], [true, 'from_file']);
    assert.equal(specOf(['--publication', 'flag'], { migration: 'full', options: { publication: 'from_file' } }).options.publication, 'flag');
  });

  it('--incremental with a schema migration is refused by the spec', () => {
    assert.throws(() => specOf(['--incremental'], { migration: 'schema' }), /incremental needs migration full/);
  });
});
