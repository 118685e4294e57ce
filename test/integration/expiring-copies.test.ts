// Expiring copies of managed policies against moto: what grantflow stores is read back from moto
// and judged by an independent IAM policy evaluator (moto itself ignores conditions). A temporary
// grant of PowerUserAccess must end on AWS's side through its copy alone; with require_mfa it needs
// MFA; its copy is created, attached, and deleted at revoke and by the sweep once expired; a copy
// that does not fit falls back to attaching the original.
import assert from 'node:assert/strict';
import { GetPolicyCommand, GetPolicyVersionCommand, ListPoliciesCommand } from '@aws-sdk/client-iam';
import { createIamActivities } from '../../activities';
import { AccountClients, type CallRecord } from '../../src/aws/accounts';
import { deployerPolicies } from '../../src/aws/deployer-policy';
import { sweepPrincipals } from '../../src/aws/sweep';
import { expandTeam } from '../../src/core/expand';
import type { GrantSpec } from '../../src/core/grant';
import { attachedArns, revokeTarget, type RevokeTarget } from '../../src/core/grant-derived';
import type { ApplyResult } from '../../src/aws/grant-iam';
import { COPY_TAGS, teamPolicyPath } from '../../src/core/names';
import type { Settings } from '../../src/core/team-config';
import type { HolderDirectory, HolderQuery } from '../../src/temporal/holders';
import { startMoto, type Moto } from '../../src/local/moto';
import { decide as evaluate } from '../harness/iam-evaluator';
import { snapshotAccount } from '../harness/iam-snapshot';
import { ACCOUNTS, inHours, policy, READ_ONLY, team } from '../harness/team';

const POWER_USER = 'arn:aws:iam::aws:policy/PowerUserAccess';

class LiveGrants implements HolderDirectory {
  readonly live = new Map<string, GrantSpec>();
  async neededArns(query: HolderQuery): Promise<Set<string>> {
    const needed = new Set<string>();
    for (const g of this.live.values()) {
      if (g.id === query.excludeId || g.account !== query.account || g.principal !== query.principal) continue;
      attachedArns(g).forEach((arn) => needed.add(arn));
    }
    return needed;
  }
}

type Document = { Statement: unknown[] };

/** The revoke a grant's workflow sends after this apply: the spec's target with what the apply attached. */
const revokeOf = (grant: GrantSpec, applied: ApplyResult): RevokeTarget => ({ ...revokeTarget(grant), ownedArns: applied.attached });

describe('expiring copies of managed policies (moto)', function () {
  let moto: Moto;
  let accounts: AccountClients;
  let activities: ReturnType<typeof createIamActivities>;
  let holders: LiveGrants;
  let calls: CallRecord[];

  before(async () => {
    moto = await startMoto();
    Object.assign(process.env, moto.env);
  });
  after(async () => {
    accounts?.destroy();
    await moto?.stop();
  });
  beforeEach(async () => {
    accounts?.destroy();
    await moto.reset();
    await moto.createUsers(ACCOUNTS.nonprod, ['bob']);
    holders = new LiveGrants();
    calls = [];
    accounts = new AccountClients({ iamCallsPerSecond: 1000, observer: (call) => void calls.push(call) });
    activities = createIamActivities({ accounts, holders });
  });

  const grantOf = (managed: string[], settings: Partial<Settings> = {}, expiresAt = inHours(24)): GrantSpec =>
    expandTeam(
      team({
        policies: { 'break-glass': policy(managed) },
        temporary: [{ user: 'bob@example.com', environment: 'nonprod', grant: 'break-glass', expiresAt }],
        settings,
      }),
      Date.now(),
    ).grants[0]!;

  /** The copy's default document, tags and path, read straight from moto. */
  async function storedCopy(arn: string): Promise<{ document: Document; tags: Record<string, string>; path: string } | undefined> {
    const iam = await moto.iamIn(ACCOUNTS.nonprod);
    try {
      const found = await iam.send(new GetPolicyCommand({ PolicyArn: arn })).catch((error: Error) => {
        if (error.name === 'NoSuchEntityException' || error.name === 'NoSuchEntity') return undefined;
        throw error;
      });
      if (!found?.Policy) return undefined;
      const version = await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: found.Policy.DefaultVersionId! }));
      return {
        document: JSON.parse(decodeURIComponent(version.PolicyVersion!.Document!)) as Document,
        tags: Object.fromEntries((found.Policy.Tags ?? []).map((t) => [t.Key!, t.Value!])),
        path: found.Policy.Path!,
      };
    } finally {
      iam.destroy();
    }
  }

  function decide(document: Document, action: string, atMs: number, mfa?: boolean): Promise<string> {
    return evaluate([{ name: 'copy', policy: document }], {
      account: ACCOUNTS.nonprod,
      principal: 'user/bob',
      action,
      resource: action.startsWith('s3:') ? 'arn:aws:s3:::any-bucket' : '*',
      context: { 'aws:CurrentTime': new Date(atMs).toISOString(), ...(mfa === undefined ? {} : { 'aws:MultiFactorAuthPresent': mfa ? 'true' : 'false' }) },
    });
  }

  it('a temporary grant of PowerUserAccess is allowed one second before expiry and denied at expiry, through its copy alone', async () => {
    const grant = grantOf([POWER_USER]);
    assert.equal(grant.expiringCopies?.length, 1);
    const copy = grant.expiringCopies![0]!;
    await activities.applySpec(grant);
    const bob = (await snapshotAccount(moto, ACCOUNTS.nonprod)).users.bob!;
    assert.deepEqual(bob.attached, [copy.arn], 'the copy is attached, the original is not');
    const stored = (await storedCopy(copy.arn))!;
    assert.equal(stored.path, teamPolicyPath('test-team'));
    assert.equal(stored.tags['managed-by'], 'grantflow');
    assert.equal(stored.tags[COPY_TAGS.copyOf], POWER_USER);
    assert.equal(stored.tags[COPY_TAGS.grant], grant.id);
    const expiresMs = Date.parse(grant.expiresAt!);
    for (const action of ['s3:ListBucket', 'ec2:DescribeInstances', 'iam:ListRoles']) {
      assert.equal(await decide(stored.document, action, expiresMs - 1000), 'Allowed', `${action} one second before expiry`);
      assert.equal(await decide(stored.document, action, expiresMs), 'ImplicitlyDenied', `${action} at expiry`);
    }
    // What PowerUserAccess itself refuses, the copy refuses too.
    assert.equal(await decide(stored.document, 'iam:CreateUser', expiresMs - 1000), 'ImplicitlyDenied');

    const writes = calls.filter((c) => c.write).length;
    await activities.applySpec(grant);
    assert.equal(calls.filter((c) => c.write).length, writes, 'a second apply writes nothing');
  });

  it('with require_mfa the copy is denied without MFA and allowed with it', async () => {
    const grant = grantOf([POWER_USER], { requireMfa: ['nonprod'] });
    await activities.applySpec(grant);
    const stored = (await storedCopy(grant.expiringCopies![0]!.arn))!;
    const before = Date.parse(grant.expiresAt!) - 1000;
    assert.equal(await decide(stored.document, 'ec2:DescribeInstances', before, false), 'ImplicitlyDenied', 'without MFA');
    assert.equal(await decide(stored.document, 'ec2:DescribeInstances', before, undefined), 'ImplicitlyDenied', 'MFA unknown');
    assert.equal(await decide(stored.document, 'ec2:DescribeInstances', before, true), 'Allowed', 'with MFA');
    assert.equal(await decide(stored.document, 'ec2:DescribeInstances', Date.parse(grant.expiresAt!), true), 'ImplicitlyDenied', 'with MFA at expiry');
  });

  it('deletes the copy at revoke, leaving nothing behind', async () => {
    const grant = grantOf([POWER_USER]);
    const empty = await snapshotAccount(moto, ACCOUNTS.nonprod);
    const applied = await activities.applySpec(grant);
    assert.deepEqual(applied.attached, [grant.expiringCopies![0]!.arn]);
    const result = await activities.revokeGrant(revokeOf(grant, applied));
    assert.deepEqual(result.copies, { [grant.expiringCopies![0]!.arn]: 'deleted' });
    assert.equal(await storedCopy(grant.expiringCopies![0]!.arn), undefined);
    assert.deepEqual(await snapshotAccount(moto, ACCOUNTS.nonprod), empty);
    const again = await activities.revokeGrant(revokeOf(grant, applied));
    assert.deepEqual(again.copies, { [grant.expiringCopies![0]!.arn]: 'absent' }, 'a second revoke finds it gone');
  });

  it('the sweep detaches and deletes a copy past its expiry even while its grant still looks live', async () => {
    const grant = grantOf([POWER_USER], {}, inHours(1));
    await activities.applySpec(grant);
    holders.live.set(grant.id, grant);
    const scope = (nowMs: number, dryRun: boolean) => ({
      team: 'test-team',
      ref: { account: grant.account, environment: grant.environment, deployer: grant.deployer },
      principals: [{ type: 'user' as const, name: 'bob' }],
      liveGrantIds: new Set([grant.id]),
      ownNeeds: new Map([[`user/bob`, attachedArns(grant)]]),
      nowMs,
      maxTemporaryDays: 6,
      dryRun,
    });
    assert.deepEqual(await sweepPrincipals(accounts, holders, scope(Date.now(), false)), [], 'before expiry the copy stays');
    const later = Date.parse(grant.expiresAt!) + 1000;
    const findings = await sweepPrincipals(accounts, holders, scope(later, false));
    assert.deepEqual(
      findings.map((f) => f.why),
      ['expiring copy past its expiry'],
    );
    assert.equal(await storedCopy(grant.expiringCopies![0]!.arn), undefined, 'deleted');
    assert.deepEqual((await snapshotAccount(moto, ACCOUNTS.nonprod)).users.bob!.attached, []);
  });

  it("falls back to attaching the original when the account's version does not fit as a copy", async () => {
    // ReadOnlyAccess is far over the limit: the offline decision attaches it as is ...
    const offline = grantOf([READ_ONLY]);
    assert.equal(offline.expiringCopies, undefined);
    assert.match(offline.attachedAsIs![0]!.reason, /over IAM's 6144/);
    // ... and a spec that asks for its copy anyway (the table out of date) attaches the original.
    const copied = grantOf([POWER_USER]);
    const stale: GrantSpec = { ...copied, expiringCopies: [{ ...copied.expiringCopies![0]!, sourceArn: READ_ONLY }] };
    const result = await activities.applySpec(stale);
    assert.deepEqual(result.copies, { [stale.expiringCopies![0]!.arn]: 'too-large' });
    assert.deepEqual(result.attached, [READ_ONLY], 'the original, attached instead, is reported as attached');
    assert.deepEqual((await snapshotAccount(moto, ACCOUNTS.nonprod)).users.bob!.attached, [READ_ONLY]);
    const iam = await moto.iamIn(ACCOUNTS.nonprod);
    const local = await iam.send(new ListPoliciesCommand({ Scope: 'Local' }));
    iam.destroy();
    assert.deepEqual(local.Policies ?? [], [], 'no copy was written');
    await activities.revokeGrant(revokeOf(stale, result));
    assert.deepEqual((await snapshotAccount(moto, ACCOUNTS.nonprod)).users.bob!.attached, [], 'the revoke releases the original it attached instead');
  });

  it('a copy that falls back onto an original another live grant attached reports the original as attached', async () => {
    // A permanent grant of ReadOnlyAccess to bob is in place first, and live.
    const permanent = expandTeam(
      team({ policies: { reader: policy([READ_ONLY]) }, permanent: [{ users: ['bob@example.com'], environments: ['nonprod'], grants: ['reader'] }] }),
      Date.now(),
    ).grants[0]!;
    const first = await activities.applySpec(permanent);
    assert.deepEqual(first.attached, [READ_ONLY]);
    holders.live.set(permanent.id, permanent);
    // A temporary grant whose copy of ReadOnlyAccess does not fit: the original, already attached under the
    // permanent grant's mark, is what it holds now, and what its workflow must record.
    const copied = grantOf([POWER_USER]);
    const stale: GrantSpec = { ...copied, expiringCopies: [{ ...copied.expiringCopies![0]!, sourceArn: READ_ONLY }] };
    const result = await activities.applySpec(stale);
    assert.deepEqual(result.copies, { [stale.expiringCopies![0]!.arn]: 'too-large' });
    assert.deepEqual(result.attached, [READ_ONLY], 'the original it holds instead of its copy is reported as attached');
    assert.deepEqual(result.kept, []);
    holders.live.set(stale.id, stale);

    holders.live.delete(stale.id);
    const byTemporary = await activities.revokeGrant(revokeOf(stale, result));
    assert.deepEqual(byTemporary.kept, [{ arn: READ_ONLY, reason: 'needed by another live grant' }]);
    holders.live.delete(permanent.id);
    const byPermanent = await activities.revokeGrant(revokeOf(permanent, first));
    assert.deepEqual(byPermanent.detached, [READ_ONLY]);
    assert.deepEqual((await snapshotAccount(moto, ACCOUNTS.nonprod)).users.bob, { attached: [], inline: {}, tags: {} });
  });

  it('deployer-policy with a boundary allows granting calls only on bounded principals, and revoking calls on any', async () => {
    const boundary = `arn:aws:iam::${ACCOUNTS.nonprod}:policy/boundaries/developer`;
    const policies = deployerPolicies({
      partition: 'aws',
      roleName: 'AWSSelfServeDeployer',
      trustedPrincipal: 'arn:aws:iam::999999999999:root',
      boundaries: [boundary],
    });
    const permissions = policies.permissions as Document;
    const judge = (action: string, withBoundary: string | undefined) =>
      evaluate([{ name: 'deployer', policy: permissions }], {
        account: ACCOUNTS.nonprod,
        principal: 'role/AWSSelfServeDeployer',
        action,
        resource: `arn:aws:iam::${ACCOUNTS.nonprod}:user/bob`,
        context: withBoundary ? { 'iam:PermissionsBoundary': withBoundary } : {},
      });
    for (const action of ['iam:AttachUserPolicy', 'iam:PutUserPolicy']) {
      assert.equal(await judge(action, boundary), 'Allowed', `${action} on a bounded user`);
      assert.equal(await judge(action, undefined), 'ImplicitlyDenied', `${action} on an unbounded user`);
      assert.equal(await judge(action, `arn:aws:iam::${ACCOUNTS.nonprod}:policy/other`), 'ImplicitlyDenied', `${action} with another boundary`);
    }
    // A grant stays revokable after someone removes (or changes) the principal's boundary.
    for (const action of ['iam:DetachUserPolicy', 'iam:DeleteUserPolicy']) {
      assert.equal(await judge(action, boundary), 'Allowed', `${action} on a bounded user`);
      assert.equal(await judge(action, undefined), 'Allowed', `${action} on an unbounded user`);
      assert.equal(await judge(action, `arn:aws:iam::${ACCOUNTS.nonprod}:policy/other`), 'Allowed', `${action} with another boundary`);
    }
    assert.equal(await judge('iam:ListAttachedUserPolicies', undefined), 'Allowed', 'reads are not conditioned');
  });
});
