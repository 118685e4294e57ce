// Revisions: which of two is older, short commits, how a revision is described; and (with them in
// one table) the "did you mean" suggestions for misspelt names.
import assert from 'node:assert/strict';
import { describeRevision, isOlderRevision, shortCommit } from '../../../src/core/revision';
import { closest } from '../../../src/core/suggest';

describe('revisions', function () {
  const at = (submittedAt: string, commit?: string, committedAt?: string) => ({
    submittedAt,
    submittedBy: 'ci',
    ...(commit ? { commit } : {}),
    ...(committedAt ? { committedAt } : {}),
  });

  it('without commits, the earlier submission is older', () => {
    assert.equal(isOlderRevision(at('2026-01-01T00:00:00Z'), at('2026-01-02T00:00:00Z')), true);
    assert.equal(isOlderRevision(at('2026-01-02T00:00:00Z'), at('2026-01-01T00:00:00Z')), false);
  });

  it('the same commit is never older than itself', () => {
    assert.equal(isOlderRevision(at('2026-01-01T00:00:00Z', 'abc'), at('2026-01-02T00:00:00Z', 'abc')), false);
  });

  it('short commits keep a suffix, and only a leading hash is shortened', () => {
    assert.equal(shortCommit('0123456789abcdef0123-dirty'), '0123456789ab-dirty');
    assert.equal(shortCommit('x0123456789abcdef0123'), 'x0123456789abcdef0123');
    assert.equal(shortCommit('0123456789abcdef\nx'), '0123456789abcdef\nx');
  });

  it('describes a revision by its commit and commit time, or by when it was submitted', () => {
    assert.equal(describeRevision(at('2026-01-02T00:00:00Z', '0123456789abcdef', '2026-01-01T00:00:00Z')), '0123456789ab (2026-01-01T00:00:00Z)');
    assert.equal(describeRevision(at('2026-01-02T00:00:00Z', '0123456789abcdef')), '0123456789ab (2026-01-02T00:00:00Z)');
    assert.equal(describeRevision(at('2026-01-02T00:00:00Z')), 'submitted 2026-01-02T00:00:00Z');
  });
});

describe('revisions and suggestions', function () {
  const at = (iso: string, commit?: string) => ({ ...(commit ? { commit } : {}), committedAt: iso, submittedAt: '2030-01-01T00:00:00Z', submittedBy: 'x' });
  const cases: [ReturnType<typeof at>, ReturnType<typeof at>, boolean][] = [
    [at('2026-01-01T00:00:00Z', 'a'), at('2026-01-02T00:00:00Z', 'b'), true],
    [at('2026-01-02T00:00:00Z', 'b'), at('2026-01-01T00:00:00Z', 'a'), false],
    [at('2026-01-01T00:00:00Z', 'a'), at('2026-01-01T00:00:00Z', 'b'), false],
    [at('2025-01-01T00:00:00Z', 'same'), at('2026-01-01T00:00:00Z', 'same'), false],
  ];
  cases.forEach(([candidate, applied, older], i) =>
    it(`orders revisions (case ${i + 1}: older=${older})`, () => assert.equal(isOlderRevision(candidate, applied), older)),
  );

  const suggestions: [string, string[], string | undefined][] = [
    ['enviroments', ['environments', 'grants'], 'environments'],
    ['production', ['nonprod', 'prod'], 'prod'],
    ['dev', ['development', 'prod'], 'development'],
    ['zzz', ['environments', 'grants'], undefined],
  ];
  for (const [word, candidates, expected] of suggestions) it(`suggests ${expected} for ${word}`, () => assert.equal(closest(word, candidates), expected));
});
