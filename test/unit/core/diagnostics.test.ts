// Diagnostics in the order people read them, repeats dropped, and counted by kind in kind order.
import assert from 'node:assert/strict';
import { countByKind, sortDiagnostics, type Diagnostic } from '../../../src/core/diagnostics';

const d = (file: string, line: number, col: number, severity: Diagnostic['severity'], message: string, kind?: string): Diagnostic => ({
  file,
  line,
  col,
  severity,
  message,
  ...(kind ? { kind } : {}),
});

describe('diagnostics: order and counts', function () {
  it('by file, line, column, severity, message; an exact repeat once', () => {
    const input = [
      d('b.yaml', 1, 1, 'error', 'x'),
      d('a.yaml', 9, 1, 'error', 'x'),
      d('a.yaml', 2, 5, 'note', 'x'),
      d('a.yaml', 2, 5, 'error', 'x'),
      d('a.yaml', 2, 3, 'warning', 'x'),
      d('a.yaml', 2, 5, 'error', 'x'),
      d('a.yaml', 2, 5, 'warning', 'x'),
    ];
    assert.deepEqual(
      sortDiagnostics(input).map((x) => `${x.file}:${x.line}:${x.col}:${x.severity}`),
      ['a.yaml:2:3:warning', 'a.yaml:2:5:error', 'a.yaml:2:5:warning', 'a.yaml:2:5:note', 'a.yaml:9:1:error', 'b.yaml:1:1:error'],
    );
  });

  const orders: [string, number[]][] = [
    ['lines', [3, 1, 2]],
    ['lines reversed', [1, 3, 2]],
  ];
  for (const [name, lines] of orders)
    it(`by ${name}`, () =>
      assert.deepEqual(
        sortDiagnostics(lines.map((l) => d('a.yaml', l, 1, 'error', 'x'))).map((x) => x.line),
        [1, 2, 3],
      ));

  it('by column', () =>
    assert.deepEqual(
      sortDiagnostics([7, 2, 5].map((c) => d('a.yaml', 1, c, 'error', 'x'))).map((x) => x.col),
      [2, 5, 7],
    ));

  it('by severity', () =>
    assert.deepEqual(
      sortDiagnostics((['note', 'error', 'warning'] as const).map((s) => d('a.yaml', 1, 1, s, 'x'))).map((x) => x.severity),
      ['error', 'warning', 'note'],
    ));

  it('counts one severity by kind, kinds in order, no kind as other', () => {
    const counts = countByKind(
      [
        d('a', 1, 1, 'error', 'x', 'zeta'),
        d('a', 1, 1, 'error', 'y', 'alpha'),
        d('a', 1, 1, 'error', 'z'),
        d('a', 1, 1, 'error', 'w', 'zeta'),
        d('a', 1, 1, 'warning', 'v', 'beta'),
      ],
      'error',
    );
    assert.deepEqual(Object.entries(counts), [
      ['alpha', 1],
      ['other', 1],
      ['zeta', 2],
    ]);
  });
});
