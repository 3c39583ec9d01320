import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dependencySort } from '../../src/ddl/dependency-sort.js';

const node = (key: string, priority: number) => ({ key, priority, name: key });

describe('dependency sort', () => {
  it('puts every object after what it depends on, then by priority and name', () => {
    const nodes = [node('view', 8), node('table', 7), node('func', 4), node('schema', 1)];
    const out = dependencySort(nodes, [['view', 'table'], ['table', 'func'], ['func', 'schema']]);
    assert.deepEqual(out.map((n) => n.key), ['schema', 'func', 'table', 'view']);
  });
  it('lets a dependency override the kind priority (function returning a table row type)', () => {
    const out = dependencySort([node('table', 7), node('func', 4)], [['func', 'table']]);
    assert.deepEqual(out.map((n) => n.key), ['table', 'func']);
  });
  it('breaks cycles instead of hanging, and keeps every node once', () => {
    const out = dependencySort([node('a', 1), node('b', 2), node('c', 3)], [['a', 'b'], ['b', 'a'], ['c', 'a']]);
    assert.deepEqual(out.map((n) => n.key).sort(), ['a', 'b', 'c']);
    assert.equal(out[2].key, 'c');
  });
  it('ignores edges to objects outside the set', () => {
    assert.deepEqual(dependencySort([node('x', 1)], [['x', 'elsewhere']]).map((n) => n.key), ['x']);
  });
});
