// Expansion, documents and the plan, table-driven, plus a property test that
// expansion does not depend on the order of keys in the YAML.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { teamFromTexts } from '../../src/config/load';
import { canonicalDocument, policySize, renderDocument, sameDocument, withExpiry } from '../../src/core/documents';
import { expandTeam } from '../../src/core/expand';
import { planTeam } from '../../src/core/plan';
import { DEFAULT_SETTINGS, type IamStatement } from '../../src/core/team-config';
import { ACCOUNTS, grantsOf, inHours, policy, READ_ONLY, SECURITY_AUDIT, team, VIEW_ONLY } from '../harness/team';
import { grantShape, releasedBy } from '../../src/core/grant-derived';
import type { GrantSpec } from '../../src/core/grant';
import { ledgerEntry, ledgerOf } from '../harness/ledger';

describe('policy documents', function () {
  const statement: IamStatement = { Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['*'] };

  it('adds DateLessThan aws:CurrentTime to every Allow statement, merged with its own conditions, and none to a Deny', () => {
    const expiry = '2026-06-03T23:59:59Z';
    const merged = withExpiry(
      [statement, { ...statement, Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } }, { ...statement, Effect: 'Deny' }],
      expiry,
    );
    assert.deepEqual(
      merged.map((s) => s.Condition),
      [
        { DateLessThan: { 'aws:CurrentTime': expiry } },
        { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' }, DateLessThan: { 'aws:CurrentTime': expiry } },
        undefined,
      ],
    );
  });

  const earlier: [string, string, string][] = [
    ['2026-06-01T00:00:00Z', '2026-06-03T23:59:59Z', '2026-06-01T00:00:00Z'],
    ['2026-07-01T00:00:00Z', '2026-06-03T23:59:59Z', '2026-06-03T23:59:59Z'],
  ];
  for (const [own, expiry, kept] of earlier) {
    it(`keeps the earlier of its own time limit ${own} and the expiry ${expiry}`, () => {
      const [merged] = withExpiry([{ ...statement, Condition: { DateLessThan: { 'aws:CurrentTime': own, 'aws:EpochTime': 5 } } }], expiry);
      assert.deepEqual(merged!.Condition!.DateLessThan, { 'aws:CurrentTime': kept, 'aws:EpochTime': 5 });
    });
  }

  it('renders minified JSON in IAM key order with sorted conditions, whatever the input order', () => {
    const a = renderDocument([
      { Condition: { StringLike: { b: 'x', a: 'y' }, Bool: { c: true } }, Resource: ['*'], Action: ['s3:GetObject'], Effect: 'Allow' },
    ]);
    const b = renderDocument([
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['*'], Condition: { Bool: { c: true }, StringLike: { a: 'y', b: 'x' } } },
    ]);
    assert.equal(a, b);
    assert.equal(
      a,
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["*"],"Condition":{"Bool":{"c":true},"StringLike":{"a":"y","b":"x"}}}]}',
    );
  });

  const sizes: [string, number][] = [
    ['{"a": 1}', 7],
    ['{\n  "a" : [ 1 , 2 ]\n}', 11],
    ['\t \r\n', 0],
  ];
  for (const [text, size] of sizes) it(`counts ${size} non-whitespace characters in ${JSON.stringify(text)}`, () => assert.equal(policySize(text), size));

  it('treats documents that differ only in whitespace, key order or one-element lists as the same', () => {
    const ours = renderDocument([statement]);
    const theirs = '{ "Statement": { "Resource": "*", "Effect": "Allow", "Action": "s3:GetObject" }, "Version": "2012-10-17" }';
    assert.ok(sameDocument(ours, theirs), `${canonicalDocument(ours)} vs ${canonicalDocument(theirs)}`);
    assert.ok(!sameDocument(ours, renderDocument([{ ...statement, Action: ['s3:PutObject'] }])));
    assert.ok(!sameDocument(ours, 'not json'));
  });
});

describe('expansion', function () {
  const config = team({
    policies: { reader: policy([READ_ONLY], ['s3:ListBucket']), viewer: policy([VIEW_ONLY]) },
    permanent: [
      { users: ['a@x.com', 'b@x.com'], roles: ['ci'], environments: ['nonprod', 'prod'], grants: ['reader', 'viewer'] },
      { users: ['a@x.com'], environments: ['nonprod'], grants: ['reader'] },
    ],
    temporary: [
      { user: 'c@x.com', environment: 'prod', grant: 'reader', expiresAt: '2026-06-03T23:59:59Z' },
      { user: 'c@x.com', environment: 'prod', grant: 'viewer', expiresAt: '2026-05-01T00:00:00Z' },
    ],
  });
  const now = Date.parse('2026-06-01T00:00:00Z');
  const expansion = expandTeam(config, now);

  it('expands principal × environment × policy for permanent entries and one grant per temporary entry', () => {
    assert.equal(expansion.grants.filter((g) => g.kind === 'permanent').length, 3 * 2 * 2);
    assert.equal(expansion.grants.filter((g) => g.kind === 'temporary').length, 1);
    assert.deepEqual(
      expansion.duplicates.map((d) => d.id),
      ['grantflow/test-team/111111111111/user/a/reader'],
    );
    assert.deepEqual(
      expansion.skipped.map((s) => s.expiresAt),
      ['2026-05-01T00:00:00Z'],
    );
  });

  it('gives permanent grants the customer-managed policy and temporary grants an expiring inline policy', () => {
    const permanent = expansion.grants.find((g) => g.id === 'grantflow/test-team/111111111111/user/a/reader')!;
    assert.equal(permanent.customPolicyArn, 'arn:aws:iam::111111111111:policy/grantflow/test-team/grantflow.test-team.reader');
    assert.equal(permanent.inlinePolicy, undefined);
    const temporary = expansion.grants.find((g) => g.kind === 'temporary')!;
    assert.equal(temporary.customPolicyArn, undefined);
    assert.equal(temporary.inlinePolicy!.name, 'grantflow.test-team.reader.20260603T235959Z');
    assert.match(temporary.inlinePolicy!.document, /"DateLessThan":\{"aws:CurrentTime":"2026-06-03T23:59:59Z"\}/);
    const viewer = expansion.grants.find((g) => g.policy === 'viewer')!;
    assert.equal(viewer.customPolicyArn, undefined, 'a policy without custom statements needs no customer-managed policy');
  });

  it('syncs one customer-managed policy per account where a permanent grant attaches it', () => {
    assert.deepEqual(
      expansion.policies.map((p) => p.arn),
      [
        'arn:aws:iam::111111111111:policy/grantflow/test-team/grantflow.test-team.reader',
        'arn:aws:iam::222222222222:policy/grantflow/test-team/grantflow.test-team.reader',
      ],
    );
  });

  it('gives the same ids, names and documents whatever the order of keys in the YAML (property)', () => {
    const shuffle = <T>(items: T[], order: number[]): T[] =>
      items
        .map((item, i) => [order[i % order.length]! + i / 1000, item] as const)
        .sort((a, b) => a[0] - b[0])
        .map(([, item]) => item);
    /** The same YAML with every mapping's keys in another order (lists keep theirs: their order is meaningful). */
    const reorder = (value: unknown, order: number[]): unknown => {
      if (Array.isArray(value)) return value.map((v) => reorder(v, order));
      if (value && typeof value === 'object')
        return Object.fromEntries(
          shuffle(
            Object.entries(value).map(([k, v]) => [k, reorder(v, order)] as const),
            order,
          ),
        );
      return value;
    };
    const name = fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/);
    const arbitraryTeam = fc.record({
      envs: fc.uniqueArray(name, { minLength: 1, maxLength: 3 }),
      policies: fc.uniqueArray(name, { minLength: 1, maxLength: 3 }),
      users: fc.uniqueArray(name, { minLength: 1, maxLength: 4 }),
      conditions: fc.boolean(),
      hoursAhead: fc.integer({ min: 1, max: 140 }),
    });
    fc.assert(
      fc.property(arbitraryTeam, fc.array(fc.nat(100), { minLength: 3, maxLength: 8 }), (t, order) => {
        const files = {
          'aws-accounts': { 'aws-accounts': Object.fromEntries(t.envs.map((e, i) => [e, String(111111111111 * (i + 1))])) },
          'aws-policies': {
            'aws-policies': Object.fromEntries(
              t.policies.map((p) => [
                p,
                {
                  description: `policy ${p}`,
                  managed_policies: [READ_ONLY],
                  custom_statements: [
                    {
                      effect: 'Allow',
                      actions: ['s3:GetObject'],
                      resources: ['*'],
                      ...(t.conditions ? { conditions: { StringEquals: { 'aws:PrincipalTag/team': p, 'aws:RequestedRegion': 'eu-west-1' } } } : {}),
                    },
                  ],
                },
              ]),
            ),
          },
          'permanent-access': {
            'permanent-access': [{ description: 'all', users: t.users.map((u) => `${u}@x.com`), environments: t.envs, grants: t.policies }],
          },
          'temporary-access': {
            'temporary-access': [
              { description: 'tmp', user: `${t.users[0]}@x.com`, environment: t.envs[0], grant: t.policies[0], expiration_date: inHours(t.hoursAhead, now) },
            ],
          },
        };
        const expand = (data: Record<string, unknown>) => {
          const texts = Object.fromEntries(Object.entries(data).map(([kind, value]) => [kind, { file: `${kind}.yaml`, text: stringify(value) }]));
          const result = teamFromTexts('prop', texts, { settings: DEFAULT_SETTINGS, diagnostics: [] }, '.');
          assert.ok(result.loaded, JSON.stringify(result.diagnostics));
          return expandTeam(result.loaded.config, now);
        };
        const a = expand(files);
        const b = expand(reorder(files, order) as Record<string, unknown>);
        assert.deepEqual(
          b.grants.map((g) => [g.id, g.customPolicyArn, g.inlinePolicy]),
          a.grants.map((g) => [g.id, g.customPolicyArn, g.inlinePolicy]),
        );
        assert.deepEqual(b.policies, a.policies);
        assert.equal(a.grants.length, t.users.length * t.envs.length * t.policies.length + 1);
      }),
      { numRuns: 100 },
    );
  });
});

/** A running grant as visibility lists it, for plan tests. */
const liveEntry = (grant: GrantSpec | string, state = 'active') => ledgerEntry(grant, 'RUNNING', state);
const planOptions = { nowMs: Date.now(), maxTemporaryDays: 6 };

describe('plan', function () {
  it('plans drift, expiry parts, missing principals and sticky grants', () => {
    const config = team({
      policies: { reader: policy([READ_ONLY], ['s3:ListBucket']) },
      permanent: [{ users: ['alice', 'ghost'], environments: ['nonprod'], grants: ['reader'] }],
      temporary: [{ user: 'bob', environment: 'nonprod', grant: 'reader', expiresAt: inHours(5) }],
    });
    const expansion = expandTeam(config, Date.now());
    const [alice, bob] = ['alice', 'bob'].map((p) => expansion.grants.find((g) => g.principal === p)!);
    const entries = planTeam(
      expansion,
      {
        ledger: ledgerOf(liveEntry(alice!), liveEntry(bob!), liveEntry(`grantflow/test-team/${ACCOUNTS.nonprod}/user/old/reader`)),
        iam: {
          [`${ACCOUNTS.nonprod}/user/alice`]: { exists: true, attached: [alice!.customPolicyArn!], inline: [] },
          [`${ACCOUNTS.nonprod}/user/ghost`]: { exists: false, attached: [], inline: [] },
          [`${ACCOUNTS.nonprod}/user/bob`]: { exists: true, attached: [READ_ONLY], inline: [bob!.inlinePolicy!.name] },
        },
      },
      planOptions,
    );
    const byPrincipal = Object.fromEntries(entries.map((e) => [e.principal, e]));
    assert.equal(byPrincipal['user/alice']!.action, 'keep');
    assert.deepEqual(byPrincipal['user/alice']!.drift, [`${READ_ONLY} detached`]);
    assert.equal(byPrincipal['user/ghost']!.action, 'add');
    assert.match(byPrincipal['user/ghost']!.note!, /does not exist in nonprod \(111111111111\)/);
    assert.deepEqual(byPrincipal['user/bob']!.drift, []);
    assert.deepEqual(byPrincipal['user/bob']!.awsExpires, [`inline ${bob!.inlinePolicy!.name}`]);
    assert.deepEqual(byPrincipal['user/bob']!.workflowExpires, [READ_ONLY]);
    assert.equal(byPrincipal['user/old']!.action, 'revoke');
    assert.deepEqual(
      entries.map((e) => e.action),
      ['add', 'revoke', 'keep', 'keep'],
    );
  });
});

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

describe("plan: the account's managed-policy quota", function () {
  const config = team({
    policies: { wide: policy([READ_ONLY, VIEW_ONLY, SECURITY_AUDIT]) },
    permanent: [{ users: ['alice'], environments: ['nonprod'], grants: ['wide'] }],
  });
  const expansion = expandTeam(config, Date.now());
  const alice = expansion.grants[0]!;
  const key = `${ACCOUNTS.nonprod}/user/alice`;
  const foreign = (n: number) => Array.from({ length: n }, (_, i) => `arn:aws:iam::${ACCOUNTS.nonprod}:policy/by-hand-${i}`);

  const cases: { name: string; attached: string[]; quota?: number; live?: boolean; problem: RegExp | undefined }[] = [
    { name: 'fits: 3 new + 7 attached by hand = 10 of 10', attached: foreign(7), quota: 10, problem: undefined },
    {
      name: 'over: 3 new + 8 attached by hand = 11 of 10',
      attached: foreign(8),
      quota: 10,
      problem: /user alice in nonprod \(111111111111\) would hold 11 managed policies, over the account's quota of 10 \(8 attached now\)/,
    },
    { name: 'a raised quota fits it', attached: foreign(8), quota: 20, problem: undefined },
    { name: 'the quota was not read: not checked', attached: foreign(8), problem: undefined },
    {
      name: 'already held by the running grant: no new attach, no error',
      attached: [...foreign(8), READ_ONLY, VIEW_ONLY, SECURITY_AUDIT],
      quota: 10,
      live: true,
      problem: undefined,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const entries = planTeam(
        expansion,
        {
          ledger: c.live ? ledgerOf(liveEntry(alice)) : new Map(),
          iam: { [key]: { exists: true, attached: c.attached, inline: [] } },
          ...(c.quota ? { quotas: { [ACCOUNTS.nonprod]: { user: c.quota, role: c.quota } } } : {}),
        },
        planOptions,
      );
      const problem = entries.find((e) => e.id === alice.id)!.problem;
      if (c.problem) assert.match(problem ?? '', c.problem);
      else assert.equal(problem, undefined);
    });
  }
});

describe('plan tells the truth about policies and not-yet-started grants', function () {
  const config = team({
    policies: { reader: policy([READ_ONLY], ['s3:ListBucket']) },
    permanent: [{ users: ['alice'], environments: ['nonprod'], grants: ['reader'] }],
    temporary: [{ user: 'bob', environment: 'nonprod', grant: 'reader', startsAt: inHours(24), expiresAt: inHours(48) }],
  });
  const expansion = expandTeam(config, Date.now());
  const [alice, bob] = ['alice', 'bob'].map((p) => expansion.grants.find((g) => g.principal === p)!);
  const iam = {
    [`${ACCOUNTS.nonprod}/user/alice`]: { exists: true, attached: [READ_ONLY, alice!.customPolicyArn!], inline: [] },
    [`${ACCOUNTS.nonprod}/user/bob`]: { exists: true, attached: [], inline: [] },
  };
  const cases: { name: string; policy: 'update' | 'unchanged' | undefined; action: string; note?: RegExp }[] = [
    {
      name: 'a policy whose statements changed is an update, not a keep',
      policy: 'update',
      action: 'update',
      note: /policy document changes: grantflow\.test-team\.reader gets a new default version/,
    },
    { name: 'an unchanged policy is a keep', policy: 'unchanged', action: 'keep' },
    { name: 'a policy IAM was not asked about is a keep', policy: undefined, action: 'keep' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const entries = planTeam(
        expansion,
        {
          ledger: ledgerOf(liveEntry(alice!), liveEntry(bob!, 'pending')),
          iam,
          ...(c.policy ? { policies: { [alice!.customPolicyArn!]: c.policy } } : {}),
        },
        planOptions,
      );
      const entry = entries.find((e) => e.id === alice!.id)!;
      assert.equal(entry.action, c.action);
      if (c.note) assert.match(entry.note ?? '', c.note);
      else assert.equal(entry.note, undefined);
      assert.deepEqual(entry.drift, []);
    });
  }

  it('shows no drift for a grant waiting for its start_date', () => {
    const entries = planTeam(expansion, { ledger: ledgerOf(liveEntry(alice!), liveEntry(bob!, 'pending')), iam }, planOptions);
    const entry = entries.find((e) => e.id === bob!.id)!;
    assert.equal(entry.action, 'keep');
    assert.deepEqual(entry.drift, []);
    assert.match(entry.note ?? '', /starts at \S+; nothing is in IAM before then/);
    // The same grant once started: what IAM lacks is drift.
    const later = planTeam(
      expansion,
      { ledger: ledgerOf(liveEntry(alice!), liveEntry(bob!)), iam },
      { ...planOptions, nowMs: Date.parse(bob!.startsAt!) + 1000 },
    );
    assert.ok(later.find((e) => e.id === bob!.id)!.drift.length > 0);
  });
});
