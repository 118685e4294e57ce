// What a grant's spec implies: whether a policy change under the same id changes the grant and what
// it releases, and for expiring copies, what it copies, attaches, conditions and records.
import assert from 'node:assert/strict';
import { expandTeam } from '../../../src/core/expand';
import {
  attachedArns,
  beforeGrantflow,
  expiryParts,
  grantShape,
  notCopied,
  releasedBy,
  revokeTarget,
  unconditionedParts,
} from '../../../src/core/grant-derived';
import type { GrantSpec } from '../../../src/core/grant';
import { ACCOUNTS, grantsOf, inHours, policy, READ_ONLY, SECURITY_AUDIT, team, VIEW_ONLY } from '../../harness/team';

describe('a grant whose policy changes under the same id', function () {
  // The same entry (same id) under different policy definitions.
  const specFor = (reader: ReturnType<typeof policy>, user = 'bob') =>
    grantsOf(
      team({ policies: { reader }, temporary: [{ user, environment: 'nonprod', grant: 'reader', expiresAt: '2026-06-03T23:59:59Z' }] }),
      Date.parse('2026-06-01T00:00:00Z'),
    )[0]!;
  const base = specFor(policy([READ_ONLY, VIEW_ONLY], ['s3:ListBucket']));

  const cases: { name: string; next: GrantSpec; changed: boolean; released?: { arns: string[]; inline?: string } }[] = [
    { name: 'the same policy: unchanged, nothing released', next: specFor(policy([READ_ONLY, VIEW_ONLY], ['s3:ListBucket'])), changed: false },
    { name: 'a managed policy dropped: released', next: specFor(policy([READ_ONLY], ['s3:ListBucket'])), changed: true, released: { arns: [VIEW_ONLY] } },
    { name: 'a managed policy added: nothing released', next: specFor(policy([READ_ONLY, VIEW_ONLY, SECURITY_AUDIT], ['s3:ListBucket'])), changed: true },
    {
      name: 'one managed policy swapped for another',
      next: specFor(policy([READ_ONLY, SECURITY_AUDIT], ['s3:ListBucket'])),
      changed: true,
      released: { arns: [VIEW_ONLY] },
    },
    {
      name: 'new temporary statements: the inline policy is rewritten in place, not released',
      next: specFor(policy([READ_ONLY, VIEW_ONLY], ['s3:GetObject'])),
      changed: true,
    },
    {
      name: 'the temporary statements removed: the inline policy is released',
      next: specFor(policy([READ_ONLY, VIEW_ONLY])),
      changed: true,
      released: { arns: [], inline: base.inlinePolicy!.name },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(grantShape(c.next) !== grantShape(base), c.changed);
      const released = releasedBy(base, c.next);
      if (!c.released) assert.equal(released, undefined);
      else {
        assert.deepEqual(released!.arns, c.released.arns);
        assert.equal(released!.inlinePolicyName, c.released.inline);
        assert.equal(released!.id, base.id);
      }
    });
  }
});

const POWER_USER = 'arn:aws:iam::aws:policy/PowerUserAccess';

describe('expiring copies: grants', function () {
  const expiresAt = inHours(24);
  const config = (settings = {}) =>
    team({
      policies: { 'break-glass': policy([POWER_USER, READ_ONLY], ['s3:ListBucket']) },
      permanent: [{ users: ['alice@example.com'], environments: ['prod'], grants: ['break-glass'] }],
      temporary: [{ user: 'bob@example.com', environment: 'prod', grant: 'break-glass', expiresAt }],
      settings,
    });
  const temporary = (settings = {}) => expandTeam(config(settings), Date.now()).grants.find((g) => g.kind === 'temporary')!;

  it('a temporary grant copies what fits and attaches the rest, saying which parts AWS expires', () => {
    const grant = temporary();
    assert.deepEqual(
      grant.expiringCopies?.map((c) => c.sourceArn),
      [POWER_USER],
    );
    assert.deepEqual(grant.managedPolicyArns, [READ_ONLY]);
    const copy = grant.expiringCopies![0]!;
    assert.equal(copy.arn, `arn:aws:iam::${ACCOUNTS.prod}:policy/grantflow/test-team/${copy.name}`);
    const parts = expiryParts(grant);
    assert.deepEqual(parts.awsExpires, [`inline ${grant.inlinePolicy!.name}`, `${POWER_USER} as expiring copy ${copy.name}`]);
    assert.deepEqual(parts.workflowExpires, [READ_ONLY]);
    assert.equal(notCopied(grant).length, 1);
    assert.match(notCopied(grant)[0]!.reason, /a copy would be up to \d+ characters, over IAM's 6144/);
    assert.deepEqual(attachedArns(grant), [copy.arn, READ_ONLY]);
    assert.deepEqual(revokeTarget(grant).copyArns, [copy.arn]);
    assert.ok(revokeTarget(grant).arns.includes(POWER_USER), 'the source is released too, if it had to be attached instead');
  });
  it("attachedArns (the grant's memo: what other grants' revokes and the sweep count as held) includes each policy the spec says is attached as is", () => {
    const grant = temporary();
    assert.deepEqual(
      notCopied(grant).map((p) => p.arn),
      [READ_ONLY],
    );
    assert.ok(attachedArns(grant).includes(READ_ONLY), 'the original attached instead of a copy is held');
    assert.equal(attachedArns(grant).filter((arn) => arn === READ_ONLY).length, 1, 'once');
    // Whatever built the spec: one that lists the original only under attachedAsIs holds it too.
    const onlyAsIs = { ...grant, managedPolicyArns: [] };
    assert.deepEqual(attachedArns(onlyAsIs), [grant.expiringCopies![0]!.arn, READ_ONLY]);
    assert.ok(revokeTarget(onlyAsIs).arns.includes(READ_ONLY));
  });
  it("the grant's own revoke carries its record of what it attached, empty until its applies add to it", () => {
    const grant = temporary();
    assert.deepEqual(revokeTarget(grant).ownedArns, []);
    const released = releasedBy(temporary({ temporaryManagedPolicies: 'attach' }), grant);
    assert.equal(released?.ownedArns, undefined, 'a release of a previous spec has no record: the marks decide');
  });
  it('temporary_managed_policies: attach attaches everything as before', () => {
    const grant = temporary({ temporaryManagedPolicies: 'attach' });
    assert.equal(grant.expiringCopies, undefined);
    assert.deepEqual(grant.managedPolicyArns, [POWER_USER, READ_ONLY]);
  });
  it('require_mfa conditions the inline policy and the team policy of that environment, and names what it cannot condition', () => {
    const expansion = expandTeam(config({ requireMfa: ['prod'] }), Date.now());
    const grant = expansion.grants.find((g) => g.kind === 'temporary')!;
    assert.equal(grant.mfa, true);
    assert.match(grant.inlinePolicy!.document, /"Bool":\{"aws:MultiFactorAuthPresent":"true"\}/);
    assert.deepEqual(unconditionedParts(grant), [READ_ONLY]);
    const prodPolicy = expansion.policies.find((p) => p.account === ACCOUNTS.prod)!;
    assert.match(prodPolicy.document, /aws:MultiFactorAuthPresent/);
    assert.notEqual(grantShape(grant), grantShape(temporary()), 'a running grant takes the MFA condition');
  });
  it('another environment is not affected by require_mfa', () => {
    const grant = temporary({ requireMfa: ['nonprod'] });
    assert.equal(grant.mfa, undefined);
    assert.doesNotMatch(grant.inlinePolicy!.document, /MultiFactorAuthPresent/);
  });
  it('moving from attach to copy releases the original and nothing of the copy', () => {
    const released = releasedBy(temporary({ temporaryManagedPolicies: 'attach' }), temporary());
    assert.deepEqual(released?.arns, [POWER_USER]);
    assert.equal(released?.copyArns, undefined);
    assert.equal(releasedBy(temporary(), { ...temporary(), revokeMaxBackoffMs: 1 }), undefined, 'a source both copy stays');
    const back = releasedBy(temporary(), temporary({ temporaryManagedPolicies: 'attach' }));
    assert.deepEqual(back?.copyArns, [temporary().expiringCopies![0]!.arn]);
  });
});

describe('an imported grant: its inline original and adoption', function () {
  const statements = [{ Effect: 'Allow' as const, Action: ['s3:GetObject'], Resource: ['*'] }];
  const specOf = (options: { replacesInline?: string; adopt?: boolean; kind?: 'permanent' | 'temporary' }) =>
    grantsOf(
      team({
        policies: { p: { ...policy([READ_ONLY]), statements, ...(options.replacesInline ? { replacesInline: options.replacesInline } : {}) } },
        ...(options.kind === 'temporary'
          ? { temporary: [{ user: 'bob', environment: 'nonprod', grant: 'p', expiresAt: '2026-06-03T23:59:59Z' }] }
          : { permanent: [{ users: ['bob'], environments: ['nonprod'], grants: ['p'], ...(options.adopt ? { adopt: true } : {}) }] }),
      }),
      Date.parse('2026-06-01T00:00:00Z'),
    )[0]!;

  it('carries the inline original (its name, and the statements as written, without conditions) and adopt on permanent grants only', () => {
    const grant = specOf({ replacesInline: 's3', adopt: true });
    assert.deepEqual(grant.inlineOriginal, { name: 's3', document: JSON.stringify({ Version: '2012-10-17', Statement: statements }) });
    assert.equal(grant.adopt, true);
    assert.equal(specOf({ replacesInline: 's3', kind: 'temporary' }).inlineOriginal, undefined);
    assert.equal(specOf({}).adopt, undefined);
  });

  it('changes its shape when adopt or the original is added (so the running grant takes it), and not otherwise', () => {
    const plain = specOf({});
    assert.equal(grantShape(specOf({})), grantShape(plain));
    assert.notEqual(grantShape(specOf({ replacesInline: 's3' })), grantShape(plain));
    assert.notEqual(grantShape(specOf({ replacesInline: 's3', adopt: true })), grantShape(specOf({ replacesInline: 's3' })));
    assert.equal(releasedBy(specOf({ replacesInline: 's3' }), specOf({ replacesInline: 's3', adopt: true })), undefined, 'adopting releases nothing');
  });

  it('lists what was there before grantflow: found attachments, and the inline original until adoption deletes it', () => {
    const grant = specOf({ replacesInline: 's3' });
    assert.deepEqual(beforeGrantflow(grant, [READ_ONLY]), [READ_ONLY, 'inline policy s3']);
    assert.deepEqual(beforeGrantflow(grant, [], 'differs'), ['inline policy s3']);
    assert.deepEqual(beforeGrantflow(grant, [], 'deleted'), []);
    assert.deepEqual(beforeGrantflow(specOf({}), []), []);
  });
});
