// Grant and reconcile workflows on a real Temporal dev server with a real worker and moto's IAM:
// early revocations stick, expiry changes never leave a gap, a revoke outlasts an IAM outage,
// drift is repaired, races resolve to the newer revision, and terminated grants are swept.
import assert from 'node:assert/strict';
import { DetachUserPolicyCommand } from '@aws-sdk/client-iam';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { grantStatus, revokeGrantNow } from '../../src/temporal/grant-operations';
import { protoMs } from '../../src/temporal/proto-time';
import { reconcileStatus, restoreGrant, sweepTeam } from '../../src/temporal/reconcile-operations';
import { revokeSignal } from '../../workflows/messages';
import { eventually } from '../harness/stack';
import { ACCOUNTS, grantsOf, inHours, policy, READ_ONLY, revisionSequence, SECURITY_AUDIT, team, VIEW_ONLY } from '../harness/team';
import { workflowSuite } from '../harness/workflow-suite';
import { markerText } from '../harness/markers';

const revision = revisionSequence('lifecycle', '2026-01-01T00:00:00Z');

describe('grant and reconcile workflows (dev server + moto)', function () {
  const { stack, submit, waitState, nextTeam, account } = workflowSuite({ revision, teamPrefix: 'wf-team', users: ['alice', 'bob'] });
  const user = async (name: string) => (await account()).users[name]!;
  const statusOf = (id: string) => grantStatus(stack.client, id);

  function readerTeam(name: string, expiresAt = inHours(24)) {
    return team({
      name,
      policies: { reader: policy([READ_ONLY], ['s3:ListBucket']) },
      permanent: [{ users: ['alice'], environments: ['nonprod'], grants: ['reader'] }],
      temporary: [{ user: 'bob', environment: 'nonprod', grant: 'reader', expiresAt }],
    });
  }

  for (const how of ['signal', 'update', 'cancellation'] as const) {
    it(`revokes at once by ${how}, sticks when the same YAML is submitted again, and restore lifts it`, async () => {
      const config = readerTeam(nextTeam());
      const [permanent, temporary] = grantsOf(config).sort((a, b) => a.kind.localeCompare(b.kind));
      const first = await submit(config);
      assert.deepEqual(first.added.sort(), [permanent!.id, temporary!.id].sort());
      await waitState(temporary!.id, 'active');
      assert.deepEqual(Object.keys((await user('bob')).inline), [temporary!.inlinePolicy!.name]);

      const handle = stack.client.workflow.getHandle(temporary!.id);
      if (how === 'signal') await handle.signal(revokeSignal, { reason: 'incident over', by: 'ops' });
      if (how === 'update') assert.equal(await revokeGrantNow(stack.client, temporary!.id, { reason: 'incident over', by: 'ops' }), 'revoked');
      if (how === 'cancellation') await handle.cancel();
      await eventually('the grant ends', async () => ((await handle.describe()).status.name !== 'RUNNING' ? true : undefined));
      assert.deepEqual(await user('bob'), { attached: [], inline: {}, tags: {} }, 'IAM holds nothing of the revoked grant');
      assert.equal((await handle.describe()).status.name, how === 'cancellation' ? 'CANCELLED' : 'COMPLETED');

      const again = await submit(config);
      assert.deepEqual(again.sticky, [temporary!.id]);
      assert.deepEqual(again.added, []);
      assert.deepEqual(await user('bob'), { attached: [], inline: {}, tags: {} }, 'the early revoke sticks');

      const restored = await restoreGrant(stack.client, config.team, temporary!.id, 'test');
      assert.equal(restored.started, true);
      await waitState(temporary!.id, 'active');
      assert.deepEqual(Object.keys((await user('bob')).inline), [temporary!.inlinePolicy!.name]);
    });
  }

  /** What a grant's history shows of its applies: activity tasks, and local activities (their markers name the activity). */
  async function appliesOf(id: string): Promise<{ activityTasks: number; local: number }> {
    const events = (await stack.client.workflow.getHandle(id).fetchHistory()).events ?? [];
    return {
      activityTasks: events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'applyGrant').length,
      local: events.filter((e) => markerText(e).includes('applyGrant')).length,
    };
  }

  it("applies a new grant inside its first workflow task when the account's budget has calls to spare, and as an activity task when it has not", async () => {
    const roomy = readerTeam(nextTeam());
    await submit(roomy);
    for (const grant of grantsOf(roomy)) {
      await waitState(grant.id, 'active');
      assert.deepEqual(await appliesOf(grant.id), { activityTasks: 0, local: 1 }, `${grant.id}: one local activity, no activity task`);
    }
    // A budget of 2 calls a second never has an apply's 5 to spare: the quick try answers busy, having sent nothing.
    await stack.stopWorker();
    await stack.startWorker({ iamCallsPerSecond: 2 });
    try {
      const short = readerTeam(nextTeam());
      await submit(short);
      for (const grant of grantsOf(short)) {
        await waitState(grant.id, 'active');
        assert.deepEqual(await appliesOf(grant.id), { activityTasks: 1, local: 1 }, `${grant.id}: the quick try, then the activity task`);
      }
      assert.deepEqual(Object.keys((await user('bob')).inline).length, 2, "both temporary grants' inline policies are in IAM");
    } finally {
      await stack.stopWorker();
      await stack.startWorker();
    }
  });

  it('lifts stickiness when the entry leaves the YAML and comes back', async () => {
    const config = readerTeam(nextTeam());
    const temporary = grantsOf(config).find((g) => g.kind === 'temporary')!;
    await submit(config);
    await waitState(temporary.id, 'active');
    await revokeGrantNow(stack.client, temporary.id, { reason: 'done', by: 'ops' });
    const without = { ...config, temporary: [] };
    await submit(without);
    const back = await submit(config);
    assert.deepEqual(back.added, [temporary.id]);
    await waitState(temporary.id, 'active');
  });

  it('replaces a grant whose expiry changed with no moment without access', async () => {
    const config = readerTeam(nextTeam(), inHours(10));
    const old = grantsOf(config).find((g) => g.kind === 'temporary')!;
    await submit(config);
    await waitState(old.id, 'active');

    const changed = readerTeam(config.team, inHours(20));
    const replacement = grantsOf(changed).find((g) => g.kind === 'temporary')!;
    let sampling = true;
    const samples: string[][] = [];
    const sampler = (async () => {
      while (sampling) samples.push(Object.keys((await user('bob')).inline));
    })();
    const plan = await submit(changed);
    await waitState(replacement.id, 'active');
    await eventually('old grant revoked', async () => ((await statusOf(old.id)).state === 'revoked' ? true : undefined));
    sampling = false;
    await sampler;

    assert.deepEqual(plan.replaced, [{ from: old.id, to: replacement.id }]);
    const oldStatus = await statusOf(old.id);
    const newStatus = await statusOf(replacement.id);
    assert.ok(Date.parse(newStatus.activeSince!) <= Date.parse(oldStatus.endedAt!), 'the new grant was active before the old one ended');
    assert.ok(samples.length > 2);
    for (const sample of samples) assert.ok(sample.length > 0, `a sample saw bob without access: ${JSON.stringify(samples)}`);
    assert.deepEqual(Object.keys((await user('bob')).inline), [replacement.inlinePolicy!.name]);
    assert.equal(oldStatus.cause, 'superseded');
  });

  it('keeps the old grant active while its replacement cannot apply, and retires it once the replacement is active', async function () {
    // A held-back apply, the pass's wait for it, the rounds of retries and the settle pass after it.
    this.timeout(240_000);
    const config = readerTeam(nextTeam(), inHours(10));
    const old = grantsOf(config).find((g) => g.kind === 'temporary')!;
    await submit(config);
    await waitState(old.id, 'active');

    const changed = readerTeam(config.team, inHours(20));
    const replacement = grantsOf(changed).find((g) => g.kind === 'temporary')!;
    const newPolicy = replacement.inlinePolicy!.name;
    assert.notEqual(newPolicy, old.inlinePolicy!.name);
    // IAM refuses only the replacement's inline policy: its apply stays pending, the rest of IAM works.
    const injectedBefore = stack.proxy.faultsInjected();
    stack.proxy.setFaults({
      rate: 1,
      kinds: ['server-error'],
      only: ({ action, params }) => action === 'PutUserPolicy' && params.get('PolicyName') === newPolicy,
    });
    const plan = await submit(changed);
    assert.ok(stack.proxy.faultsInjected() > injectedBefore, "the replacement's apply was refused");
    assert.deepEqual(plan.replaced, [], 'nothing is replaced before the replacement is active');
    assert.ok(plan.waiting.includes(replacement.id), `the pass leaves the replacement waiting: ${JSON.stringify(plan.waiting)}`);
    assert.equal((await statusOf(replacement.id)).state, 'pending');
    assert.equal((await statusOf(old.id)).state, 'active', 'the old grant stays while its replacement is pending');
    assert.deepEqual(Object.keys((await user('bob')).inline), [old.inlinePolicy!.name], 'bob keeps the old access meanwhile');

    stack.proxy.setFaults(undefined);
    await waitState(replacement.id, 'active', 120_000);
    await eventually('old grant revoked', async () => ((await statusOf(old.id)).state === 'revoked' ? true : undefined), 60_000);
    const oldStatus = await statusOf(old.id);
    const newStatus = await statusOf(replacement.id);
    assert.ok(Date.parse(newStatus.activeSince!) <= Date.parse(oldStatus.endedAt!), 'the new grant was active before the old one ended');
    assert.equal(oldStatus.cause, 'superseded');
    assert.deepEqual(Object.keys((await user('bob')).inline), [newPolicy]);
  });

  /** A temporary grant of bob's expiring `inMs` from now (whole seconds, as the YAML writes them). */
  function expiringTeam(inMs: number) {
    const expiresAt = new Date(Math.ceil((Date.now() + inMs) / 1000) * 1000).toISOString().replace(/\.\d+Z/, 'Z');
    const config = team({
      name: nextTeam(),
      policies: { reader: policy([VIEW_ONLY], ['s3:ListBucket']) },
      temporary: [{ user: 'bob', environment: 'nonprod', grant: 'reader', expiresAt }],
    });
    return { config, grant: grantsOf(config)[0]!, expiresMs: Date.parse(expiresAt) };
  }

  /** When the grant's revoke-at-the-expiry activity task was scheduled, once it has been. */
  async function dueRevokeScheduled(id: string): Promise<number> {
    return eventually(
      `${id} revoke scheduled ahead of its expiry`,
      async () => {
        const events = (await stack.client.workflow.getHandle(id).fetchHistory()).events ?? [];
        const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'revokeGrantWhenDue');
        return scheduled ? protoMs(scheduled.eventTime) : undefined;
      },
      60_000,
    );
  }

  /** When IAM stopped holding bob's grant: its inline policy deleted and its attachment detached. */
  function bobRevokedAt(): number | undefined {
    const done = stack.proxy.events().filter((e) => e.user === 'bob' && e.status === 200 && ['DeleteUserPolicy', 'DetachUserPolicy'].includes(e.action));
    return new Set(done.map((e) => e.action)).size === 2 ? Math.max(...done.map((e) => e.at)) : undefined;
  }

  it('starts the revoke of an expiry ahead of it, keeps the grant active and in IAM until the expiry, and takes it away then', async () => {
    const { config, grant, expiresMs } = expiringTeam(30_000);
    await submit(config);
    await waitState(grant.id, 'active');
    stack.proxy.record(['DeleteUserPolicy', 'DetachUserPolicy']);
    const scheduledAt = await dueRevokeScheduled(grant.id);
    assert.ok(scheduledAt < expiresMs, `the revoke was scheduled ${scheduledAt - expiresMs} ms after the expiry`);
    // Started, and waiting: the grant is still active, in the status and in IAM.
    assert.ok(Date.now() < expiresMs - 1000, 'the test reached the wait too late to look at it; the machine is too slow for this test');
    assert.equal((await statusOf(grant.id)).state, 'active');
    assert.deepEqual((await user('bob')).attached, [VIEW_ONLY]);
    assert.equal(bobRevokedAt(), undefined, 'no revoke write before the expiry');

    await waitState(grant.id, 'revoked', 60_000);
    const revokedAt = bobRevokedAt();
    assert.ok(revokedAt !== undefined && revokedAt >= expiresMs, `IAM lost the grant at ${revokedAt}, expiry ${expiresMs}`);
    assert.equal((await statusOf(grant.id)).cause, 'expired');
    assert.deepEqual(await user('bob'), { attached: [], inline: {}, tags: {} });
    const events = (await stack.client.workflow.getHandle(grant.id).fetchHistory()).events ?? [];
    assert.equal(
      events.filter((e) => markerText(e).includes('revokeGrant')).length,
      0,
      'the activity at the expiry was the whole revoke: no local revoke after it',
    );
  });

  it("cancels that wait when an operator's revoke arrives during it, and takes the access at once", async () => {
    const { config, grant, expiresMs } = expiringTeam(40_000);
    await submit(config);
    await waitState(grant.id, 'active');
    stack.proxy.record(['DeleteUserPolicy', 'DetachUserPolicy']);
    await dueRevokeScheduled(grant.id);
    const askedAt = Date.now();
    // Temporal tells the waiting activity at its next heartbeat, 8 s apart at most.
    assert.ok(askedAt < expiresMs - 10_000, 'the test reached the wait too late to look at it; the machine is too slow for this test');
    await revokeGrantNow(stack.client, grant.id, { reason: 'incident', by: 'operator' });
    const revokedAt = bobRevokedAt();
    assert.ok(
      revokedAt !== undefined && revokedAt < expiresMs,
      `IAM lost the grant ${revokedAt === undefined ? 'never' : `${revokedAt - expiresMs} ms after`} the expiry`,
    );
    const status = await statusOf(grant.id);
    assert.equal(status.state, 'revoked');
    assert.equal(status.cause, 'early');
    assert.deepEqual(await user('bob'), { attached: [], inline: {}, tags: {} });
  });

  it('keeps revoking while IAM fails at expiry, and completes when IAM comes back', async () => {
    const config = team({
      name: nextTeam(),
      policies: { reader: policy([VIEW_ONLY], ['s3:ListBucket']) },
      // The grant must be active, and the outage on, before the expiry: 20 s leaves room for a loaded
      // machine (the apply alone has taken several seconds there); the test waits for the expiry.
      temporary: [{ user: 'bob', environment: 'nonprod', grant: 'reader', expiresAt: new Date(Date.now() + 20_000).toISOString().replace(/\.\d+Z/, 'Z') }],
      settings: { revokeMaxBackoffMs: 1000 },
    });
    const grant = grantsOf(config)[0]!;
    await submit(config);
    await waitState(grant.id, 'active');
    stack.proxy.setFaults({ rate: 1, kinds: ['throttle', 'server-error'] });
    await waitState(grant.id, 'revoking', 40_000);
    const stuck = await eventually('several failed rounds', async () => {
      const s = await statusOf(grant.id);
      return s.revokeAttempts >= 3 ? s : undefined;
    });
    assert.equal(stuck.state, 'revoking');
    assert.match(stuck.lastError ?? '', /Throttling|ServiceFailure|retried/);
    assert.ok(Object.keys((await user('bob')).inline).length === 1, 'IAM still holds it during the outage');

    stack.proxy.setFaults(undefined);
    await waitState(grant.id, 'revoked', 30_000);
    assert.deepEqual(await user('bob'), { attached: [], inline: {}, tags: {} });
  });

  it('puts back a permanent policy detached by hand, on the next submission and on the next interval pass', async () => {
    const config = team({
      name: nextTeam(),
      policies: { reader: policy([READ_ONLY], ['s3:ListBucket']) },
      permanent: [{ users: ['alice'], environments: ['nonprod'], grants: ['reader'] }],
      settings: { reconcileIntervalMs: 10_000 },
    });
    const grant = grantsOf(config)[0]!;
    await submit(config);
    await waitState(grant.id, 'active');
    const detach = async () => {
      const iam = await stack.moto.iamIn(ACCOUNTS.nonprod);
      await iam.send(new DetachUserPolicyCommand({ UserName: 'alice', PolicyArn: READ_ONLY }));
      iam.destroy();
      assert.deepEqual((await user('alice')).attached, [grant.customPolicyArn]);
    };
    await detach();
    const plan = await submit(config);
    assert.deepEqual(plan.kept, [grant.id]);
    await eventually('re-attached after the submission', async () => ((await user('alice')).attached.includes(READ_ONLY) ? true : undefined), 10_000);

    await detach();
    const before = (await reconcileStatus(stack.client, config.team)).lastPassAt;
    await eventually('re-attached by the interval pass', async () => ((await user('alice')).attached.includes(READ_ONLY) ? true : undefined), 40_000);
    const passAt = await eventually('the interval pass finishes', async () => {
      const at = (await reconcileStatus(stack.client, config.team)).lastPassAt;
      return at !== before ? at : undefined;
    });
    assert.ok(passAt);
  });

  it('refuses the older of two racing revisions, and IAM ends equal to the newer', async () => {
    const name = nextTeam();
    const older = team({ name, policies: { reader: policy([READ_ONLY]) }, permanent: [{ users: ['alice'], environments: ['nonprod'], grants: ['reader'] }] });
    const newer = team({ name, policies: { audit: policy([SECURITY_AUDIT]) }, permanent: [{ users: ['bob'], environments: ['nonprod'], grants: ['audit'] }] });
    const olderRevision = revision('older');
    const newerRevision = revision('newer');
    const [a, b] = await Promise.allSettled([submit(newer, newerRevision), submit(older, olderRevision)]);
    assert.equal(a.status, 'fulfilled');
    if (b.status === 'rejected') {
      assert.ok(b.reason instanceof WorkflowUpdateFailedError, String(b.reason));
      assert.match(String((b.reason as WorkflowUpdateFailedError).cause?.message), /older than the last applied revision/);
    }
    // Submitted again after the newer one landed, the older is always refused.
    await assert.rejects(submit(older, olderRevision), /older than the last applied revision|Update failed/);
    const bobGrant = grantsOf(newer)[0]!;
    await waitState(bobGrant.id, 'active');
    await eventually('alice has nothing', async () => ((await user('alice')).attached.length === 0 ? true : undefined), 20_000);
    assert.deepEqual((await user('bob')).attached, [SECURITY_AUDIT]);
    assert.deepEqual((await user('alice')).attached, []);
  });

  it('keeps a managed policy two live grants share until both are revoked (holders from visibility)', async () => {
    const config = team({
      name: nextTeam(),
      policies: { reader: policy([READ_ONLY, VIEW_ONLY]), auditor: policy([READ_ONLY, SECURITY_AUDIT]) },
      permanent: [{ users: ['alice'], environments: ['nonprod'], grants: ['reader', 'auditor'] }],
    });
    const [auditor, reader] = grantsOf(config);
    await submit(config);
    await waitState(auditor!.id, 'active');
    await waitState(reader!.id, 'active');
    assert.deepEqual((await user('alice')).attached, [READ_ONLY, SECURITY_AUDIT, VIEW_ONLY].sort());
    await revokeGrantNow(stack.client, reader!.id, { reason: 'test', by: 'test' });
    assert.deepEqual((await user('alice')).attached, [READ_ONLY, SECURITY_AUDIT].sort());
    await revokeGrantNow(stack.client, auditor!.id, { reason: 'test', by: 'test' });
    assert.deepEqual(await user('alice'), { attached: [], inline: {}, tags: {} });
  });

  it('hands running grants their new spec when a policy changes under the same ids, and releases what only the old spec held', async () => {
    const name = nextTeam();
    const entries = {
      permanent: [{ users: ['alice'], environments: ['nonprod'], grants: ['reader'] }],
      temporary: [{ user: 'bob', environment: 'nonprod', grant: 'reader', expiresAt: inHours(24) }],
    };
    const before = team({ name, policies: { reader: policy([READ_ONLY, VIEW_ONLY], ['s3:ListBucket']) }, ...entries });
    const after = team({ name, policies: { reader: policy([READ_ONLY, SECURITY_AUDIT], ['s3:GetObject']) }, ...entries });
    const [permanent, temporary] = grantsOf(before).sort((a, b) => a.kind.localeCompare(b.kind));
    await submit(before);
    await waitState(permanent!.id, 'active');
    await waitState(temporary!.id, 'active');
    assert.deepEqual((await user('bob')).attached, [READ_ONLY, VIEW_ONLY].sort());

    const plan = await submit(after);
    assert.deepEqual(plan.kept.sort(), [permanent!.id, temporary!.id].sort(), 'the same ids: kept, not replaced');
    const want = { alice: [permanent!.customPolicyArn!, READ_ONLY, SECURITY_AUDIT].sort(), bob: [READ_ONLY, SECURITY_AUDIT].sort() };
    await eventually(
      'both grants hold the new policy, and nothing of the old',
      async () => {
        const [alice, bob] = [await user('alice'), await user('bob')];
        const inline = Object.values(bob.inline)[0] ?? '';
        return JSON.stringify([alice.attached, bob.attached]) === JSON.stringify([want.alice, want.bob]) &&
          inline.includes('s3:GetObject') &&
          !inline.includes('s3:ListBucket')
          ? true
          : undefined;
      },
      20_000,
    );
    assert.deepEqual(Object.values((await user('bob')).tags).sort(), want.bob, 'ownership marks follow the new spec');

    // Revoking now removes what the new spec holds: nothing is left behind.
    await revokeGrantNow(stack.client, temporary!.id, { reason: 'test', by: 'test' });
    assert.deepEqual(await user('bob'), { attached: [], inline: {}, tags: {} });
  });

  it('does not keep a managed policy for a grant whose start_date is days away', async () => {
    const name = nextTeam();
    const later = { user: 'alice', environment: 'nonprod', grant: 'reader', startsAt: inHours(48), expiresAt: inHours(72) };
    const both = team({
      name,
      policies: { reader: policy([READ_ONLY]) },
      permanent: [{ users: ['alice'], environments: ['nonprod'], grants: ['reader'] }],
      temporary: [later],
    });
    const [permanent, scheduled] = grantsOf(both).sort((a, b) => a.kind.localeCompare(b.kind));
    await submit(both);
    await waitState(permanent!.id, 'active');
    assert.equal((await statusOf(scheduled!.id)).state, 'pending');
    assert.deepEqual((await user('alice')).attached, [READ_ONLY]);

    await submit(team({ name, policies: { reader: policy([READ_ONLY]) }, temporary: [later] }));
    await eventually('the permanent grant is revoked', async () => ((await statusOf(permanent!.id)).state === 'revoked' ? true : undefined));
    assert.deepEqual((await user('alice')).attached, [], 'not held two days early for the scheduled grant');
    assert.equal((await statusOf(scheduled!.id)).state, 'pending');
  });

  it('sweeps the access a grant workflow terminated from outside left behind', async () => {
    const config = readerTeam(nextTeam());
    const temporary = grantsOf(config).find((g) => g.kind === 'temporary')!;
    await submit(config);
    await waitState(temporary.id, 'active');
    await stack.client.workflow.getHandle(temporary.id).terminate('operator pressed the wrong button');
    assert.equal(Object.keys((await user('bob')).inline).length, 1, 'termination skips the revoke');
    const dry = await sweepTeam(stack.client, config.team, true, 'test');
    assert.deepEqual(dry.terminated, [temporary.id]);
    assert.equal(Object.keys((await user('bob')).inline).length, 1, 'a dry run changes nothing');
    const swept = await sweepTeam(stack.client, config.team, false, 'test');
    assert.deepEqual(swept.terminated, [temporary.id]);
    assert.deepEqual(await user('bob'), { attached: [], inline: {}, tags: {} });
    // Terminating a grant was an operator's decision: it sticks like an early revoke.
    const again = await submit(config);
    assert.deepEqual(again.sticky, [temporary.id]);
    // Its latest run is now the clean-up's record: it holds nothing, and says the grant stays revoked early.
    const latest = await stack.client.workflow.getHandle(temporary.id).describe();
    assert.equal(latest.status.name, 'COMPLETED', 'not started again');
    assert.deepEqual([(latest.memo as { record?: string }).record, (latest.memo as { endCause?: string }).endCause], ['cleaned', 'early']);
  });
});
