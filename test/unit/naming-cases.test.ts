// Names and ids read back and written out at their edges: anchored parsing (a name that merely
// contains grantflow's form is not grantflow's), the principal forms operators type, revisions, and
// the "did you mean" suggestions.
import assert from 'node:assert/strict';
import { parseGrantWorkflowId, reconcileWorkflowId, replacementKey, submissionWorkflowId } from '../../src/core/ids';
import {
  attachmentTagKey,
  copyPolicyName,
  parseCopyPolicyName,
  parseCustomPolicyName,
  parseInlinePolicyName,
  parseManagedPolicyArn,
  parsePrincipal,
} from '../../src/core/names';
import { describeRevision, isOlderRevision, shortCommit } from '../../src/core/revision';
import { closest, suggestion } from '../../src/core/suggest';

describe('principals as operators type them', function () {
  const cases: [string, { type?: 'user' | 'role'; name: string }][] = [
    ['  user/bob ', { type: 'user', name: 'bob' }],
    ['user/bob@corp.example', { type: 'user', name: 'bob' }],
    ['role/ci@corp', { type: 'role', name: 'ci@corp' }],
    ['  bob@corp.example ', { name: 'bob' }],
    ['xuser/bob', { name: 'xuser/bob' }],
    ['user/bob\nrole/x', { name: 'user/bob\nrole/x' }],
  ];
  for (const [written, want] of cases) it(JSON.stringify(written), () => assert.deepEqual(parsePrincipal(written), want));
});

describe('grantflow names read back only when the whole name is in its form', function () {
  it('customer-managed policies', () => {
    assert.deepEqual(parseCustomPolicyName('grantflow.payments.reader'), { team: 'payments', policy: 'reader' });
    assert.equal(parseCustomPolicyName('grantflow.my team.reader'), undefined);
    assert.equal(parseCustomPolicyName('grantflow.payments.reader\nx'), undefined);
  });

  it('inline policies', () => {
    assert.deepEqual(parseInlinePolicyName('grantflow.payments.reader.20260101T000000Z'), {
      team: 'payments',
      policy: 'reader',
      expiresAt: '2026-01-01T00:00:00Z',
    });
    assert.equal(parseInlinePolicyName('grantflow.my team.reader.20260101T000000Z'), undefined);
    assert.equal(parseInlinePolicyName('grantflow.payments.reader.20260101T000000Zjunk'), undefined);
  });

  it('expiring copies', () => {
    const name = copyPolicyName('t', 'id', 'arn:aws:iam::aws:policy/ReadOnlyAccess', 'a b', '2026-01-01T00:00:00Z');
    assert.equal(name, 'grantflow+copy.t.20260101T000000Z.1386dc73a21a619e.a_b.ReadOnlyAccess');
    assert.deepEqual(parseCopyPolicyName(name), { team: 't', expiresAt: '2026-01-01T00:00:00Z' });
    assert.deepEqual(parseCopyPolicyName('grantflow+copy.t.20260101T000000Z.1386dc73a21a619e'), { team: 't', expiresAt: '2026-01-01T00:00:00Z' });
    for (const other of [
      `x${name}`,
      'grantflow+copy.t.20260101T000000Z.1386dc73a21a619eXYZ',
      'grantflow+copy.t.20260101T000000Z.1386dc73a21a619',
      'grantflow+copy.my team.20260101T000000Z.1386dc73a21a619e',
    ])
      assert.equal(parseCopyPolicyName(other), undefined, other);
  });

  it('an ARN in an unknown partition names the known ones', () => {
    assert.deepEqual(parseManagedPolicyArn('arn:aws-xx:iam::aws:policy/X'), {
      ok: false,
      reason:
        '"arn:aws-xx:iam::aws:policy/X" names partition "aws-xx"; known partitions are aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc',
    });
  });

  it('an IAM ARN with a region says so, and how to write it', () => {
    assert.deepEqual(parseManagedPolicyArn('arn:aws:iam:us-east-1:123456789012:policy/x'), {
      ok: false,
      reason:
        '"arn:aws:iam:us-east-1:123456789012:policy/x" has region "us-east-1", but IAM ARNs have an empty region field (IAM is global); write arn:aws:iam::123456789012:policy/x',
    });
  });

  it('a managed policy ARN tells its path', () => {
    assert.deepEqual(parseManagedPolicyArn('arn:aws:iam::123456789012:policy/a/b/x'), {
      ok: true,
      partition: 'aws',
      owner: '123456789012',
      path: '/a/b/',
      name: 'x',
    });
    assert.deepEqual(parseManagedPolicyArn('arn:aws:iam::aws:policy/ReadOnlyAccess'), {
      ok: true,
      partition: 'aws',
      owner: 'aws',
      path: '/',
      name: 'ReadOnlyAccess',
    });
  });

  it('the attachment tag key', () => assert.equal(attachmentTagKey('abc123'), 'grantflow:attached:abc123'));
});

describe('workflow ids', function () {
  it('reconcile and submission ids', () => {
    assert.equal(reconcileWorkflowId('payments'), 'grantflow-reconcile/payments');
    assert.equal(submissionWorkflowId('payments', 'd1g'), 'grantflow-submission/payments/d1g');
  });

  const notGrantIds = [
    'other/t/111111111111/user/bob/reader',
    'grantflow/t/111111111111/user/bob',
    'grantflow/t/111111111111/user/bob/reader/until',
    'grantflow/t/111111111111/user/bob/reader/until/2026-01-01T00:00:00Z/x',
    'grantflow/t/111111111111/group/bob/reader',
    'grantflow/t/111111111111/user/bob/reader/since/2026-01-01T00:00:00Z',
  ];
  for (const id of notGrantIds)
    it(`not a grant id: ${id}`, () => {
      assert.equal(parseGrantWorkflowId(id), undefined);
      assert.equal(replacementKey(id), undefined);
    });

  it('a temporary id reads back, and its replacement key ignores expiry and case', () => {
    assert.deepEqual(parseGrantWorkflowId('grantflow/t/111111111111/role/CI/reader/until/2026-01-01T00:00:00Z'), {
      team: 't',
      kind: 'temporary',
      account: '111111111111',
      principalType: 'role',
      principal: 'CI',
      policy: 'reader',
      expiresAt: '2026-01-01T00:00:00Z',
    });
    assert.equal(replacementKey('grantflow/t/111111111111/role/CI/reader/until/2026-01-01T00:00:00Z'), 'temporary/t/111111111111/role/ci/reader');
  });
});

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
