// The YAML reader: which key a duplicate-key error names, and where locate() and sourceText() point.
import assert from 'node:assert/strict';
import { parseYaml } from '../../../src/config/yaml-source';

/** The text gives exactly one error, at the place and with the message `want` names, and no data. */
function expectOneError(text: string, want: string): void {
  const { source, diagnostics } = parseYaml('f.yaml', text);
  assert.deepEqual(
    diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`),
    [want],
  );
  assert.deepEqual(
    diagnostics.map((d) => [d.file, d.severity]),
    [['f.yaml', 'error']],
  );
  assert.equal(source.data, undefined, 'a file with errors yields no data');
}

describe('yaml source cases: parse errors', function () {
  const cases: [string, string, string][] = [
    ['plain duplicate', 'a: 1\na: 2\n', '2:1 duplicate key "a": it appears twice in the same mapping; keep one'],
    ['double-quoted key with a space', '"a b": 1\n"a b": 2\n', '2:1 duplicate key "a b": it appears twice in the same mapping; keep one'],
    ['double-quoted key with a colon', '"a:b": 1\n"a:b": 2\n', '2:1 duplicate key "a:b": it appears twice in the same mapping; keep one'],
    ['single-quoted key with a colon', "'c:d': 1\n'c:d': 2\n", '2:1 duplicate key "c:d": it appears twice in the same mapping; keep one'],
    ['nested duplicate before a comment', 'x:\n  k: 1\n  k: 2 # c\n', '3:3 duplicate key "k": it appears twice in the same mapping; keep one'],
    ['empty quoted key', 'x: 1\n"": 1\n"": 2\n', '3:1 duplicate key "": it appears twice in the same mapping; keep one'],
    [
      'syntax error keeps only the first line of the explanation',
      'a: b: c\n',
      '1:4 YAML syntax error: Nested mappings are not allowed in compact mappings at line 1, column 4:',
    ],
  ];
  for (const [name, text, want] of cases) it(name, () => expectOneError(text, want));

  it('aliases are resolved in the data', function () {
    assert.deepEqual(parseYaml('f.yaml', 'a: &x [1]\nb: *x\n').source.data, { a: [1], b: [1] });
  });
});

/** Nine levels of nine aliases each: 9^9 copies of "lol" once expanded. */
const billionLaughs = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
  .concat(Array.from({ length: 8 }, (_, i) => `${'bcdefghi'[i]}: &${'bcdefghi'[i]} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`))
  .join('\n');

describe('yaml source cases: what the parser throws instead of collecting is an error at the file and line', function () {
  const cases: [string, string, string][] = [
    [
      'a "billion laughs" document: at its first alias',
      billionLaughs,
      '2:8 YAML error: the aliases of this file, from *a on, expand too often (the limit is 1000 expansions; more is refused as a resource exhaustion attack, a "billion laughs" document); write the values out instead of nesting aliases',
    ],
    [
      'an alias to an anchor defined after it: at the alias',
      'b: *y\na: &y 1\n',
      '1:4 YAML error: alias *y names no anchor defined before it; define &y earlier in the file, or write the value out',
    ],
    [
      'an alias to no anchor at all: at the alias',
      'a: &x 1\nb:\n  - *z\n',
      '3:5 YAML error: alias *z names no anchor defined before it; define &z earlier in the file, or write the value out',
    ],
  ];
  for (const [name, text, want] of cases) it(name, () => expectOneError(text, want));

  it('hundreds of aliases of a small anchor are still read', function () {
    const text = `a: &x 1\nl: [${Array(500).fill('*x').join(', ')}]\n`;
    const { source, diagnostics } = parseYaml('f.yaml', text);
    assert.deepEqual(diagnostics, []);
    assert.equal((source.data as { l: number[] }).l.length, 500);
  });

  it('a key that is a list is no console warning without a file (the checks after the parser refuse such a key)', async function () {
    const emitted: unknown[] = [];
    const listener = (warning: unknown) => emitted.push(warning);
    process.on('warning', listener);
    try {
      const { source, diagnostics } = parseYaml('f.yaml', '? [a, b]\n: 1\n');
      assert.deepEqual(diagnostics, []);
      assert.deepEqual(source.data, { '[ a, b ]': 1 });
      // Node emits a warning on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(emitted, []);
    } finally {
      process.off('warning', listener);
    }
  });
});

describe('yaml source cases: locate and sourceText', function () {
  const { source } = parseYaml('f.yaml', 'm:\n  k: v\nl:\n  - one\n  - two\n');
  const cases: { path: (string | number)[]; key?: boolean; want: string }[] = [
    { path: ['m', 'k'], want: '2:6' },
    { path: ['m', 'k'], key: true, want: '2:3' },
    { path: ['m', 'zz'], key: true, want: '2:3' },
    { path: ['l', 1], want: '5:5' },
    { path: ['l', 1], key: true, want: '5:5' },
    { path: ['l', 5], want: '4:3' },
    { path: ['l', 'x'], want: '4:3' },
    { path: ['l', 'two'], want: '5:5' },
    { path: ['l', 'one'], key: true, want: '4:5' },
    { path: ['m', 0], want: '2:3' },
    { path: ['nope'], want: '1:1' },
    { path: ['m', 'k', 'deep'], key: true, want: '2:6' },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.path)}${c.key ? ' (key)' : ''} is at ${c.want}`, function () {
      const at = source.locate(c.path, c.key ? { key: true } : {});
      assert.equal(at.file, 'f.yaml');
      assert.equal(`${at.line}:${at.col}`, c.want);
    });
  }

  it('sourceText is the value as written, trimmed, or empty when there is none', function () {
    assert.equal(source.sourceText(['m', 'k']), 'v');
    assert.equal(source.sourceText(['l']), '- one\n  - two');
    assert.equal(source.sourceText(['m']), 'k: v');
    assert.equal(source.sourceText(['nope']), '');
    assert.equal(parseYaml('e.yaml', '').source.sourceText([]), '');
  });

  it('a key with an empty value: the key and the value have their own positions', function () {
    const { source: empty } = parseYaml('n.yaml', 'k:\n');
    assert.deepEqual(empty.locate(['k'], { key: true }), { file: 'n.yaml', line: 1, col: 1 });
    assert.deepEqual(empty.locate(['k']), { file: 'n.yaml', line: 1, col: 3 });
    assert.deepEqual(parseYaml('e.yaml', '').source.locate(['a']), { file: 'e.yaml', line: 1, col: 1 });
  });
});
