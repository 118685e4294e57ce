// "Did you mean": the nearest name, and the list of what exists when nothing is near.
import assert from 'node:assert/strict';
import { closest, suggestion } from '../../../src/core/suggest';

describe('did you mean', function () {
  const cases: [string, string[], string | undefined][] = [
    ['cat', ['cut', 'cot'], 'cot'],
    ['cat', ['cot', 'cut'], 'cot'],
    ['development', ['dev'], 'dev'],
    ['prod', ['production'], 'production'],
    ['pr', ['production'], undefined],
    ['xy', ['xyzabcdefgh'], undefined],
    ['abcdefgh', ['ab'], undefined],
  ];
  for (const [word, candidates, want] of cases) it(`${word} among ${candidates.join(',')}`, () => assert.equal(closest(word, candidates), want));

  it('lists what exists when nothing is near, at most eight', () => {
    assert.equal(suggestion('zzzzzz', [], 'policies'), 'no policies is defined');
    assert.equal(suggestion('zzzzzz', ['a1', 'b1'], 'policies'), 'defined policies: "a1", "b1"');
    const eight = ['a1', 'b1', 'c1', 'd1', 'e1', 'f1', 'g1', 'h1'];
    assert.equal(suggestion('zzzzzz', eight, 'policies'), `defined policies: ${eight.map((c) => `"${c}"`).join(', ')}`);
    assert.equal(suggestion('zzzzzz', [...eight, 'i1'], 'policies'), `defined policies: ${eight.map((c) => `"${c}"`).join(', ')}, …`);
    assert.equal(suggestion('cot', ['cat'], 'policies'), 'did you mean "cat"?');
  });
});
