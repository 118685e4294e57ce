// The IAM activities against moto's server over HTTP: idempotent (a second run sends no write, and a
// run after a crash at any write ends in the same state), ownership-safe, and multi-account.
// The "other live grants" lookup normally asks Temporal's visibility store; here a small in-memory
// directory plays that part so the IAM behaviour can be shown on its own (the workflow tests use
// the real one).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  AttachUserPolicyCommand,
  CreatePolicyCommand,
  DetachUserPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  SetDefaultPolicyVersionCommand,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import { ApplicationFailure } from '@temporalio/common';
import { decide as evaluate } from '../harness/iam-evaluator';
import { AccountClients, type CallRecord } from '../../src/aws/accounts';
import type { HolderDirectory, HolderQuery } from '../../src/temporal/holders';
import { createIamActivities } from '../../activities';
import { GrantflowAwsError } from '../../src/aws/errors';
import { readQuotas } from '../../src/aws/account-quotas';
import { deletePolicyIfUnused, ensureManagedPolicy, listTeamPolicies, type PolicyOutcome, type PolicyRemoval } from '../../src/aws/managed-policies';
import { markerKey } from '../../src/aws/ownership-marks';
import { adoptInlineOriginal } from '../../src/aws/inline-originals';
import { inlinePolicyName, teamPolicyPath } from '../../src/core/names';
import { grantWorkflowId } from '../../src/core/ids';
import { sweepPrincipals } from '../../src/aws/sweep';
import { IAM_OPERATIONS } from '../../src/aws/operations';
import type { GrantSpec, PolicySync } from '../../src/core/grant';
import { attachedArns, deployerFor, revokeTarget, type RevokeTarget } from '../../src/core/grant-derived';
import type { ApplyResult } from '../../src/aws/grant-iam';
import { expandTeam } from '../../src/core/expand';
import { renderDocument, withExpiry } from '../../src/core/documents';
import { deployerActions, deployerPolicies, IMPLIED_ACTIONS } from '../../src/aws/deployer-policy';
import { DEFAULT_SETTINGS } from '../../src/core/team-config';
import { startMoto, type Moto } from '../../src/local/moto';
import { snapshotAccount } from '../harness/iam-snapshot';
import { ACCOUNTS, grantsOf, inHours, policy, READ_ONLY, SECURITY_AUDIT, team, VIEW_ONLY } from '../harness/team';

/** The grants a test says are live, standing in for Temporal visibility. */
class LiveGrants implements HolderDirectory {
  readonly live = new Map<string, GrantSpec>();
  add(...grants: GrantSpec[]) {
    for (const g of grants) this.live.set(g.id, g);
  }
  remove(grant: GrantSpec) {
    this.live.delete(grant.id);
  }
  async neededArns(query: HolderQuery): Promise<Set<string>> {
    const needed = new Set<string>();
    for (const g of this.live.values()) {
      if (g.id === query.excludeId || g.account !== query.account || g.principal !== query.principal || g.principalType !== query.principalType) continue;
      attachedArns(g).forEach((arn) => needed.add(arn));
    }
    return needed;
  }
}

/** Every AWS operation any test in this file saw sent; checked against the deployer policy at the end. */
const observedOperations = new Set<string>();

describe('IAM activities (moto)', function () {
  let moto: Moto;
  let calls: CallRecord[];
  let failOnWrite: number | undefined;
  let holders: LiveGrants;
  let accounts: AccountClients;
  let activities: ReturnType<typeof createIamActivities>;
  /** What each grant's workflow records of its applies (`status.attached`), by grant id. */
  let records: Map<string, Set<string>>;

  const writes = () => calls.filter((c) => c.write).map((c) => `${c.account}:${c.operation}`);

  before(async () => {
    moto = await startMoto();
    Object.assign(process.env, moto.env);
  });
  after(async () => {
    await moto?.stop();
  });
  /** A fresh moto state; moto forgets assumed-role keys on reset, so the clients are new too. */
  /** `iamCallsPerSecond`: the accounts' budget (by default one that is never short). */
  async function resetIam(iamCallsPerSecond = 1000): Promise<void> {
    accounts?.destroy();
    await moto.reset();
    await moto.createUsers(ACCOUNTS.nonprod, ['alice', 'bob']);
    await moto.createUsers(ACCOUNTS.prod, ['alice']);
    await moto.createRoles(ACCOUNTS.nonprod, ['deployer-ci']);
    calls = [];
    failOnWrite = undefined;
    records = new Map();
    accounts = new AccountClients({
      iamCallsPerSecond,
      observer: (call) => {
        observedOperations.add(`${call.service}:${call.operation}`);
        if (call.write && failOnWrite !== undefined && writes().length + 1 === failOnWrite) {
          throw new Error(`simulated crash before write #${failOnWrite} (${call.operation})`);
        }
        calls.push(call);
      },
    });
    activities = createIamActivities({ accounts, holders });
  }

  beforeEach(async () => {
    holders = new LiveGrants();
    await resetIam();
  });
  after(() => accounts?.destroy());

  const config = team({
    policies: {
      reader: policy([READ_ONLY], ['s3:ListBucket', 'ec2:DescribeInstances']),
      auditor: policy([SECURITY_AUDIT, READ_ONLY]),
    },
    permanent: [
      { users: ['alice@example.com'], environments: ['nonprod', 'prod'], grants: ['reader'] },
      { roles: ['deployer-ci'], environments: ['nonprod'], grants: ['auditor'] },
    ],
    temporary: [{ user: 'bob@example.com', environment: 'nonprod', grant: 'reader', expiresAt: inHours(24) }],
  });
  const expansion = expandTeam(config, Date.now());
  const grants = expansion.grants;
  const aliceNonprod = grants.find((g) => g.principal === 'alice' && g.account === ACCOUNTS.nonprod)!;
  const aliceProd = grants.find((g) => g.principal === 'alice' && g.account === ACCOUNTS.prod)!;
  const bobTemporary = grants.find((g) => g.kind === 'temporary')!;
  const ref = (account: string, environment = 'nonprod') => ({ account, environment, deployer: deployerFor(DEFAULT_SETTINGS) });
  const targetIn = (r: ReturnType<typeof ref>) => ({ client: accounts.iam(r), account: r.account, environment: r.environment });
  /** The reconcile pass's policy sync and clean-up, one account at a time. */
  const activitiesForPolicies = {
    async syncPolicies(input: { ref: ReturnType<typeof ref>; policies: PolicySync[] }): Promise<Record<string, PolicyOutcome>> {
      const outcomes: Record<string, PolicyOutcome> = {};
      for (const p of input.policies) outcomes[p.arn] = await ensureManagedPolicy(targetIn(input.ref), p);
      return outcomes;
    },
    async deleteUnusedPolicies(input: { ref: ReturnType<typeof ref>; team: string; arns: string[] }): Promise<Record<string, PolicyRemoval>> {
      const outcomes: Record<string, PolicyRemoval> = {};
      for (const arn of input.arns) outcomes[arn] = await deletePolicyIfUnused(targetIn(input.ref), arn, input.team);
      return outcomes;
    },
  };
  const policiesIn = (account: string): PolicySync[] => expansion.policies.filter((p) => p.account === account);
  /** Each version's document, parsed (IAM returns them URL-encoded). */
  const versionDocuments = async (arn: string, versions: string[]): Promise<unknown[]> => {
    const iam = await moto.iamIn(ACCOUNTS.nonprod);
    try {
      const out: unknown[] = [];
      for (const VersionId of versions) {
        const version = await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId }));
        out.push(JSON.parse(decodeURIComponent(version.PolicyVersion!.Document!)));
      }
      return out;
    } finally {
      iam.destroy();
    }
  };

  /** Runs every grant-side activity once; returns when all of the team's access is in place. */
  async function grantEverything(): Promise<void> {
    for (const account of [ACCOUNTS.nonprod, ACCOUNTS.prod]) {
      await activitiesForPolicies.syncPolicies({ ref: ref(account), policies: policiesIn(account) });
    }
    for (const grant of grants) await apply(grant);
    holders.add(...grants);
  }

  /** An apply, and what the grant's workflow does with its result: adds what it attached to the grant's record. */
  async function apply(grant: GrantSpec): Promise<ApplyResult> {
    const result = await activities.applySpec(grant);
    records.set(grant.id, new Set([...(records.get(grant.id) ?? []), ...result.attached]));
    return result;
  }

  /** The revoke the grant's workflow sends: the spec's target with the grant's record of what it attached. */
  const revokeOf = (grant: GrantSpec): RevokeTarget => ({ ...revokeTarget(grant), ownedArns: [...(records.get(grant.id) ?? [])] });

  /** Each grant's revoke, as its workflow sends it once the grant is no longer live. */
  async function revokeEverything(): Promise<void> {
    for (const grant of grants) {
      holders.remove(grant);
      await activities.revokeGrant(revokeOf(grant));
    }
  }

  async function snapshots() {
    return { nonprod: await snapshotAccount(moto, ACCOUNTS.nonprod), prod: await snapshotAccount(moto, ACCOUNTS.prod) };
  }

  describe('idempotency', function () {
    it('grants everything once, and a second run of every activity makes zero writes and changes nothing', async () => {
      await grantEverything();
      const afterFirst = await snapshots();
      assert.deepEqual(afterFirst.nonprod.users.alice!.attached, [READ_ONLY, aliceNonprod.customPolicyArn].sort());
      assert.deepEqual(Object.keys(afterFirst.nonprod.users.bob!.inline), [bobTemporary.inlinePolicy!.name]);
      assert.deepEqual(afterFirst.nonprod.roles['deployer-ci']!.attached, [READ_ONLY, SECURITY_AUDIT].sort());
      assert.ok(writes().length > 0);

      calls = [];
      await grantEverything();
      assert.deepEqual(writes(), [], 'a second run must send no write');
      assert.deepEqual(await snapshots(), afterFirst);
    });

    it('revokes everything, and a second revoke makes zero writes and changes nothing', async () => {
      await grantEverything();
      await revokeEverything();
      const afterFirst = await snapshots();
      assert.deepEqual(afterFirst.nonprod.users.alice!.attached, []);
      assert.deepEqual(afterFirst.nonprod.users.bob, { attached: [], inline: {}, tags: {} });
      calls = [];
      for (const grant of grants) await activities.revokeGrant(revokeOf(grant));
      assert.deepEqual(writes(), []);
      assert.deepEqual(await snapshots(), afterFirst);
    });

    it('revokes at the expiry with its access-removing writes first, no read before them, to the same end as a revoke that reads first', async () => {
      await grantEverything();
      await revokeEverything();
      const readFirst = await snapshots();
      await resetIam();
      await grantEverything();
      for (const grant of grants) {
        holders.remove(grant);
        calls = [];
        await activities.revokeGrantWhenDue({ grant: revokeOf(grant), dueAt: new Date().toISOString(), waitAtMostMs: 0 });
        const sent = calls.map((c) => c.operation);
        const removals = sent.map((op, i) => (/^(DeleteUserPolicy|DeleteRolePolicy|Detach\w+Policy)$/.test(op) ? i : -1)).filter((i) => i >= 0);
        const firstRead = sent.findIndex((op) => /^(List|Get)/.test(op));
        assert.ok(removals.length > 0, `${grant.id}: ${sent.join(', ')}`);
        assert.ok(firstRead < 0 || firstRead > Math.max(...removals), `${grant.id} read before its access was gone: ${sent.join(', ')}`);
      }
      assert.deepEqual(await snapshots(), readFirst);
    });

    it('deletes unused team policies once; the second run makes zero writes', async () => {
      await activitiesForPolicies.syncPolicies({ ref: ref(ACCOUNTS.nonprod), policies: policiesIn(ACCOUNTS.nonprod) });
      const arns = policiesIn(ACCOUNTS.nonprod).map((p) => p.arn);
      assert.deepEqual(await activitiesForPolicies.deleteUnusedPolicies({ ref: ref(ACCOUNTS.nonprod), team: 'test-team', arns }), { [arns[0]!]: 'deleted' });
      calls = [];
      assert.deepEqual(await activitiesForPolicies.deleteUnusedPolicies({ ref: ref(ACCOUNTS.nonprod), team: 'test-team', arns }), { [arns[0]!]: 'absent' });
      assert.deepEqual(writes(), []);
    });

    it('ends in the same state after a crash before any one of its writes, once re-run', async function () {
      // One fresh IAM and two full grant runs per write: slow on a loaded machine, not stuck.
      this.timeout(600_000);
      await grantEverything();
      const expected = await snapshots();
      const total = writes().length;
      for (let k = 1; k <= total; k++) {
        await resetIam();
        failOnWrite = k;
        await assert.rejects(grantEverything(), /simulated crash/);
        failOnWrite = undefined;
        await grantEverything();
        assert.deepEqual(await snapshots(), expected, `state after a crash before write #${k}`);
      }
    });

    it('revoke ends in the same state after a crash before any one of its writes', async () => {
      await grantEverything();
      for (const g of grants) holders.remove(g);
      const revokeAll = async () => {
        for (const grant of grants) await activities.revokeGrant(revokeOf(grant));
      };
      calls = [];
      await revokeAll();
      const expected = await snapshots();
      const total = writes().length;
      for (let k = 1; k <= total; k++) {
        await grantEverything();
        for (const g of grants) holders.remove(g);
        calls = [];
        failOnWrite = k;
        await assert.rejects(revokeAll(), /simulated crash/);
        failOnWrite = undefined;
        await revokeAll();
        assert.deepEqual(await snapshots(), expected, `state after a crash before revoke write #${k}`);
      }
    });
  });

  it('keeps at most 5 versions of a policy changed 7 times, the newest as default', async () => {
    const sync = policiesIn(ACCOUNTS.nonprod)[0]!;
    const documents: string[] = [];
    for (let change = 0; change < 8; change++) {
      const document = renderDocument([{ Effect: 'Allow', Action: [`s3:GetObject`], Resource: [`arn:aws:s3:::bucket-${change}/*`] }]);
      documents.push(document);
      const outcome = await activitiesForPolicies.syncPolicies({ ref: ref(ACCOUNTS.nonprod), policies: [{ ...sync, document }] });
      assert.equal(outcome[sync.arn], change === 0 ? 'created' : 'updated');
    }
    const state = (await snapshotAccount(moto, ACCOUNTS.nonprod)).policies[sync.arn]!;
    assert.equal(state.versions.length, 5);
    assert.deepEqual(state.document, JSON.parse(documents[7]!));
    assert.equal(state.defaultVersion, 'v8');
    // The oldest went first: the survivors are the five newest, each still holding its own document.
    assert.deepEqual(state.versions, ['v4', 'v5', 'v6', 'v7', 'v8']);
    assert.deepEqual(
      await versionDocuments(sync.arn, state.versions),
      state.versions.map((v) => JSON.parse(documents[Number(v.slice(1)) - 1]!)),
    );
  });

  it('prunes the oldest version that is not the default, even when someone made an old one the default by hand', async () => {
    const sync = policiesIn(ACCOUNTS.nonprod)[0]!;
    const documents: string[] = [];
    const write = async (change: number) => {
      const document = renderDocument([{ Effect: 'Allow', Action: [`s3:GetObject`], Resource: [`arn:aws:s3:::pruned-${change}/*`] }]);
      documents.push(document);
      await activitiesForPolicies.syncPolicies({ ref: ref(ACCOUNTS.nonprod), policies: [{ ...sync, document }] });
    };
    for (let change = 0; change < 5; change++) await write(change);
    const iam = await moto.iamIn(ACCOUNTS.nonprod);
    try {
      await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: sync.arn, VersionId: 'v1' }));
    } finally {
      iam.destroy();
    }
    await write(5);
    const state = (await snapshotAccount(moto, ACCOUNTS.nonprod)).policies[sync.arn]!;
    assert.equal(state.defaultVersion, 'v6', 'the YAML document is the default again');
    assert.deepEqual(state.versions, ['v1', 'v3', 'v4', 'v5', 'v6'], 'v2, the oldest non-default, went; v1 was the default when pruning');
    assert.deepEqual(
      await versionDocuments(sync.arn, state.versions),
      [0, 2, 3, 4, 5].map((i) => JSON.parse(documents[i]!)),
    );
  });

  it('leaves a policy attached by hand before grantflow, and a hand-written inline policy, through grant and revoke', async () => {
    const iam = await moto.iamIn(ACCOUNTS.nonprod);
    await iam.send(new AttachUserPolicyCommand({ UserName: 'bob', PolicyArn: READ_ONLY }));
    const handWritten = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:ListQueues', Resource: '*' }] });
    await iam.send(new PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'bobs-own', PolicyDocument: handWritten }));
    iam.destroy();

    const grant = await apply(bobTemporary);
    assert.deepEqual(grant.foreign, [READ_ONLY], "the hand-made attachment is recognised as not grantflow's");
    const during = (await snapshotAccount(moto, ACCOUNTS.nonprod)).users.bob!;
    assert.deepEqual(Object.keys(during.inline).sort(), ['bobs-own', bobTemporary.inlinePolicy!.name].sort());

    const revoked = await activities.revokeGrant(revokeOf(bobTemporary));
    assert.deepEqual(revoked.kept, [{ arn: READ_ONLY, reason: 'attached before grantflow' }]);
    const after = (await snapshotAccount(moto, ACCOUNTS.nonprod)).users.bob!;
    assert.deepEqual(after.attached, [READ_ONLY]);
    assert.deepEqual(Object.keys(after.inline), ['bobs-own']);
    assert.deepEqual(JSON.parse(after.inline['bobs-own']!), JSON.parse(handWritten));
  });

  it('keeps a managed policy two grants share until both are revoked', async () => {
    const shared = team({
      policies: { reader: policy([READ_ONLY, VIEW_ONLY]), auditor: policy([READ_ONLY, SECURITY_AUDIT]) },
      permanent: [{ users: ['alice'], environments: ['nonprod'], grants: ['reader', 'auditor'] }],
    });
    const [auditor, reader] = grantsOf(shared);
    for (const g of [auditor!, reader!]) {
      await apply(g);
      holders.add(g);
    }
    assert.deepEqual((await snapshotAccount(moto, ACCOUNTS.nonprod)).users.alice!.attached, [READ_ONLY, SECURITY_AUDIT, VIEW_ONLY].sort());

    holders.remove(reader!);
    const first = await activities.revokeGrant(revokeOf(reader!));
    assert.deepEqual(first.detached, [VIEW_ONLY]);
    assert.deepEqual(first.kept, [{ arn: READ_ONLY, reason: 'needed by another live grant' }]);
    assert.deepEqual((await snapshotAccount(moto, ACCOUNTS.nonprod)).users.alice!.attached, [READ_ONLY, SECURITY_AUDIT].sort());

    holders.remove(auditor!);
    await activities.revokeGrant(revokeOf(auditor!));
    assert.deepEqual((await snapshotAccount(moto, ACCOUNTS.nonprod)).users.alice, { attached: [], inline: {}, tags: {} });
  });

  it('keeps a managed policy two grants share until both are revoked, when the grant that attached it goes first', async () => {
    const shared = team({
      policies: { reader: policy([READ_ONLY, VIEW_ONLY]), auditor: policy([READ_ONLY, SECURITY_AUDIT]) },
      permanent: [{ users: ['alice'], environments: ['nonprod'], grants: ['reader', 'auditor'] }],
    });
    const [auditor, reader] = grantsOf(shared);
    await apply(auditor!);
    holders.add(auditor!);
    const second = await apply(reader!);
    holders.add(reader!);
    // Found attached under the mark of a live grant that holds it: the reader's too, from now on.
    assert.deepEqual(second.attached.sort(), [READ_ONLY, VIEW_ONLY].sort());

    holders.remove(auditor!);
    const first = await activities.revokeGrant(revokeOf(auditor!));
    assert.deepEqual(first.detached, [SECURITY_AUDIT]);
    assert.deepEqual(first.kept, [{ arn: READ_ONLY, reason: 'needed by another live grant' }]);

    holders.remove(reader!);
    const last = await activities.revokeGrant(revokeOf(reader!));
    assert.deepEqual(last.detached.sort(), [READ_ONLY, VIEW_ONLY].sort());
    assert.deepEqual((await snapshotAccount(moto, ACCOUNTS.nonprod)).users.alice, { attached: [], inline: {}, tags: {} });
  });

  it("never detaches a policy attached before grantflow on which the principal planted grantflow's mark", async () => {
    // Anyone allowed to tag the principal (often the principal itself) can write grantflow's mark on
    // an attachment older than grantflow; a grant of the same policy then arrives, and is revoked.
    const iam = await moto.iamIn(ACCOUNTS.nonprod);
    try {
      await iam.send(new AttachUserPolicyCommand({ UserName: 'bob', PolicyArn: READ_ONLY }));
      await iam.send(new TagUserCommand({ UserName: 'bob', Tags: [{ Key: markerKey(READ_ONLY), Value: READ_ONLY }] }));
    } finally {
      iam.destroy();
    }
    assert.ok(attachedArns(bobTemporary).includes(READ_ONLY), 'the grant attaches the same policy');
    const applied = await apply(bobTemporary);
    assert.deepEqual(applied.attached, [], 'the apply attached nothing, and takes nothing for its own');
    assert.deepEqual(applied.kept, [READ_ONLY]);

    // What the grant's workflow sends: the spec's target with its record (empty here).
    const revoked = await activities.revokeGrant({ ...revokeTarget(bobTemporary), ...(applied.attached.length ? { ownedArns: applied.attached } : {}) });
    assert.deepEqual(revoked.detached, []);
    assert.deepEqual(revoked.kept, [{ arn: READ_ONLY, reason: 'not attached by this grant' }]);
    const bob = (await snapshotAccount(moto, ACCOUNTS.nonprod)).users.bob!;
    assert.deepEqual(bob.attached, [READ_ONLY], 'the attachment from before grantflow is still there');
    assert.deepEqual(bob.inline, {}, "the grant's own inline policy is gone");
  });

  it("deletes a team policy once nothing lists it attached, though IAM's attachment count still says otherwise", async () => {
    const one = team({
      policies: { reader: policy([READ_ONLY], ['s3:ListBucket']) },
      permanent: [{ users: ['alice', 'bob'], environments: ['nonprod'], grants: ['reader'] }],
    });
    const [sync] = expandTeam(one, Date.now()).policies.filter((p) => p.account === ACCOUNTS.nonprod);
    const target = targetIn(ref(ACCOUNTS.nonprod));
    await ensureManagedPolicy(target, sync!);
    const iam = await moto.iamIn(ACCOUNTS.nonprod);
    try {
      // An attach whose reply was lost and that was sent again: IAM (here moto) counts it twice.
      await iam.send(new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: sync!.arn }));
      await iam.send(new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: sync!.arn }));
      await iam.send(new AttachUserPolicyCommand({ UserName: 'bob', PolicyArn: sync!.arn }));
      await iam.send(new DetachUserPolicyCommand({ UserName: 'bob', PolicyArn: sync!.arn }));
      assert.equal(await deletePolicyIfUnused(target, sync!.arn, one.team), 'in-use', 'alice still has it attached');
      await iam.send(new DetachUserPolicyCommand({ UserName: 'alice', PolicyArn: sync!.arn }));
      const counted = (await iam.send(new GetPolicyCommand({ PolicyArn: sync!.arn }))).Policy?.AttachmentCount;
      assert.ok((counted ?? 0) > 0, `the attachment count lags (${counted}), else this test proves nothing`);
      assert.equal(await deletePolicyIfUnused(target, sync!.arn, one.team), 'deleted');
      assert.equal(await deletePolicyIfUnused(target, sync!.arn, one.team), 'absent');
    } finally {
      iam.destroy();
    }
  });

  it("answers a burst's principal reads with one listing of the account when its budget is short, and tells grantflow's attachments from those made before it", async () => {
    // At 10 calls a second the burst's reads would wait for the budget: a listing saves them.
    await resetIam(10);
    const users = Array.from({ length: 12 }, (_, i) => `burst${i}`);
    await moto.createUsers(ACCOUNTS.nonprod, users);
    const burst = team({
      policies: { reader: policy([READ_ONLY], ['s3:ListBucket']) },
      permanent: [{ users, environments: ['nonprod'], grants: ['reader'] }],
    });
    const specs = grantsOf(burst);
    const [sync] = expandTeam(burst, Date.now()).policies.filter((p) => p.account === ACCOUNTS.nonprod);
    await ensureManagedPolicy(targetIn(ref(ACCOUNTS.nonprod)), sync!);
    const iam = await moto.iamIn(ACCOUNTS.nonprod);
    try {
      // Attached by someone else before grantflow: a listing must show it as foreign, as a read of its own would.
      await iam.send(new AttachUserPolicyCommand({ UserName: 'burst3', PolicyArn: READ_ONLY }));
    } finally {
      iam.destroy();
    }
    calls = [];
    const outcomes = await Promise.all(specs.map((spec) => activities.applySpec(spec)));
    const count = (operation: string) => calls.filter((c) => c.operation === operation).length;
    assert.ok(count('GetAccountAuthorizationDetails') >= 1, 'the burst was answered by a listing');
    const ownReads = count('ListAttachedUserPolicies') + count('ListUserTags');
    assert.ok(ownReads < specs.length, `${ownReads} reads of single principals for ${specs.length} grants (2 each without the listing)`);
    assert.equal(count('AttachUserPolicy'), 2 * specs.length - 1);
    assert.equal(count('TagUser'), specs.length);
    const byUser = new Map(specs.map((s, i) => [s.principal, outcomes[i]!]));
    assert.deepEqual(byUser.get('burst3')!.foreign, [READ_ONLY]);
    assert.deepEqual(byUser.get('burst3')!.attached, [sync!.arn]);
    assert.deepEqual(byUser.get('burst4')!.attached.sort(), [READ_ONLY, sync!.arn].sort());
    const snapshot = await snapshotAccount(moto, ACCOUNTS.nonprod);
    for (const user of users) {
      const marks = Object.values(snapshot.users[user]!.tags);
      assert.deepEqual(marks.sort(), (user === 'burst3' ? [sync!.arn] : [READ_ONLY, sync!.arn]).sort(), `${user}'s marks`);
    }
    // Run again: the burst's reads are shared too, and nothing is written.
    calls = [];
    const again = await Promise.all(specs.map((spec) => activities.applySpec(spec)));
    assert.deepEqual(writes(), []);
    assert.deepEqual(again.find((_, i) => specs[i]!.principal === 'burst3')!.foreign, [READ_ONLY]);
    assert.ok(again.every((o, i) => o.kept.length === (specs[i]!.principal === 'burst3' ? 1 : 2)));
  });

  it("reads a burst's principals one by one when the account's budget can send those reads at once: a listing would cost more and save nothing", async () => {
    const users = Array.from({ length: 12 }, (_, i) => `spare${i}`);
    await moto.createUsers(ACCOUNTS.nonprod, users);
    const burst = team({ policies: { viewer: policy([READ_ONLY]) }, permanent: [{ users, environments: ['nonprod'], grants: ['viewer'] }] });
    calls = [];
    await Promise.all(grantsOf(burst).map((spec) => activities.applySpec(spec)));
    const count = (operation: string) => calls.filter((c) => c.operation === operation).length;
    assert.equal(count('GetAccountAuthorizationDetails'), 0);
    assert.equal(count('ListAttachedUserPolicies'), users.length, 'each principal read on its own');
    assert.equal(count('AttachUserPolicy'), users.length);
  });

  it('lands grants in two accounts only in their own account', async () => {
    await activitiesForPolicies.syncPolicies({ ref: ref(ACCOUNTS.nonprod), policies: policiesIn(ACCOUNTS.nonprod) });
    await activitiesForPolicies.syncPolicies({ ref: ref(ACCOUNTS.prod, 'prod'), policies: policiesIn(ACCOUNTS.prod) });
    await activities.applySpec(aliceNonprod);
    await activities.applySpec(aliceProd);
    const { nonprod, prod } = await snapshots();
    assert.deepEqual(nonprod.users.alice!.attached, [READ_ONLY, aliceNonprod.customPolicyArn].sort());
    assert.deepEqual(prod.users.alice!.attached, [READ_ONLY, aliceProd.customPolicyArn].sort());
    assert.ok(aliceNonprod.customPolicyArn!.includes(`:${ACCOUNTS.nonprod}:`) && aliceProd.customPolicyArn!.includes(`:${ACCOUNTS.prod}:`));
    assert.deepEqual(Object.keys(nonprod.policies), [aliceNonprod.customPolicyArn]);
    assert.deepEqual(Object.keys(prod.policies), [aliceProd.customPolicyArn]);
    assert.ok(calls.filter((c) => c.service === 'iam').every((c) => c.account === ACCOUNTS.nonprod || c.account === ACCOUNTS.prod));
  });

  it('fails at once, non-retryable, for a missing user, naming the principal, account and the create-user command', async () => {
    const ghost = grantsOf(
      team({ policies: { reader: policy([READ_ONLY]) }, permanent: [{ users: ['ghost@example.com'], environments: ['prod'], grants: ['reader'] }] }),
    )[0]!;
    const error = await activities.applySpec(ghost).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ApplicationFailure);
    assert.equal(error.type, 'PrincipalNotFound');
    assert.equal(error.nonRetryable, true);
    assert.match(error.message, /IAM user ghost does not exist in account prod \(222222222222\)/);
    assert.match(error.message, /aws iam create-user --user-name ghost/);
    assert.equal(calls.filter((c) => c.service === 'iam').length, 1, 'one read, no retries by the SDK');
  });

  it('refuses to edit a policy of the same name and path that grantflow did not create', async () => {
    const sync = policiesIn(ACCOUNTS.nonprod)[0]!;
    const iam = await moto.iamIn(ACCOUNTS.nonprod);
    await iam.send(new CreatePolicyCommand({ PolicyName: sync.name, Path: teamPolicyPath(sync.team), PolicyDocument: sync.document }));
    iam.destroy();
    const changed = renderDocument(withExpiry([{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['*'] }], inHours(1)));
    await assert.rejects(activitiesForPolicies.syncPolicies({ ref: ref(ACCOUNTS.nonprod), policies: [{ ...sync, document: changed }] }), (e: unknown) => {
      assert.ok(e instanceof GrantflowAwsError);
      assert.equal(e.type, 'NotOwnedByGrantflow');
      assert.match(e.message, /is not tagged managed-by=grantflow/);
      return true;
    });
  });

  it("never edits or deletes another team's policy, naming both teams", async () => {
    const sync = policiesIn(ACCOUNTS.nonprod)[0]!;
    await activitiesForPolicies.syncPolicies({ ref: ref(ACCOUNTS.nonprod), policies: [sync] });
    const intruder = { ...sync, team: 'other-team', document: renderDocument([{ Effect: 'Allow', Action: ['s3:DeleteBucket'], Resource: ['*'] }]) };
    await assert.rejects(
      activitiesForPolicies.syncPolicies({ ref: ref(ACCOUNTS.nonprod), policies: [intruder] }),
      /belongs to team test-team .*not to team other-team/,
    );
    await assert.rejects(
      activitiesForPolicies.deleteUnusedPolicies({ ref: ref(ACCOUNTS.nonprod), team: 'other-team', arns: [sync.arn] }),
      /belongs to team test-team .*not to team other-team/,
    );
    const state = (await snapshotAccount(moto, ACCOUNTS.nonprod)).policies[sync.arn]!;
    assert.deepEqual(state.document, JSON.parse(sync.document), "the owner's document is untouched");
  });

  it("lists a team's policies under its own path only: not a look-alike team's, not one directly under /grantflow/ that claims the team by its tag", async () => {
    const sync = policiesIn(ACCOUNTS.nonprod)[0]!;
    await activitiesForPolicies.syncPolicies({ ref: ref(ACCOUNTS.nonprod), policies: [sync] });
    const iam = await moto.iamIn(ACCOUNTS.nonprod);
    const tags = [
      { Key: 'managed-by', Value: 'grantflow' },
      { Key: 'grantflow:team', Value: 'test-team' },
    ];
    await iam.send(new CreatePolicyCommand({ PolicyName: 'test-team-reader', Path: '/grantflow/', PolicyDocument: sync.document, Tags: tags }));
    await iam.send(
      new CreatePolicyCommand({ PolicyName: 'grantflow.test-team-x.reader', Path: '/grantflow/test-team-x/', PolicyDocument: sync.document, Tags: tags }),
    );
    iam.destroy();
    const listed = await listTeamPolicies(targetIn(ref(ACCOUNTS.nonprod)), 'test-team');
    assert.deepEqual(
      listed.map((p) => p.arn),
      [sync.arn],
    );
  });

  it("sweeps the team's expired inline policies and orphaned attachments, and only those", async () => {
    const expired = grantsOf(
      team({
        policies: { reader: policy([VIEW_ONLY], ['s3:ListBucket']) },
        temporary: [{ user: 'bob', environment: 'nonprod', grant: 'reader', expiresAt: inHours(1) }],
      }),
    )[0]!;
    await activities.applySpec(expired);
    const iam = await moto.iamIn(ACCOUNTS.nonprod);
    await iam.send(
      new PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'grantflow.other-team.x.20200101T000000Z', PolicyDocument: expired.inlinePolicy!.document }),
    );
    iam.destroy();
    const sweep = (dryRun: boolean, nowMs: number) =>
      sweepPrincipals(accounts, holders, {
        team: 'test-team',
        ref: ref(ACCOUNTS.nonprod),
        principals: [{ type: 'user', name: 'bob' }],
        liveGrantIds: new Set([expired.id]),
        ownNeeds: new Map([['user/bob', nowMs > Date.now() ? [] : attachedArns(expired)]]),
        nowMs,
        maxTemporaryDays: 6,
        dryRun,
      });
    assert.deepEqual(await sweep(false, Date.now()), [], 'nothing to sweep while the grant is live');
    const later = Date.now() + 2 * 3600 * 1000;
    const findings = await sweep(true, later);
    assert.deepEqual(findings.map((f) => [f.object, f.why]).sort(), [
      [`inline policy ${expired.inlinePolicy!.name}`, 'expired'],
      [`managed policy ${VIEW_ONLY}`, 'no live grant holds it'],
    ]);
    assert.deepEqual(Object.keys((await snapshotAccount(moto, ACCOUNTS.nonprod)).users.bob!.inline).length, 2, 'dry run changes nothing');
    await sweep(false, later);
    const bob = (await snapshotAccount(moto, ACCOUNTS.nonprod)).users.bob!;
    assert.deepEqual(Object.keys(bob.inline), ['grantflow.other-team.x.20200101T000000Z'], "another team's policy is left alone");
    assert.deepEqual(bob.attached, []);

    const before = writes().length;
    assert.deepEqual(await sweep(false, later), [], 'a second sweep finds nothing');
    assert.deepEqual(writes().slice(before), [], 'and makes zero writes');
    assert.deepEqual((await snapshotAccount(moto, ACCOUNTS.nonprod)).users.bob, bob);
  });

  it('sweeps an inline policy whose expiry lies beyond max_temporary_days, though a live grant names it, and keeps one within the limit', async () => {
    // Planted by hand (an apply from before the limit was lowered, say): the names say when they expire.
    const beyondAt = inHours(24 * 10);
    const withinAt = inHours(24 * 5);
    const [beyond, within] = [inlinePolicyName('test-team', 'reader', beyondAt), inlinePolicyName('test-team', 'reader', withinAt)];
    const document = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:ListBucket'], Resource: ['*'] }] });
    const iam = await moto.iamIn(ACCOUNTS.nonprod);
    for (const name of [beyond, within]) await iam.send(new PutUserPolicyCommand({ UserName: 'bob', PolicyName: name, PolicyDocument: document }));
    iam.destroy();
    const grantOf = (expiresAt: string) =>
      grantWorkflowId({
        team: 'test-team',
        kind: 'temporary',
        account: ACCOUNTS.nonprod,
        principalType: 'user',
        principal: 'bob',
        policy: 'reader',
        expiresAt,
      });
    const sweep = (maxTemporaryDays: number) =>
      sweepPrincipals(accounts, holders, {
        team: 'test-team',
        ref: ref(ACCOUNTS.nonprod),
        principals: [{ type: 'user', name: 'bob' }],
        // Both look live, so only the limit can tell the one beyond it.
        liveGrantIds: new Set([grantOf(beyondAt), grantOf(withinAt)]),
        ownNeeds: new Map(),
        nowMs: Date.now(),
        maxTemporaryDays,
        dryRun: false,
      });
    const inline = async () => Object.keys((await snapshotAccount(moto, ACCOUNTS.nonprod)).users.bob!.inline).sort();

    assert.deepEqual(await sweep(12), [], 'within a 12-day limit both stay');
    assert.deepEqual(await inline(), [beyond, within].sort());
    assert.deepEqual(
      (await sweep(6)).map((f) => [f.principal, f.object, f.why]),
      [['user/bob', `inline policy ${beyond}`, 'beyond max_temporary_days']],
    );
    assert.deepEqual(await inline(), [within], 'the policy beyond the 6-day limit is gone, the one within it stays');
  });

  it("reads the account's managed-policy quotas (for plan and doctor)", async () => {
    const quotas = await readQuotas({ client: accounts.iam(ref(ACCOUNTS.nonprod)), account: ACCOUNTS.nonprod, environment: 'nonprod' });
    assert.deepEqual(
      calls.filter((c) => c.service === 'iam').map((c) => c.operation),
      ['GetAccountSummary'],
      'one IAM read, through the deployer role',
    );
    assert.ok(quotas.attachedPerUser >= 10 && quotas.attachedPerRole >= 10, JSON.stringify(quotas));
  });

  /**
   * The inline policy IAM holds for bob's `grant`, and what an independent IAM evaluator decides of
   * an action on a resource at a moment under it (moto ignores conditions).
   */
  async function bobsInlinePolicy(grant: GrantSpec, context: Record<string, string> = {}) {
    const iam = await moto.iamIn(ACCOUNTS.nonprod);
    const stored = await iam.send(new GetUserPolicyCommand({ UserName: 'bob', PolicyName: grant.inlinePolicy!.name }));
    iam.destroy();
    const document = JSON.parse(decodeURIComponent(stored.PolicyDocument!)) as { Statement: { Condition?: unknown }[] };
    const decide = (action: string, resource: string, atMs: number): Promise<string> =>
      evaluate([{ name: grant.inlinePolicy!.name, policy: document }], {
        account: ACCOUNTS.nonprod,
        principal: 'user/bob',
        action,
        resource,
        context: { 'aws:CurrentTime': new Date(atMs).toISOString(), ...context },
      });
    return { document, decide };
  }

  it('stores a temporary policy that an IAM policy evaluator allows one second before its expiry and denies from its expiry on', async () => {
    // moto ignores conditions, so the document IAM now holds is judged by an independent evaluator.
    await activities.applySpec(bobTemporary);
    const { document, decide } = await bobsInlinePolicy(bobTemporary);
    assert.ok(
      document.Statement.every((s) => JSON.stringify(s.Condition).includes('aws:CurrentTime')),
      'every statement carries the expiry',
    );
    const expiresMs = Date.parse(bobTemporary.expiresAt!);
    for (const [action, resource] of [
      ['s3:ListBucket', 'arn:aws:s3:::any-bucket'],
      ['ec2:DescribeInstances', '*'],
    ] as const) {
      assert.equal(await decide(action, resource, expiresMs - 1000), 'Allowed', `${action} one second before expiry`);
      assert.equal(await decide(action, resource, expiresMs), 'ImplicitlyDenied', `${action} at expiry`);
      assert.equal(await decide(action, resource, expiresMs + 86_400_000), 'ImplicitlyDenied', `${action} a day after expiry`);
    }
  });

  it('refuses a principal without the required permission boundary, changing nothing, and grants once it carries it', async () => {
    const boundary = `arn:aws:iam::${ACCOUNTS.nonprod}:policy/boundaries/developer`;
    const iam = await moto.iamIn(ACCOUNTS.nonprod);
    await iam.send(
      new CreatePolicyCommand({
        PolicyName: 'developer',
        Path: '/boundaries/',
        PolicyDocument: renderDocument([{ Effect: 'Allow', Action: ['*'], Resource: ['*'] }]),
      }),
    );
    const bounded = expandTeam(
      { ...config, settings: { ...config.settings, permissionsBoundary: { byEnvironment: { nonprod: boundary } } } },
      Date.now(),
    ).grants;
    const role = bounded.find((g) => g.principalType === 'role')!;
    const user = bounded.find((g) => g.principal === 'bob')!;
    assert.equal(role.permissionsBoundary, boundary);
    const before = await snapshotAccount(moto, ACCOUNTS.nonprod);
    for (const grant of [role, user]) {
      await assert.rejects(activities.applySpec(grant), (error: unknown) => {
        assert.ok(error instanceof ApplicationFailure && error.nonRetryable, String(error));
        assert.match(error.message, new RegExp(`${grant.principalType} ${grant.principal} in nonprod \\(${ACCOUNTS.nonprod}\\) has no permission boundary`));
        assert.match(
          error.message,
          new RegExp(`put-${grant.principalType}-permissions-boundary --${grant.principalType}-name ${grant.principal} --permissions-boundary ${boundary}`),
        );
        return true;
      });
    }
    assert.deepEqual(await snapshotAccount(moto, ACCOUNTS.nonprod), before, 'nothing changed');
    assert.deepEqual(writes(), []);
    await iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'deployer-ci', PermissionsBoundary: boundary }));
    iam.destroy();
    await activities.applySpec(role);
    assert.deepEqual((await snapshotAccount(moto, ACCOUNTS.nonprod)).roles['deployer-ci']!.attached.sort(), [...attachedArns(role)].sort());
  });

  it('puts the expiry on every statement of a multi-statement policy: an evaluator denies each one from the expiry on', async () => {
    // Three statements, the last with a condition of its own and one with an earlier date of its own
    // (the earlier one must win); a bug that conditions only the first statement leaves the others allowed forever.
    const expiresAt = inHours(24);
    const ownEarlierMs = Date.parse(expiresAt) - 3_600_000;
    const multi = team({
      policies: {
        multi: {
          ...policy([]),
          statements: [
            { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: ['arn:aws:s3:::logs'] },
            { Effect: 'Allow', Action: ['ec2:DescribeInstances'], Resource: ['*'] },
            { Effect: 'Allow', Action: ['sqs:ListQueues'], Resource: ['*'], Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } },
            {
              Effect: 'Allow',
              Action: ['sns:ListTopics'],
              Resource: ['*'],
              Condition: { DateLessThan: { 'aws:CurrentTime': new Date(ownEarlierMs).toISOString() } },
            },
          ],
        },
      },
      temporary: [{ user: 'bob', environment: 'nonprod', grant: 'multi', expiresAt }],
    });
    const grant = expandTeam(multi, Date.now()).grants.find((g) => g.kind === 'temporary')!;
    await activities.applySpec(grant);
    const { document, decide } = await bobsInlinePolicy(grant, { 'aws:RequestedRegion': 'eu-west-1' });
    assert.equal(document.Statement.length, 4);
    const expiresMs = Date.parse(grant.expiresAt!);
    for (const [action, resource, endMs] of [
      ['s3:ListBucket', 'arn:aws:s3:::logs', expiresMs],
      ['ec2:DescribeInstances', '*', expiresMs],
      ['sqs:ListQueues', '*', expiresMs],
      ['sns:ListTopics', '*', ownEarlierMs],
    ] as const) {
      assert.equal(await decide(action, resource, endMs - 1000), 'Allowed', `${action} one second before its end`);
      assert.equal(await decide(action, resource, endMs), 'ImplicitlyDenied', `${action} at its end`);
      assert.equal(await decide(action, resource, expiresMs + 86_400_000), 'ImplicitlyDenied', `${action} a day after expiry`);
    }
  });

  describe('adoption: what an imported entry held before grantflow', function () {
    const S3_READ = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::logs/*'] }] };
    // As a role's inline policy is often written: a Statement that is an object, strings for lists.
    const DEPLOY = { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 'lambda:UpdateFunctionCode', Resource: '*' } };
    const imported = (adopt: boolean) =>
      expandTeam(
        team({
          policies: {
            'aws.ReadOnlyAccess': policy([READ_ONLY]),
            'inline.s3-read': {
              ...policy([]),
              statements: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::logs/*'] }],
              replacesInline: 's3-read',
            },
            'inline.deploy': {
              ...policy([]),
              statements: [{ Effect: 'Allow', Action: ['lambda:UpdateFunctionCode'], Resource: ['*'] }],
              replacesInline: 'deploy',
            },
          },
          permanent: [
            { users: ['alice'], environments: ['nonprod'], grants: ['aws.ReadOnlyAccess', 'inline.s3-read'], adopt },
            { roles: ['deployer-ci'], environments: ['nonprod'], grants: ['inline.deploy'], adopt },
          ],
        }),
        Date.now(),
      );

    /** IAM as it was before grantflow: alice with ReadOnlyAccess and inline s3-read, the role with inline deploy. */
    async function before(): Promise<void> {
      const iam = await moto.iamIn(ACCOUNTS.nonprod);
      try {
        await iam.send(new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: READ_ONLY }));
        await iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 's3-read', PolicyDocument: JSON.stringify(S3_READ) }));
        await iam.send(new PutRolePolicyCommand({ RoleName: 'deployer-ci', PolicyName: 'deploy', PolicyDocument: JSON.stringify(DEPLOY) }));
      } finally {
        iam.destroy();
      }
    }

    async function applyAll(expansion: ReturnType<typeof imported>): Promise<ApplyResult[]> {
      await activitiesForPolicies.syncPolicies({ ref: ref(ACCOUNTS.nonprod), policies: expansion.policies });
      const results: ApplyResult[] = [];
      for (const grant of expansion.grants) results.push(await apply(grant));
      return results;
    }

    const roleInline = async (name: string) => {
      const iam = await moto.iamIn(ACCOUNTS.nonprod);
      try {
        return await iam.send(new GetRolePolicyCommand({ RoleName: 'deployer-ci', PolicyName: name })).then(
          () => true,
          () => false,
        );
      } finally {
        iam.destroy();
      }
    };

    it("without adopt: adds grantflow's policies beside the originals, and its revoke leaves the originals in place", async () => {
      await before();
      const expansion = imported(false);
      const results = await applyAll(expansion);
      assert.deepEqual(results.find((r) => r.foreign.length)?.foreign, [READ_ONLY], 'ReadOnlyAccess was there before grantflow');
      assert.ok(results.every((r) => r.adopted === undefined));
      const alice = (await snapshotAccount(moto, ACCOUNTS.nonprod)).users.alice!;
      assert.deepEqual(Object.keys(alice.inline), ['s3-read']);
      assert.ok(await roleInline('deploy'));
      for (const grant of expansion.grants) await activities.revokeGrant(revokeOf(grant));
      const after = (await snapshotAccount(moto, ACCOUNTS.nonprod)).users.alice!;
      assert.deepEqual(after, { attached: [READ_ONLY], inline: { 's3-read': JSON.stringify(S3_READ) }, tags: {} }, 'as it was before grantflow');
      assert.ok(await roleInline('deploy'));
    });

    it("with adopt: the attachment becomes grantflow's, each inline original goes once grantflow's policy is attached, and the revoke takes it all", async () => {
      await before();
      const expansion = imported(true);
      const results = await applyAll(expansion);
      const byPolicy = Object.fromEntries(expansion.grants.map((g, i) => [g.policy, results[i]!]));
      assert.deepEqual(byPolicy['aws.ReadOnlyAccess']!.adopted, { managed: [READ_ONLY] });
      assert.deepEqual(byPolicy['aws.ReadOnlyAccess']!.foreign, []);
      assert.ok(byPolicy['aws.ReadOnlyAccess']!.attached.includes(READ_ONLY), "in the grant's record");
      assert.deepEqual(byPolicy['inline.s3-read']!.adopted, { managed: [], inline: { name: 's3-read', outcome: 'deleted' } });
      assert.deepEqual(byPolicy['inline.deploy']!.adopted, { managed: [], inline: { name: 'deploy', outcome: 'deleted' } });
      const alice = (await snapshotAccount(moto, ACCOUNTS.nonprod)).users.alice!;
      const s3Grant = expansion.grants.find((g) => g.policy === 'inline.s3-read')!;
      assert.deepEqual(alice.attached, [READ_ONLY, s3Grant.customPolicyArn!].sort());
      assert.deepEqual(alice.inline, {});
      assert.equal(alice.tags[markerKey(READ_ONLY)], READ_ONLY, "marked as grantflow's");
      assert.equal(await roleInline('deploy'), false);

      calls = [];
      const again = await applyAll(expansion);
      assert.deepEqual(writes(), [], 'adopting again writes nothing');
      assert.equal(again.find((r) => r.adopted?.inline)?.adopted?.inline?.outcome, 'absent');

      for (const grant of expansion.grants) await activities.revokeGrant(revokeOf(grant));
      assert.deepEqual((await snapshotAccount(moto, ACCOUNTS.nonprod)).users.alice, { attached: [], inline: {}, tags: {} }, 'grantflow owned it all');
    });

    it('with adopt: leaves an inline original edited since the import, saying why', async () => {
      await before();
      const iam = await moto.iamIn(ACCOUNTS.nonprod);
      await iam.send(
        new PutUserPolicyCommand({
          UserName: 'alice',
          PolicyName: 's3-read',
          PolicyDocument: JSON.stringify({ ...S3_READ, Statement: [{ ...S3_READ.Statement[0], Action: ['s3:*'] }] }),
        }),
      );
      iam.destroy();
      const expansion = imported(true);
      const results = await applyAll(expansion);
      const s3 = results[expansion.grants.findIndex((g) => g.policy === 'inline.s3-read')]!;
      assert.deepEqual(s3.adopted?.inline, { name: 's3-read', outcome: 'differs' });
      assert.deepEqual(Object.keys((await snapshotAccount(moto, ACCOUNTS.nonprod)).users.alice!.inline), ['s3-read']);
    });

    it("with adopt: keeps an inline original while IAM does not list grantflow's policy attached, and deletes it once it does", async () => {
      await before();
      const expansion = imported(true);
      const s3Grant = expansion.grants.find((g) => g.policy === 'inline.s3-read')!;
      await activitiesForPolicies.syncPolicies({ ref: ref(ACCOUNTS.nonprod), policies: expansion.policies });
      const target = targetIn(ref(ACCOUNTS.nonprod));
      const alice = { type: 'user' as const, name: 'alice' };
      const statements = [{ Effect: 'Allow' as const, Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::logs/*'] }];
      const original = { name: 's3-read', statements, customPolicyArn: s3Grant.customPolicyArn! };
      // grantflow's policy exists and holds the statements, but is not attached: the read-back says so.
      assert.equal(await adoptInlineOriginal(target, alice, original), 'not-attached');
      assert.deepEqual(Object.keys((await snapshotAccount(moto, ACCOUNTS.nonprod)).users.alice!.inline), ['s3-read'], 'the original stays');
      const iam = await moto.iamIn(ACCOUNTS.nonprod);
      try {
        await iam.send(new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: s3Grant.customPolicyArn! }));
      } finally {
        iam.destroy();
      }
      assert.equal(await adoptInlineOriginal(target, alice, original), 'deleted');
      assert.equal(await adoptInlineOriginal(target, alice, original), 'absent');
    });

    it("with adopt: a crash before any one of its writes leaves the principal holding the original or grantflow's policy, and the re-run ends as one run does", async function () {
      this.timeout(600_000);
      const expansion = imported(true);
      const s3Grant = expansion.grants.find((g) => g.policy === 'inline.s3-read')!;
      const deployGrant = expansion.grants.find((g) => g.policy === 'inline.deploy')!;
      await before();
      calls = [];
      await applyAll(expansion);
      const expected = await snapshotAccount(moto, ACCOUNTS.nonprod);
      const total = writes().length;
      assert.ok(total >= 6, `tags, attaches and deletes: ${writes().join(', ')}`);
      for (let k = 1; k <= total; k++) {
        await resetIam();
        await before();
        failOnWrite = k;
        await assert.rejects(applyAll(expansion), /simulated crash/);
        failOnWrite = undefined;
        const crashed = await snapshotAccount(moto, ACCOUNTS.nonprod);
        const alice = crashed.users.alice!;
        assert.ok(
          's3-read' in alice.inline || alice.attached.includes(s3Grant.customPolicyArn!),
          `alice holds s3-read one way after a crash before write #${k}`,
        );
        assert.ok(alice.attached.includes(READ_ONLY), `alice keeps ReadOnlyAccess after a crash before write #${k}`);
        const role = crashed.roles['deployer-ci']!;
        assert.ok(
          (await roleInline('deploy')) || role.attached.includes(deployGrant.customPolicyArn!),
          `the role holds deploy one way after a crash before write #${k}`,
        );
        await applyAll(expansion);
        assert.deepEqual(await snapshotAccount(moto, ACCOUNTS.nonprod), expected, `state after a crash before write #${k}`);
      }
    });
  });

  describe('deployer-policy', function () {
    it('allows every operation the tests above sent, and lists none the code never sends', function () {
      const allowed = new Set(deployerActions());
      const policies = deployerPolicies({ partition: 'aws', roleName: 'AWSSelfServeDeployer', trustedPrincipal: 'arn:aws:iam::999999999999:root' });
      // sts:AssumeRole is what the caller does to become the deployer: the trust policy grants it.
      const trusted = (policies.trust as { Statement: { Action: string | string[] }[] }).Statement.flatMap((s) => s.Action);
      for (const operation of observedOperations) {
        if (operation.startsWith('sts:')) assert.ok(trusted.includes(operation), `${operation} was sent but the trust policy does not allow it`);
        else assert.ok(allowed.has(operation), `${operation} was sent but is not in the deployer policy`);
      }
      assert.ok(observedOperations.has('sts:AssumeRole'));
      // Exact: the tests above exercise every operation the policy allows, so nothing in it is unused.
      // (Except the permissions AWS checks on top of an operation, such as TagPolicy for CreatePolicy with tags.)
      const implied = new Set(Object.values(IMPLIED_ACTIONS).flat());
      assert.ok(observedOperations.has('iam:CreatePolicy'));
      assert.deepEqual(
        [...allowed].filter((operation) => !observedOperations.has(operation) && !implied.has(operation)).sort(),
        [],
        'in the deployer policy but never sent by any test',
      );
      const source = [
        'src/aws/managed-policies.ts',
        'src/aws/inline-policies.ts',
        'src/aws/principal-calls.ts',
        'src/aws/account-quotas.ts',
        'src/aws/accounts.ts',
        'src/aws/principal-reads.ts',
      ]
        .map((f) => fs.readFileSync(path.resolve(__dirname, '../../..', f), 'utf8'))
        .join('\n');
      for (const operation of IAM_OPERATIONS) {
        // Sent as a command, or page by page through the SDK's paginator for it.
        assert.match(source, new RegExp(`new ${operation}Command\\(|paginate${operation}\\(`), `iam:${operation} is in the policy but nothing sends it`);
      }
      // What it allows is exactly that list; its explicit denies (the deployer role itself) allow nothing.
      const statements = (policies.permissions as { Statement: { Effect: string; Action: string[] }[] }).Statement;
      const listed = statements.filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action);
      assert.deepEqual([...listed].sort(), [...allowed].sort());
      assert.ok(statements.every((s) => s.Effect === 'Allow' || s.Effect === 'Deny'));
    });
  });
});
