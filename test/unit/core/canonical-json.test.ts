// One text for one JSON value: what a signature covers and what a policy document is written as.
import assert from 'node:assert/strict';
import { canonicalJson } from '../../../src/core/canonical-json';

describe('canonical JSON', function () {
  const cases: [string, unknown, string][] = [
    ['sorts the keys of an object', { b: 1, a: 2 }, '{"a":2,"b":1}'],
    ['sorts the keys at every level, inside arrays too', { z: [{ y: 1, x: 2 }], a: { d: 1, c: 2 } }, '{"a":{"c":2,"d":1},"z":[{"x":2,"y":1}]}'],
    ['keeps the order of an array', [3, 1, 2], '[3,1,2]'],
    ['drops members whose value is undefined', { a: undefined, b: null }, '{"b":null}'],
    ['writes no whitespace', { a: 'x y' }, '{"a":"x y"}'],
    ['leaves scalars as they are', 'text', '"text"'],
  ];
  for (const [name, value, text] of cases) {
    it(name, () => assert.equal(canonicalJson(value), text));
  }

  it('gives the same text for the same value written in any key order', () => {
    const one = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: '*' }] };
    const other = { Statement: [{ Resource: '*', Action: ['s3:GetObject'], Effect: 'Allow' }], Version: '2012-10-17' };
    assert.equal(canonicalJson(one), canonicalJson(other));
    assert.notEqual(canonicalJson(one), canonicalJson({ ...other, Version: '2008-10-17' }));
  });
});
