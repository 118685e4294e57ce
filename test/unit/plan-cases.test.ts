// Table-driven cases of the plan a reviewer reads: the exact action, note and problem of each entry.
import assert from 'node:assert/strict';
import { expandTeam } from '../../src/core/expand';
import type { LedgerEntry } from '../../src/core/ledger';
import { isCustomerManagedArn, missingPolicyKey, planTeam, type LiveView, type PlanEntry } from '../../src/core/plan';
import { ACCOUNTS, inHours, policy, READ_ONLY, SECURITY_AUDIT, team, VIEW_ONLY } from '../harness/team';
import { ledgerEntry, ledgerOf } from '../harness/ledger';

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
