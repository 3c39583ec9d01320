/**
 * What verify compares under a selection: partitions follow a selected partitioned table (at
 * every level, in any schema) and so do inheritance children (the plan's rule) unless an exclude
 * list names them; sequences keep their own names' verdict, except that an owned sequence follows
 * its table. And
 * the SQL that hashes a row on each kind of server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scopeRules, sequencesInScope, tablesInScope } from '../../src/verify/verify-scope.js';
import type { VerifySequence, VerifyTable } from '../../src/verify/table-inventory.js';

const rel = (schema: string, name: string, relkind: VerifyTable['relkind'], parent?: string, isPartition = true): VerifyTable => ({
  id: `${schema}.${name}`, schema, name, relkind, isPartition: Boolean(parent) && isPartition,
  parents: parent ? [{ schema: parent.split('.')[0], name: parent.split('.')[1] }] : [],
  columns: [], key: [], estimatedRows: 0, readable: true,
});

const ALL = new Map([
  rel('app', 'events', 'p'),
  rel('app', 'events_eu', 'p', 'app.events'),
  rel('app', 'events_eu_2024', 'r', 'app.events_eu'),
  rel('archive', 'events_old', 'r', 'app.events'),
  rel('app', 'events_remote', 'f', 'app.events'),
  rel('app', 'base', 'r'),
  rel('app', 'child', 'r', 'app.base', false),
  rel('app', 'other', 'r'),
].map((t) => [t.id, t]));

const same = (schema: string, name: string) => ({ schema, name });
const ids = (sel: Parameters<typeof scopeRules>[0]) => [...tablesInScope(ALL, scopeRules(sel), same).keys()].sort();

describe('verify scope', () => {
  it('takes everything without a selection', () => {
    assert.equal(ids(undefined).length, ALL.size);
  });

  it('a selected partitioned table brings its partitions at every level and in any schema', () => {
    assert.deepEqual(ids({ includeTables: ['app.events'] }), ['app.events', 'app.events_eu', 'app.events_eu_2024', 'app.events_remote', 'archive.events_old']);
    assert.deepEqual(ids({ includeSchemas: ['app'], excludeTables: ['app.base', 'app.child', 'app.other'] }), ['app.events', 'app.events_eu', 'app.events_eu_2024', 'app.events_remote', 'archive.events_old']);
  });

  it('an exclude list still leaves a partition out, and a partition alone stands alone', () => {
    assert.deepEqual(ids({ includeTables: ['app.events'], excludeTables: ['app.events_eu'] }), ['app.events', 'app.events_remote', 'archive.events_old']);
    assert.deepEqual(ids({ includeTables: ['app.events'], excludeSchemas: ['archive'] }), ['app.events', 'app.events_eu', 'app.events_eu_2024', 'app.events_remote']);
    assert.deepEqual(ids({ includeTables: ['app.events_eu_2024'] }), ['app.events_eu_2024']);
  });

  it('inheritance children follow their parent, as the migration takes them', () => {
    assert.deepEqual(ids({ includeTables: ['app.base'] }), ['app.base', 'app.child']);
    assert.deepEqual(ids({ includeTables: ['app.base'], excludeTables: ['app.child'] }), ['app.base']);
    assert.deepEqual(ids({ includeTables: ['app.child'] }), ['app.child']);
  });

  it('an owned sequence follows its table; a free one goes by its name', () => {
    const seqs: VerifySequence[] = [
      { schema: 'app', name: 'base_id_seq', owner: { schema: 'app', name: 'base' }, readable: true },
      { schema: 'app', name: 'events_id_seq', owner: { schema: 'app', name: 'events' }, readable: true },
      { schema: 'app', name: 'free', owner: null, readable: true },
    ];
    const names = (sel: Parameters<typeof scopeRules>[0]) => {
      const rules = scopeRules(sel);
      return sequencesInScope(seqs, tablesInScope(ALL, rules, same), rules, same).map((q) => q.name);
    };
    assert.deepEqual(names({ includeTables: ['app.base', 'app.events'] }), ['base_id_seq', 'events_id_seq']);
    assert.deepEqual(names({ includeTables: ['app.free'] }), ['free']);
    assert.deepEqual(names({ excludeTables: ['app.base'] }), ['events_id_seq', 'free']);
  });
});
