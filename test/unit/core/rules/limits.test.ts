// IAM's per-principal quotas on hand-built expansions: which moments count, where the error points,
// and the exact boundaries (the quota itself is allowed; one more is not).
import assert from 'node:assert/strict';
import type { Diagnostic } from '../../../../src/core/diagnostics';
import type { GrantSpec } from '../../../../src/core/grant';
import type { RuleContext } from '../../../../src/core/rules/context';
import { limitRules } from '../../../../src/core/rules/limits';
import type { TeamConfig } from '../../../../src/core/team-config';

const NOW = Date.parse('2026-03-01T00:00:00Z');
const day = (n: number) => new Date(NOW + n * 86_400_000).toISOString();

interface G {
  kind?: 'permanent' | 'temporary';
  index?: number;
  arns?: string[];
  startsIn?: number;
  expiresIn?: number;
  inline?: number;
  principalType?: 'user' | 'role';
}

const grantOf = (g: G, i: number): GrantSpec =>
  ({
    kind: g.kind ?? (g.expiresIn === undefined ? 'permanent' : 'temporary'),
    source: { index: g.index },
    principalType: g.principalType ?? 'user',
    principal: 'alice',
    environment: 'prod',
    account: '111111111111',
    policy: `p${i}`,
    managedPolicyArns: g.arns ?? [],
    ...(g.startsIn === undefined ? {} : { startsAt: day(g.startsIn) }),
    ...(g.expiresIn === undefined ? {} : { expiresAt: day(g.expiresIn) }),
    ...(g.inline === undefined ? {} : { inlinePolicy: { name: `inline${i}`, document: 'x'.repeat(g.inline) } }),
  }) as unknown as GrantSpec;

function errorsOf(grants: G[], quota = 2): Diagnostic[] {
  const context = {
    config: { settings: { maxManagedPoliciesPerPrincipal: quota } } as unknown as TeamConfig,
    nowMs: NOW,
    expansion: { grants: grants.map(grantOf), policies: [], permissionSets: [], skipped: [], duplicates: [] },
    locate: (kind, path) => ({ file: `${kind}:${path.join('/')}`, line: 1, col: 1 }),
  } as RuleContext;
  return limitRules(context);
}

const arn = (name: string) => `arn:aws:iam::aws:policy/${name}`;
const brief = (found: Diagnostic[]) => found.map((d) => `${d.kind} ${d.file} ${/attached at once|characters of inline policy/.exec(d.message)?.[0]}`);

describe('limits: managed policies per principal', function () {
  const cases: [string, G[], string[]][] = [
    ['exactly the quota', [{ arns: [arn('A'), arn('B')] }], []],
    [
      'one over the quota',
      [{ arns: [arn('A'), arn('B')] }, { index: 3, arns: [arn('C')] }],
      ['managed-policy-quota permanent-access:permanent-access/3 attached at once'],
    ],
    ['one policy granted twice counts once', [{ arns: [arn('A'), arn('B')] }, { arns: [arn('A')] }], []],
    ['a temporary grant already expired', [{ arns: [arn('A'), arn('B')] }, { arns: [arn('C')], startsIn: -5, expiresIn: -1 }], []],
    ['a temporary grant expiring exactly now', [{ arns: [arn('A'), arn('B')] }, { arns: [arn('C')], expiresIn: 0 }], []],
    [
      'a temporary grant live now, without a start, at entry 0',
      [{ arns: [arn('A'), arn('B')] }, { arns: [arn('C')], expiresIn: 1 }],
      ['managed-policy-quota temporary-access:temporary-access/0 attached at once'],
    ],
    [
      'two later grants that overlap, starting exactly when the other ends',
      [{ arns: [arn('A')] }, { index: 1, arns: [arn('B')], startsIn: 2, expiresIn: 4 }, { index: 2, arns: [arn('C')], startsIn: 4, expiresIn: 6 }],
      [],
    ],
    [
      'two later grants that overlap',
      [{ arns: [arn('A')] }, { index: 1, arns: [arn('B')], startsIn: 2, expiresIn: 5 }, { index: 2, arns: [arn('C')], startsIn: 4, expiresIn: 6 }],
      ['managed-policy-quota temporary-access:temporary-access/2 attached at once'],
    ],
    [
      'over the quota now and later: reported once',
      [{ arns: [arn('A'), arn('B'), arn('C')] }, { index: 1, arns: [arn('D')], startsIn: 2, expiresIn: 5 }],
      ['managed-policy-quota permanent-access:permanent-access/0 attached at once'],
    ],
  ];
  for (const [name, grants, expected] of cases) {
    it(`${name}: ${expected.length ? 'an error' : 'nothing'}`, () => assert.deepEqual(brief(errorsOf(grants)), expected));
  }

  it('reports the earliest moment over the quota, whatever the order of the grants', () => {
    const [only] = errorsOf([
      { arns: [arn('A'), arn('B')] },
      { index: 1, arns: [arn('C')], startsIn: 4, expiresIn: 9 },
      { index: 2, arns: [arn('D')], startsIn: 2, expiresIn: 9 },
    ]);
    assert.match(only!.message, /would have 3 managed policies attached at once; .*Policies: .*\/A, .*\/B, .*\/D$/);
  });

  it('says who, how many, the quota, and the policies in order', () => {
    const [only] = errorsOf([{ arns: [arn('B'), arn('A')] }, { arns: [arn('C')], startsIn: 3, expiresIn: 9 }]);
    assert.equal(only!.severity, 'error');
    assert.equal(
      only!.message,
      "user alice in prod (111111111111) would have 3 managed policies attached at once; the quota is 2 (max_managed_policies_per_principal; AWS's default is 10, " +
        `raise it with Service Quotas). Policies: ${arn('A')}, ${arn('B')}, ${arn('C')}`,
    );
  });
});

describe('limits: inline policy characters per principal', function () {
  const cases: [string, G[], string[]][] = [
    [
      'a user at exactly 2,048',
      [
        { inline: 1000, expiresIn: 1 },
        { inline: 1048, expiresIn: 2 },
      ],
      [],
    ],
    [
      'a user at 2,049',
      [
        { inline: 1000, expiresIn: 1 },
        { index: 4, inline: 1049, expiresIn: 2 },
      ],
      ['inline-size temporary-access:temporary-access/4 characters of inline policy'],
    ],
    ['a role at 2,049', [{ inline: 2049, expiresIn: 1, principalType: 'role' }], []],
    ['a role at exactly 10,240', [{ inline: 10240, expiresIn: 1, principalType: 'role' }], []],
    [
      'a role at 10,241',
      [{ inline: 10241, expiresIn: 1, principalType: 'role' }],
      ['inline-size temporary-access:temporary-access/0 characters of inline policy'],
    ],
    [
      'over now and over later: reported once',
      [
        { inline: 3000, expiresIn: 10 },
        { inline: 10, startsIn: 2, expiresIn: 3 },
      ],
      ['inline-size temporary-access:temporary-access/0 characters of inline policy'],
    ],
  ];
  for (const [name, grants, expected] of cases) {
    it(`${name}: ${expected.length ? 'an error' : 'nothing'}`, () => assert.deepEqual(brief(errorsOf(grants)), expected));
  }

  it('lists each inline policy with its size, and the limit for the principal type', () => {
    const [only] = errorsOf([
      { inline: 1500, expiresIn: 1 },
      { inline: 1500, expiresIn: 2 },
    ]);
    assert.equal(
      only!.message,
      'user alice in prod (111111111111) would hold 3,000 characters of inline policy at once (inline0: 1,500, inline1: 1,500); IAM allows 2,048 per user. ' +
        'Shorten the statements, use managed policies, or stagger the dates',
    );
  });
});
