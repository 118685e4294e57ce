// Ownership marks under races and crashes, against moto over HTTP: an attachment grantflow makes keeps
// its mark until grantflow detaches it, whatever a concurrent release does in between or wherever the
// worker dies, and an apply attempt that was abandoned (cancelled or timed out) sends no write to IAM afterwards.
import assert from 'node:assert/strict';
import { AttachUserPolicyCommand, type IAMClient } from '@aws-sdk/client-iam';
import { MockActivityEnvironment } from '@temporalio/testing';
import { AccountClients, type CallRecord } from '../../src/aws/accounts';
import { createIamActivities } from '../../activities';
import type { Target } from '../../src/aws/iam-calls';
import { attachManaged, releaseManaged } from '../../src/aws/managed-attachments';
import { markerKey } from '../../src/aws/ownership-marks';
import { startMoto, type Moto } from '../../src/local/moto';
import { snapshotUsers } from '../harness/iam-snapshot';
import { revokeTarget } from '../../src/core/grant-derived';
import { sweepPrincipals } from '../../src/aws/sweep';
import { ACCOUNTS, grantsOf, policy, READ_ONLY, SECURITY_AUDIT, team, VIEW_ONLY } from '../harness/team';

describe('ownership marks under races (moto)', function () {
  let moto: Moto;
  before(async () => {
    moto = await startMoto();
    Object.assign(process.env, moto.env);
  });
  after(async () => {
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    await moto.createUsers(ACCOUNTS.nonprod, ['alice']);
  });

  it('an attach whose mark a concurrent release removed puts the mark back', async () => {
    const iam = await moto.iamIn(ACCOUNTS.nonprod);
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    let reachedAttach!: () => void;
    const atAttach = new Promise<void>((resolve) => (reachedAttach = resolve));
    // The attaching side's client pauses just before AttachUserPolicy: its mark is written, its attach not yet.
    // Still an IAMClient (the SDK's paginators insist), whose send waits at the gate for AttachUserPolicy.
    const paused = Object.create(iam) as IAMClient;
    const send = iam.send.bind(iam) as (...args: unknown[]) => Promise<unknown>;
    paused.send = (async (command: unknown, ...rest: unknown[]) => {
      if (command instanceof AttachUserPolicyCommand) {
        reachedAttach();
        await gate;
      }
      return send(command, ...rest);
    }) as IAMClient['send'];
    const attacher: Target = { client: paused, account: ACCOUNTS.nonprod, environment: 'nonprod' };
    const releaser: Target = { client: iam, account: ACCOUNTS.nonprod, environment: 'nonprod' };
    const alice = { type: 'user' as const, name: 'alice' };

    const attaching = attachManaged(attacher, alice, [VIEW_ONLY]);
    await atAttach;
    // Another grant that held VIEW_ONLY is revoked now; visibility does not show the new grant yet.
    await releaseManaged(releaser, alice, [VIEW_ONLY], new Set());
    openGate();
    await attaching;

    const state = (await snapshotUsers(moto, ACCOUNTS.nonprod, ['alice'])).alice!;
    assert.deepEqual(state.attached, [VIEW_ONLY]);
    assert.equal(state.tags[markerKey(VIEW_ONLY)], VIEW_ONLY, 'the attachment grantflow made carries its mark');
    iam.destroy();
  });

  it('a release racing an attach leaves no attachment without a mark', async () => {
    const iam = await moto.iamIn(ACCOUNTS.nonprod);
    const alice = { type: 'user' as const, name: 'alice' };
    const target: Target = { client: iam, account: ACCOUNTS.nonprod, environment: 'nonprod' };
    for (let round = 0; round < 10; round++) {
      await Promise.all([attachManaged(target, alice, [VIEW_ONLY, SECURITY_AUDIT]), releaseManaged(target, alice, [VIEW_ONLY, SECURITY_AUDIT], new Set())]);
      const state = (await snapshotUsers(moto, ACCOUNTS.nonprod, ['alice'])).alice!;
      for (const arn of state.attached) assert.equal(state.tags[markerKey(arn)], arn, `round ${round}: ${arn} attached without its mark`);
      await releaseManaged(target, alice, [VIEW_ONLY, SECURITY_AUDIT], new Set());
    }
    iam.destroy();
  });

  it('an apply that crashes right after its attach leaves the mark; its revoke cannot vouch for the attachment, and the sweep detaches it', async () => {
    // The worker dies on the first call after AttachUserPolicy: the attachment is in IAM, the
    // read-back of the marks never ran and the grant's workflow never heard of the attach. Only the
    // mark written before the attach says it is grantflow's, and a mark alone proves nothing (anyone
    // allowed to tag alice can write one on an attachment older than grantflow): the grant's revoke
    // leaves it, and the sweep, which finds it marked and held by no live grant, detaches it.
    let attachSeen = false;
    let crashedAt: string | undefined;
    const accounts = new AccountClients({
      iamCallsPerSecond: 1000,
      observer: (call) => {
        if (attachSeen && crashedAt === undefined) {
          crashedAt = call.operation;
          throw new Error(`simulated crash before ${call.operation}`);
        }
        if (call.operation === 'AttachUserPolicy') attachSeen = true;
      },
    });
    const holders = { neededArns: async () => new Set<string>() };
    const activities = createIamActivities({ accounts, holders });
    const grant = grantsOf(
      team({ policies: { reader: policy([READ_ONLY]) }, permanent: [{ users: ['alice'], environments: ['nonprod'], grants: ['reader'] }] }),
    )[0]!;

    await assert.rejects(activities.applySpec(grant), /simulated crash/);
    assert.equal(crashedAt, 'ListUserTags', 'the crash fell between the attach and the read-back of the marks');
    const afterCrash = (await snapshotUsers(moto, ACCOUNTS.nonprod, ['alice'])).alice!;
    assert.deepEqual(afterCrash.attached, [READ_ONLY]);
    assert.equal(afterCrash.tags[markerKey(READ_ONLY)], READ_ONLY, 'the attachment carries its mark from before the attach');

    // Temporal retries the apply; the workflow later revokes with what that retry reported attached.
    const retry = await activities.applySpec(grant);
    assert.deepEqual(retry.foreign, [], 'the retry does not call the attachment foreign');
    assert.deepEqual(retry.attached, [], 'nor its own: it cannot tell it from a mark planted on an older attachment');
    const revoked = await activities.revokeGrant({ ...revokeTarget(grant), ...(retry.attached.length ? { ownedArns: retry.attached } : {}) });
    assert.deepEqual(revoked.kept, [{ arn: READ_ONLY, reason: 'not attached by this grant' }]);
    assert.equal((await snapshotUsers(moto, ACCOUNTS.nonprod, ['alice'])).alice!.tags[markerKey(READ_ONLY)], READ_ONLY, 'the mark stays, for the sweep');

    const findings = await sweepPrincipals(accounts, holders, {
      team: grant.team,
      ref: { account: grant.account, environment: grant.environment, deployer: grant.deployer },
      principals: [{ type: 'user', name: 'alice' }],
      liveGrantIds: new Set(),
      ownNeeds: new Map(),
      nowMs: Date.now(),
      maxTemporaryDays: 6,
      dryRun: false,
    });
    assert.deepEqual(
      findings.map((f) => [f.object, f.why]),
      [[`managed policy ${READ_ONLY}`, 'no live grant holds it']],
    );
    assert.deepEqual((await snapshotUsers(moto, ACCOUNTS.nonprod, ['alice'])).alice, { attached: [], inline: {}, tags: {} }, 'nothing is left attached');
    accounts.destroy();
  });

  it('an apply attempt cancelled after its first write sends no further write', async () => {
    const calls: CallRecord[] = [];
    let cancelledAt: number | undefined;
    const environment = new MockActivityEnvironment();
    const accounts = new AccountClients({
      iamCallsPerSecond: 1000,
      observer: (call) => {
        calls.push(call);
        if (call.write && cancelledAt === undefined) {
          cancelledAt = calls.length;
          environment.cancel();
        }
      },
    });
    const activities = createIamActivities({ accounts, holders: { neededArns: async () => new Set<string>() } });
    const config = team({
      policies: { reader: policy([READ_ONLY, VIEW_ONLY, SECURITY_AUDIT], ['s3:ListBucket']) },
      temporary: [{ user: 'alice', environment: 'nonprod', grant: 'reader', expiresAt: '2099-01-01T00:00:00Z' }],
    });
    const grant = grantsOf(config, Date.parse('2098-12-31T00:00:00Z'))[0]!;
    await environment.run(activities.applySpec, grant).catch(() => undefined);
    assert.ok(cancelledAt !== undefined, 'the attempt wrote once');
    const later = calls.slice(cancelledAt).filter((c) => c.write);
    assert.deepEqual(
      later.map((c) => c.operation),
      [],
      'no write after the attempt was abandoned',
    );
    accounts.destroy();
  });
});
