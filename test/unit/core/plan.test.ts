// The plan a reviewer reads: drift, expiry parts, missing principals and sticky grants, the account's
// managed-policy quota, what it says of policies and not-yet-started grants; and table-driven cases
// of the exact action, note and problem of each entry.
import assert from 'node:assert/strict';
import { expandTeam } from '../../../src/core/expand';
import { isCustomerManagedArn, type LiveView, missingPolicyKey, type PlanEntry, planTeam, principalKey } from '../../../src/core/plan';
import type { GrantSpec } from '../../../src/core/grant';
import type { LedgerEntry } from '../../../src/core/ledger';
import { ACCOUNTS, inHours, policy, READ_ONLY, SECURITY_AUDIT, team, VIEW_ONLY } from '../../harness/team';
import { ledgerEntry, ledgerOf } from '../../harness/ledger';

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

const NOW = Date.parse('2026-06-01T00:00:00Z');
const options = { nowMs: NOW, maxTemporaryDays: 6 };
const CUSTOM = `arn:aws:iam::${ACCOUNTS.nonprod}:policy/team-made`;

describe('plan cases', function () {
  describe('customer-managed ARNs', () => {
    const arns: Array<[string, boolean]> = [
      [READ_ONLY, false],
      ['arn:aws-cn:iam::aws:policy/ReadOnlyAccess', false],
      [CUSTOM, true],
      ['arn::iam::aws:policy/ReadOnlyAccess', true],
      ['xarn:aws:iam::aws:policy/ReadOnlyAccess', true],
      ['arn:aws:x:iam::aws:policy/ReadOnlyAccess', true],
    ];
    for (const [arn, customer] of arns) it(`${arn} is ${customer ? '' : 'not '}customer-managed`, () => assert.equal(isCustomerManagedArn(arn), customer));
    it('keys a missing policy by account and ARN', () => assert.equal(missingPolicyKey('111111111111', CUSTOM), `111111111111 ${CUSTOM}`));
  });

  const config = team({
    policies: { reader: policy([READ_ONLY, CUSTOM], ['s3:ListBucket']), wide: policy([READ_ONLY, VIEW_ONLY, SECURITY_AUDIT]) },
    permanent: [{ users: ['alice'], environments: ['nonprod'], grants: ['reader'] }],
    temporary: [
      { user: 'bob', environment: 'nonprod', grant: 'reader', expiresAt: inHours(48, NOW) },
      { user: 'gone', environment: 'nonprod', grant: 'reader', expiresAt: inHours(-2, NOW) },
    ],
  });
  const expansion = expandTeam(config, NOW);
  const alice = expansion.grants.find((g) => g.principal === 'alice')!;
  const bob = expansion.grants.find((g) => g.principal === 'bob')!;
  const plan = (live: Partial<LiveView>): PlanEntry[] => planTeam(expansion, { ledger: new Map(), iam: {}, ...live }, options);
  const of = (entries: PlanEntry[], id: string) => entries.find((e) => e.id === id)!;

  it('names the customer-managed policy that does not exist, and where it was granted', () => {
    const entries = plan({ missingPolicies: new Set([missingPolicyKey(ACCOUNTS.nonprod, CUSTOM)]) });
    const problem = `customer-managed policy ${CUSTOM} (policy reader, granted at permanent-access/test.yaml:2) does not exist in nonprod (${ACCOUNTS.nonprod}); create it there or fix the ARN`;
    assert.equal(of(entries, alice.id).problem, problem);
    assert.equal(of(entries, alice.id).action, 'add');
  });

  it('does not call a policy missing in another account', () => {
    const entries = plan({ missingPolicies: new Set([missingPolicyKey(ACCOUNTS.prod, CUSTOM)]) });
    assert.equal(of(entries, alice.id).problem, undefined);
  });

  it('lists an expired temporary grant as skipped, naming its file and line', () => {
    const skipped = expansion.skipped[0]!;
    const entry = of(plan({}), skipped.id);
    assert.deepEqual(
      { action: entry.action, kind: entry.kind, principal: entry.principal, account: entry.account, policy: entry.policy, expiresAt: entry.expiresAt },
      { action: 'skip', kind: 'temporary', principal: 'user/gone', account: ACCOUNTS.nonprod, policy: 'reader', expiresAt: skipped.expiresAt },
    );
    assert.equal(entry.note, `expired at ${skipped.expiresAt} (temporary-access/test.yaml:3)`);
    assert.deepEqual([entry.drift, entry.awsExpires, entry.workflowExpires], [[], [], []]);
  });

  it('revokes a running grant the YAML dropped, naming its principal, account and policy', () => {
    const entry = of(
      plan({ ledger: ledgerOf(ledgerEntry(`grantflow/test-team/${ACCOUNTS.nonprod}/user/old/reader`)) }),
      `grantflow/test-team/${ACCOUNTS.nonprod}/user/old/reader`,
    );
    assert.deepEqual(
      { action: entry.action, kind: entry.kind, principal: entry.principal, account: entry.account, policy: entry.policy, note: entry.note },
      { action: 'revoke', kind: 'permanent', principal: 'user/old', account: ACCOUNTS.nonprod, policy: 'reader', note: 'removed from the YAML' },
    );
    assert.equal('expiresAt' in entry, false);
  });

  it('revokes a workflow id it cannot read under that id, with no account or policy', () => {
    const entry = of(plan({ ledger: ledgerOf(ledgerEntry('not-a-grant-id')) }), 'not-a-grant-id');
    assert.deepEqual(
      { kind: entry.kind, principal: entry.principal, account: entry.account, policy: entry.policy },
      { kind: 'unknown', principal: 'not-a-grant-id', account: '', policy: '' },
    );
  });

  it('sorts entries of the same action by id', () => {
    const entries = plan({ ledger: ledgerOf(ledgerEntry('zz-grant'), ledgerEntry('mm-grant'), ledgerEntry('aa-grant')) });
    assert.deepEqual(
      entries.filter((e) => e.action === 'revoke').map((e) => e.id),
      ['aa-grant', 'mm-grant', 'zz-grant'],
    );
  });

  it('cleans up after a workflow that failed without revoking', () => {
    const entry = of(plan({ ledger: ledgerOf(ledgerEntry('crashed-grant', 'FAILED')) }), 'crashed-grant');
    assert.equal(entry.action, 'revoke');
    assert.equal(entry.note, 'its workflow was failed without revoking; what it left in IAM is removed');
  });

  const notes: { name: string; entry: LedgerEntry; action: string; note: string }[] = [
    {
      name: 'a grant whose previous run is still revoking waits',
      entry: ledgerEntry(bob, 'RUNNING', 'revoking'),
      action: 'add',
      note: 'its previous run is still being revoked; granted again once that is done',
    },
    {
      name: 'a grant revoked early stays revoked',
      entry: ledgerEntry(bob, 'CANCELLED'),
      action: 'sticky',
      note: 'revoked early by an operator; `grantflow restore` lifts it',
    },
    {
      name: 'a running grant whose definition changed is updated',
      entry: { ...ledgerEntry(bob), memo: { shape: 'an older shape', attachedArns: [] } },
      action: 'update',
      note: 'its policy changed: the running grant takes the new definition',
    },
  ];
  for (const c of notes) {
    it(c.name, () => {
      const entry = of(plan({ ledger: ledgerOf(c.entry) }), bob.id);
      assert.equal(entry.action, c.action);
      assert.equal(entry.note, c.note);
    });
  }

  it('reports a missing inline policy as drift, and nothing for a principal it did not read', () => {
    const entries = plan({
      ledger: ledgerOf(ledgerEntry(alice), ledgerEntry(bob)),
      iam: { [`${ACCOUNTS.nonprod}/user/bob`]: { exists: true, attached: [READ_ONLY, CUSTOM], inline: [] } },
    });
    assert.deepEqual(of(entries, bob.id).drift, [`inline ${bob.inlinePolicy!.name} missing`]);
    assert.deepEqual(of(entries, alice.id).drift, []);
    assert.equal(of(entries, alice.id).action, 'keep');
  });

  describe("the account's quota", () => {
    const wideTeam = expandTeam(
      team({
        policies: { wide: policy([READ_ONLY, VIEW_ONLY, SECURITY_AUDIT]) },
        permanent: [{ users: ['carol'], environments: ['nonprod'], grants: ['wide'] }],
      }),
      NOW,
    );
    const carol = wideTeam.grants[0]!;
    const key = `${ACCOUNTS.nonprod}/user/carol`;
    const byHand = Array.from({ length: 8 }, (_, i) => `arn:aws:iam::${ACCOUNTS.nonprod}:policy/by-hand-${i}`);
    const quotas = { [ACCOUNTS.nonprod]: { user: 10, role: 10 } };
    const cases: { name: string; live: Partial<LiveView>; problem: boolean }[] = [
      {
        name: 'a new grant partly attached already, still over',
        live: { iam: { [key]: { exists: true, attached: [...byHand, READ_ONLY], inline: [] } }, quotas },
        problem: true,
      },
      {
        name: 'a running grant is not flagged (its attachments are re-applied, not new)',
        live: { ledger: ledgerOf(ledgerEntry(carol)), iam: { [key]: { exists: true, attached: byHand, inline: [] } }, quotas },
        problem: false,
      },
      {
        name: 'the quota of another account only: not checked',
        live: { iam: { [key]: { exists: true, attached: byHand, inline: [] } }, quotas: { [ACCOUNTS.prod]: { user: 1, role: 1 } } },
        problem: false,
      },
      { name: 'the principal was not read: not checked', live: { quotas }, problem: false },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const entries = planTeam(wideTeam, { ledger: new Map(), iam: {}, ...c.live }, options);
        const problem = of(entries, carol.id).problem;
        if (c.problem) assert.match(problem ?? '', /would hold 11 managed policies, over the account's quota of 10 \(9 attached now\)/);
        else assert.equal(problem, undefined);
      });
    }
  });
});

describe('plan: "add (already in IAM)" for what was there before grantflow', function () {
  const statements = [{ Effect: 'Allow' as const, Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::logs/*'] }];
  const original = { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::logs/*' } };
  const config = team({
    policies: {
      'aws.ReadOnlyAccess': policy([READ_ONLY]),
      'inline.s3': { ...policy([]), statements, replacesInline: 's3' },
      written: { ...policy([]), statements },
    },
    permanent: [
      { users: ['alice'], environments: ['nonprod'], grants: ['aws.ReadOnlyAccess', 'inline.s3', 'written'] },
      { roles: ['ci'], environments: ['nonprod'], grants: ['aws.ReadOnlyAccess', 'inline.s3'], adopt: true },
    ],
    temporary: [{ user: 'alice', environment: 'nonprod', grant: 'aws.ReadOnlyAccess', expiresAt: inHours(5) }],
  });
  const expansion = expandTeam(config, Date.now());
  const aliceKey = `${ACCOUNTS.nonprod}/user/alice`;
  const already = (iam: LiveView['iam']) =>
    Object.fromEntries(
      planTeam(expansion, { ledger: ledgerOf(), iam }, planOptions).map((e) => [
        `${e.principal} ${e.policy}${e.kind === 'temporary' ? ' (temporary)' : ''}`,
        e.alreadyInIam === true,
      ]),
    );
  const cases: [string, LiveView['iam'][string], Record<string, boolean>][] = [
    [
      'the managed policy attached and the inline original holding the statements (written another way)',
      { exists: true, attached: [READ_ONLY], inline: ['s3'], inlineDocuments: { s3: JSON.stringify(original) } },
      { 'user/alice aws.ReadOnlyAccess': true, 'user/alice inline.s3': true, 'user/alice written': false, 'user/alice aws.ReadOnlyAccess (temporary)': false },
    ],
    [
      'the inline original gone',
      { exists: true, attached: [READ_ONLY], inline: [], inlineDocuments: { s3: null } },
      { 'user/alice aws.ReadOnlyAccess': true, 'user/alice inline.s3': false, 'user/alice written': false, 'user/alice aws.ReadOnlyAccess (temporary)': false },
    ],
    [
      'the inline original edited since the import',
      {
        exists: true,
        attached: [READ_ONLY],
        inline: ['s3'],
        inlineDocuments: { s3: JSON.stringify({ ...original, Statement: { ...original.Statement, Action: 's3:*' } }) },
      },
      { 'user/alice aws.ReadOnlyAccess': true, 'user/alice inline.s3': false, 'user/alice written': false, 'user/alice aws.ReadOnlyAccess (temporary)': false },
    ],
    [
      'the managed policy not attached',
      { exists: true, attached: [], inline: ['s3'], inlineDocuments: { s3: JSON.stringify(original) } },
      { 'user/alice aws.ReadOnlyAccess': false, 'user/alice inline.s3': true, 'user/alice written': false, 'user/alice aws.ReadOnlyAccess (temporary)': false },
    ],
    [
      'no such user',
      { exists: false, attached: [], inline: [] },
      {
        'user/alice aws.ReadOnlyAccess': false,
        'user/alice inline.s3': false,
        'user/alice written': false,
        'user/alice aws.ReadOnlyAccess (temporary)': false,
      },
    ],
  ];
  for (const [what, state, expected] of cases) {
    it(`with ${what}`, () => {
      const found = already({ [aliceKey]: state });
      assert.deepEqual(Object.fromEntries(Object.keys(expected).map((k) => [k, found[k]])), expected);
    });
  }

  it("says that submitting changes no one's access, and what adopt: true does", () => {
    const entries = planTeam(
      expansion,
      {
        ledger: ledgerOf(),
        iam: { [`${ACCOUNTS.nonprod}/role/ci`]: { exists: true, attached: [READ_ONLY], inline: [], inlineDocuments: { s3: JSON.stringify(original) } } },
      },
      planOptions,
    );
    const ci = entries.filter((e) => e.principal === 'role/ci');
    assert.deepEqual(
      ci.map((e) => [e.action, e.alreadyInIam]),
      [
        ['add', true],
        ['add', true],
      ],
    );
    assert.match(
      ci[1]!.note!,
      /IAM holds this access already \(inline s3\): submitting changes no one's access; adopt: grantflow takes it over, deleting inline s3 once its policy is attached/,
    );
    const alice = entries.find((e) => e.principal === 'user/alice' && e.policy === 'aws.ReadOnlyAccess' && e.kind === 'permanent')!;
    assert.equal(alice.alreadyInIam, undefined, 'not read: not in IAM as far as the plan knows');
  });

  it('never says so of an IAM Identity Center grant, whose access no IAM policy holds', () => {
    const sso = expandTeam(
      team({ policies: { reader: policy([READ_ONLY]) }, permanent: [{ ssoUsers: ['alice@example.com'], environments: ['nonprod'], grants: ['reader'] }] }),
      Date.now(),
    );
    const grant = sso.grants[0]!;
    const iam = { [principalKey(grant.account, grant.principalType, grant.principal)]: { exists: true, attached: [], inline: [] } };
    const [entry] = planTeam(sso, { ledger: ledgerOf(), iam }, planOptions);
    assert.equal(entry!.action, 'add');
    assert.equal(entry!.alreadyInIam, undefined);
  });
});
