// The security promise under conditions nobody scripted, on a real Temporal dev server and moto:
// look-alike team and policy names, a reconcile workflow terminated by an operator, Cancel and
// Terminate at any moment, a revoke racing a replacement, clocks ahead, a submitter raising the
// limit, one broken policy among many, principals written in another case, IAM's propagation delay,
// and retiring a team. Each test states the promise it holds grantflow to.
import assert from 'node:assert/strict';
import { CreatePolicyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { reconcileWorkflowId } from '../../src/core/ids';
import { customPolicyArn } from '../../src/core/names';
import { grantStartOptions } from '../../src/temporal/grant-start';
import { readLedger } from '../../src/temporal/ledger-reader';
import { grantStatus, revokeGrantNow } from '../../src/temporal/grant-operations';
import { sweepTeam } from '../../src/temporal/reconcile-operations';
import { reapplySignal } from '../../workflows/messages';
import { eventually } from '../harness/stack';
import { ACCOUNTS, grantsOf, inHours, policy, READ_ONLY, revisionSequence, SECURITY_AUDIT, team, VIEW_ONLY } from '../harness/team';
import { runCli } from '../harness/cli';
import { workflowSuite } from '../harness/workflow-suite';
import { markerText } from '../harness/markers';

const revision = revisionSequence('durable', '2026-02-01T00:00:00Z');
const EMPTY = { attached: [], inline: {}, tags: {} };

describe('durable truth: the promise under resets, look-alikes, races and operators (dev server + moto)', function () {
  const { stack, submit, waitState, nextTeam, users, account } = workflowSuite({ revision, teamPrefix: 'dt', cliEnv: true, users: ['alice', 'bob', 'carol'] });
  const user = async (name: string) => (await users(name))[name]!;
  const describe_ = (id: string) => stack.client.workflow.getHandle(id).describe();
  const running = async (id: string) => {
    try {
      return (await describe_(id)).status.name === 'RUNNING';
    } catch {
      return false;
    }
  };
  // Closed also when the workflow cannot be described (the suite's waitClosed would keep waiting).
  const waitClosed = (id: string, timeoutMs = 30_000) => eventually(`${id} closed`, async () => ((await running(id)) ? undefined : true), timeoutMs);
  const terminateReconcile = async (teamName: string) => {
    const handle = stack.client.workflow.getHandle(reconcileWorkflowId(teamName));
    await handle.terminate('operator reset: the reconcile looked stuck');
    await eventually('reconcile closed', async () => ((await handle.describe()).status.name === 'TERMINATED' ? true : undefined));
  };
  /** The document of the customer-managed policy attached to `name` that is not an AWS managed one. */
  const customDocument = async (name: string): Promise<string> => {
    const snapshot = await account();
    const arn = snapshot.users[name]!.attached.find((a) => !a.includes(':aws:policy/'));
    assert.ok(arn, `${name} holds a customer-managed policy`);
    return JSON.stringify(snapshot.policies[arn]!.document);
  };

  it('keeps look-alike team/policy pairs apart: team a + policy b-c and team a-b + policy c each get their own statements', async () => {
    const a = team({
      name: 'la',
      policies: { 'b-c': policy([], ['s3:GetObject']) },
      permanent: [{ users: ['alice'], environments: ['nonprod'], grants: ['b-c'] }],
    });
    const ab = team({
      name: 'la-b',
      policies: { c: policy([], ['ec2:RebootInstances']) },
      permanent: [{ users: ['bob'], environments: ['nonprod'], grants: ['c'] }],
    });
    await submit(a);
    await submit(ab);
    await waitState(grantsOf(a)[0]!.id, 'active');
    await waitState(grantsOf(ab)[0]!.id, 'active');
    // Both teams' interval passes and re-submissions must not rewrite each other's policy either.
    await submit(a);
    await submit(ab);
    await eventually(
      'each user holds only its own team statements',
      async () => {
        const [alice, bob] = [await customDocument('alice'), await customDocument('bob')];
        return alice.includes('s3:GetObject') && !alice.includes('ec2:') && bob.includes('ec2:RebootInstances') && !bob.includes('s3:') ? true : undefined;
      },
      20_000,
    );
  });

  it('revokes a removed user after the reconcile workflow was terminated (live grants come from visibility)', async () => {
    const name = nextTeam();
    const both = team({
      name,
      policies: { reader: policy([READ_ONLY]) },
      permanent: [{ users: ['alice', 'bob'], environments: ['nonprod'], grants: ['reader'] }],
    });
    await submit(both);
    for (const grant of grantsOf(both)) await waitState(grant.id, 'active');
    await terminateReconcile(name);

    await submit(team({ name, policies: { reader: policy([READ_ONLY]) }, permanent: [{ users: ['alice'], environments: ['nonprod'], grants: ['reader'] }] }));
    await eventually('bob lost the access', async () => (JSON.stringify(await user('bob')) === JSON.stringify(EMPTY) ? true : undefined), 30_000);
    assert.deepEqual((await user('alice')).attached, [READ_ONLY]);
  });

  it('after a reconcile reset, early revocations stay sticky and owned policies left behind are deleted', async () => {
    const name = nextTeam();
    const config = team({
      name,
      policies: { reader: policy([READ_ONLY], ['s3:ListBucket']), extra: policy([], ['s3:GetObject']) },
      permanent: [{ users: ['alice'], environments: ['nonprod'], grants: ['reader', 'extra'] }],
    });
    const [extra, reader] = grantsOf(config);
    await submit(config);
    await waitState(reader!.id, 'active');
    await waitState(extra!.id, 'active');
    await revokeGrantNow(stack.client, reader!.id, { reason: 'incident', by: 'ops' });
    await terminateReconcile(name);

    // The same YAML, minus the `extra` policy: reader stays revoked, and extra's customer-managed policy goes.
    const without = team({
      name,
      policies: { reader: policy([READ_ONLY], ['s3:ListBucket']) },
      permanent: [{ users: ['alice'], environments: ['nonprod'], grants: ['reader'] }],
    });
    const plan = await submit(without);
    assert.deepEqual(plan.sticky, [reader!.id]);
    await waitClosed(extra!.id);
    await eventually(
      'the unused policy is deleted',
      async () => {
        const snapshot = await account();
        return snapshot.policies[extra!.customPolicyArn!] === undefined ? true : undefined;
      },
      30_000,
    );
    assert.deepEqual(await user('alice'), EMPTY, 'nothing granted again');
  });

  /** alice's grant, cancelled in Temporal while IAM fails every call of its first apply, and then closed. */
  async function cancelDuringFirstApply() {
    const config = team({
      name: nextTeam(),
      policies: { reader: policy([READ_ONLY]) },
      permanent: [{ users: ['alice'], environments: ['nonprod'], grants: ['reader'] }],
    });
    const grant = grantsOf(config)[0]!;
    stack.proxy.setFaults({ rate: 1, kinds: ['server-error'] });
    await submit(config);
    const before = stack.proxy.faultsInjected();
    await eventually(
      'the apply is retrying',
      async () => (stack.proxy.faultsInjected() >= before + 4 && (await grantStatus(stack.client, grant.id)).state === 'pending' ? true : undefined),
      20_000,
    );
    await stack.client.workflow.getHandle(grant.id).cancel();
    stack.proxy.setFaults(undefined);
    await waitClosed(grant.id);
    return { config, grant };
  }

  it('treats Cancel during a first apply that is still retrying as a sticky early revoke', async () => {
    const { config, grant } = await cancelDuringFirstApply();

    const again = await submit(config);
    assert.deepEqual(again.sticky, [grant.id], 'a cancelled grant is not granted again');
    assert.equal(await running(grant.id), false);
    assert.deepEqual(await user('alice'), EMPTY);
  });

  it('runs a first apply as an activity task, and revokes a Cancel during it only once that apply has stopped', async () => {
    const { grant } = await cancelDuringFirstApply();
    const events = (await stack.client.workflow.getHandle(grant.id).fetchHistory()).events ?? [];
    const at = (test: (e: (typeof events)[number]) => unknown) => events.findIndex((e) => Boolean(test(e)));
    const scheduled = at((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'applyGrant');
    const applyClosed = at((e) => e.activityTaskCanceledEventAttributes || e.activityTaskCompletedEventAttributes || e.activityTaskFailedEventAttributes);
    const revoked = at((e) => markerText(e).includes('revokeGrant'));
    assert.ok(scheduled >= 0, 'the apply is an activity task');
    assert.ok(at((e) => e.activityTaskCancelRequestedEventAttributes) > scheduled, 'the Cancel reached the apply');
    assert.ok(applyClosed > scheduled && revoked > applyClosed, `the revoke (event ${revoked}) after the apply stopped (event ${applyClosed})`);
    assert.deepEqual(await user('alice'), EMPTY);
  });

  it('treats Terminate as sticky and removes its access, even when a submission comes before any sweep', async () => {
    const name = nextTeam();
    const config = team({
      name,
      policies: { reader: policy([READ_ONLY], ['s3:ListBucket']) },
      temporary: [{ user: 'bob', environment: 'nonprod', grant: 'reader', expiresAt: inHours(24) }],
    });
    const grant = grantsOf(config)[0]!;
    await submit(config);
    await waitState(grant.id, 'active');
    await stack.client.workflow.getHandle(grant.id).terminate('operator pressed Terminate');

    await submit(config);
    await submit(config);
    assert.equal(await running(grant.id), false, 'a terminated grant is not started again');
    await eventually(
      'its access is removed by the next pass',
      async () => (JSON.stringify(await user('bob')) === JSON.stringify(EMPTY) ? true : undefined),
      30_000,
    );
  });

  it('keeps the memo current across continue-as-new (held policies follow the latest spec)', async () => {
    const name = nextTeam();
    const entries = { permanent: [{ users: ['alice'], environments: ['nonprod'], grants: ['reader'] }] };
    const before = team({ name, policies: { reader: policy([READ_ONLY, VIEW_ONLY]) }, ...entries });
    const after = team({ name, policies: { reader: policy([READ_ONLY, SECURITY_AUDIT]) }, ...entries });
    const grant = grantsOf(before)[0]!;
    await submit(before);
    await waitState(grant.id, 'active');
    await submit(after);
    await eventually('the new spec landed', async () => ((await user('alice')).attached.includes(SECURITY_AUDIT) ? true : undefined));
    const firstRun = (await describe_(grant.id)).runId;
    // Drift repairs grow the history until the grant continues as new.
    const handle = stack.client.workflow.getHandle(grant.id);
    await eventually(
      'the grant continued as new',
      async () => {
        for (let i = 0; i < 50; i++) await handle.signal(reapplySignal);
        return (await describe_(grant.id)).runId !== firstRun ? true : undefined;
      },
      90_000,
      10,
    );
    const memo = (await describe_(grant.id)).memo as { attachedArns?: string[] };
    assert.deepEqual([...(memo.attachedArns ?? [])].sort(), [READ_ONLY, SECURITY_AUDIT].sort(), 'the memo holds what the grant attaches now');
  });

  it('revokes both grants when an operator revokes the old one while its replacement is under way', async () => {
    const name = nextTeam();
    const entry = (expiresAt: string) =>
      team({
        name,
        policies: { reader: policy([READ_ONLY], ['s3:ListBucket']) },
        temporary: [{ user: 'bob', environment: 'nonprod', grant: 'reader', expiresAt }],
      });
    const old = grantsOf(entry(inHours(10)))[0]!;
    await submit(entry(inHours(10)));
    await waitState(old.id, 'active');
    const changed = entry(inHours(20));
    const replacement = grantsOf(changed)[0]!;
    const reconcile = stack.client.workflow.getHandle(reconcileWorkflowId(name));
    const submissionsReceived = async () =>
      ((await reconcile.fetchHistory()).events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'submit')
        .length;
    const before = await submissionsReceived();
    const submitted = submit(changed);
    // The operator acts once the reconcile workflow holds the submission: the revoke is the newer word,
    // whether it lands before the pass reads the grants, while the replacement starts, or after.
    await eventually('the submission reached the reconcile workflow', async () => ((await submissionsReceived()) > before ? true : undefined), 30_000, 10);
    await revokeGrantNow(stack.client, old.id, { reason: 'bob left the incident', by: 'ops' });
    await submitted;
    await eventually('neither grant is live', async () => ((await running(old.id)) || (await running(replacement.id)) ? undefined : true), 30_000);
    assert.deepEqual(await user('bob'), EMPTY);
  });

  it('refuses a revision dated hours ahead of the server clock, and it does not block later submissions', async () => {
    const name = nextTeam();
    const config = team({ name, policies: { reader: policy([READ_ONLY]) }, permanent: [{ users: ['alice'], environments: ['nonprod'], grants: ['reader'] }] });
    const ahead = {
      commit: 'future',
      committedAt: new Date(Date.now() + 6 * 3600_000).toISOString(),
      submittedAt: new Date().toISOString(),
      submittedBy: 'test',
    };
    await assert.rejects(submit(config, ahead), (e: Error & { cause?: Error }) => /ahead of the server's clock/.test(e.cause?.message ?? ''));
    const now = { commit: 'now', committedAt: new Date().toISOString(), submittedAt: new Date().toISOString(), submittedBy: 'test' };
    const plan = await submit(config, now);
    assert.deepEqual(plan.added, [grantsOf(config)[0]!.id]);
  });

  it('does not let a submission raise max_temporary_days above the worker ceiling', async () => {
    const name = nextTeam();
    const config = team({
      name,
      policies: { reader: policy([READ_ONLY]) },
      temporary: [{ user: 'bob', environment: 'nonprod', grant: 'reader', expiresAt: inHours(24 * 20) }],
      settings: { maxTemporaryDays: 30 },
    });
    await assert.rejects(submit(config), (e: Error & { cause?: Error }) => /the worker's ceiling is 6/.test(e.cause?.message ?? ''));
    assert.equal(await running(grantsOf(config)[0]!.id), false);
    assert.deepEqual(await user('bob'), EMPTY);
  });

  it("refuses a submission beyond the team's own lower max_temporary_days (BeyondMaxTemporaryDays), starting nothing", async () => {
    const name = nextTeam();
    const config = team({
      name,
      policies: { reader: policy([], ['s3:GetObject']) },
      temporary: [
        { user: 'alice', environment: 'nonprod', grant: 'reader', expiresAt: inHours(24) },
        { user: 'bob', environment: 'nonprod', grant: 'reader', expiresAt: inHours(24 * 4) },
      ],
      settings: { maxTemporaryDays: 3 },
    });
    await assert.rejects(submit(config), (e: Error & { cause?: Error & { type?: string } }) => {
      assert.equal(e.cause?.type, 'BeyondMaxTemporaryDays', e.cause?.message);
      assert.match(e.cause?.message ?? '', /at most 3 days \(max_temporary_days\)/);
      return true;
    });
    for (const grant of grantsOf(config)) assert.equal(await running(grant.id), false, `${grant.id} not started`);
    assert.deepEqual(await users('alice', 'bob'), { alice: EMPTY, bob: EMPTY }, 'nothing changed in IAM, not even the grant within the limit');
  });

  it('revokes a running grant once the worker ceiling is lowered below its expiry, at the next sweep', async () => {
    const name = nextTeam();
    const config = team({
      name,
      policies: { reader: policy([], ['s3:GetObject']) },
      temporary: [
        { user: 'alice', environment: 'nonprod', grant: 'reader', expiresAt: inHours(24) },
        { user: 'bob', environment: 'nonprod', grant: 'reader', expiresAt: inHours(24 * 5) },
      ],
    });
    const plan = await submit(config);
    assert.equal(plan.added.length, 2);
    for (const id of plan.added) await waitState(id, 'active');
    const [alice, bob] = [plan.added.find((id) => id.includes('/alice/'))!, plan.added.find((id) => id.includes('/bob/'))!];
    assert.notDeepEqual(await user('bob'), EMPTY, 'bob holds his temporary policy');

    await stack.stopWorker();
    await stack.startWorker({ maxTemporaryDays: 2 });
    try {
      const swept = await sweepTeam(stack.client, name, false, 'test');
      assert.deepEqual(swept.revoked, [bob], 'only the grant beyond the lowered ceiling');
      await waitClosed(bob);
      assert.deepEqual(await user('bob'), EMPTY, "bob's policy is gone");
      assert.equal((await grantStatus(stack.client, alice)).state, 'active', 'the grant within the ceiling keeps running');
      assert.notDeepEqual(await user('alice'), EMPTY);
    } finally {
      await stack.stopWorker();
      await stack.startWorker();
    }
  });

  it('applies every other policy when one policy of the account cannot be synced, and reports the one that failed', async () => {
    const name = nextTeam();
    const config = team({
      name,
      policies: { aaa: policy([], ['s3:GetObject']), zzz: policy([], ['s3:ListBucket']) },
      permanent: [{ users: ['alice'], environments: ['nonprod'], grants: ['aaa', 'zzz'] }],
    });
    // Someone else's policy squats on the name grantflow would use for `aaa`.
    const squatted = customPolicyArn('aws', ACCOUNTS.nonprod, name, 'aaa');
    const [, pathAndName] = squatted.split(':policy');
    const squatName = pathAndName!.split('/').pop()!;
    const squatPath = pathAndName!.slice(0, pathAndName!.length - squatName.length);
    const iam = await stack.moto.iamIn(ACCOUNTS.nonprod);
    await iam.send(
      new CreatePolicyCommand({
        PolicyName: squatName,
        Path: squatPath,
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }),
      }),
    );
    iam.destroy();

    const plan = await submit(config);
    assert.ok(
      plan.errors.some((e) => e.includes(squatted)),
      `the failing policy is reported: ${JSON.stringify(plan.errors)}`,
    );
    const snapshot = await account();
    const zzz = customPolicyArn('aws', ACCOUNTS.nonprod, name, 'zzz');
    assert.ok(snapshot.policies[zzz], 'the other policy was still created');
  });

  it('treats principals written in another case as the IAM user they are (one holder set, revoke --user in any case)', async () => {
    const name = nextTeam();
    const iam = await stack.moto.iamIn(ACCOUNTS.nonprod);
    await iam.send(new CreateUserCommand({ UserName: 'Dave' }));
    iam.destroy();
    const config = team({
      name,
      policies: { reader: policy([READ_ONLY]), auditor: policy([READ_ONLY, SECURITY_AUDIT]) },
      permanent: [
        { users: ['Dave'], environments: ['nonprod'], grants: ['reader'] },
        { users: ['dave'], environments: ['nonprod'], grants: ['auditor'] },
      ],
    });
    const plan = await submit(config);
    assert.equal(plan.added.length, 2);
    for (const id of plan.added) await waitState(id, 'active');
    const dave = await users('Dave');
    assert.deepEqual(dave.Dave!.attached, [READ_ONLY, SECURITY_AUDIT].sort());

    const auditor = plan.added.find((id) => id.endsWith('/auditor'))!;
    await revokeGrantNow(stack.client, auditor, { reason: 'test', by: 'test' });
    assert.deepEqual((await users('Dave')).Dave!.attached, [READ_ONLY], 'the other grant still needs ReadOnlyAccess');

    const revoked = await runCli(['revoke', name, '--user', 'DAVE', '--reason', 'left'], { ...process.env, ...stack.env });
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.deepEqual((await users('Dave')).Dave, EMPTY);
  });

  it('retries NoSuchEntity for a user created a moment after the grant started (IAM propagation)', async () => {
    const name = nextTeam();
    const config = team({ name, policies: { reader: policy([READ_ONLY]) }, permanent: [{ users: ['erin'], environments: ['nonprod'], grants: ['reader'] }] });
    const grant = grantsOf(config)[0]!;
    // The user appears only after the grant has tried IAM and been told there is no such user.
    stack.proxy.record(['GetUser', 'ListAttachedUserPolicies', 'ListUserTags', 'TagUser', 'AttachUserPolicy', 'ListUserPolicies', 'PutUserPolicy']);
    try {
      await submit(config);
      await eventually('a call for erin refused', async () => (stack.proxy.events().some((e) => e.user === 'erin' && e.status >= 400) ? true : undefined));
    } finally {
      stack.proxy.record(undefined);
    }
    await stack.moto.createUsers(ACCOUNTS.nonprod, ['erin']);
    await waitState(grant.id, 'active', 60_000);
    assert.deepEqual((await users('erin')).erin!.attached, [READ_ONLY]);
  });

  it('does not count a record that met a running run of its grant: nothing is written over it, and the pass says so', async () => {
    const name = nextTeam();
    const config = team({ name, policies: { reader: policy([READ_ONLY]) }, permanent: [{ users: ['alice'], environments: ['nonprod'], grants: ['reader'] }] });
    const grant = grantsOf(config)[0]!;
    // Runs that hold nothing: they wait for a start date a year away.
    const pending = grantStartOptions({ ...grant, startsAt: inHours(24 * 365) }, { taskQueue: stack.taskQueue });
    const handle = stack.client.workflow.getHandle(grant.id);
    await stack.client.workflow.start('grantWorkflow', pending);
    await handle.terminate('operator pressed Terminate');
    await eventually('visibility lists the terminated run', async () =>
      (await readLedger(stack.client, name)).get(grant.id)?.status === 'TERMINATED' ? true : undefined,
    );
    // A new run of the same id that the pass's read of visibility does not list (as one started a
    // moment before the read): the pass decides from the Terminate, and its record meets this run.
    const { typedSearchAttributes: _unlisted, ...unlisted } = pending;
    const live = await stack.client.workflow.start('grantWorkflow', unlisted);

    const plan = await submit(config);
    assert.deepEqual(plan.sticky, [grant.id], 'the pass decided from the Terminate');
    assert.equal(plan.counts.recorded, 0, 'nothing was recorded');
    assert.deepEqual(plan.errors.length, 1, plan.errors.join('\n'));
    assert.match(plan.errors[0]!, new RegExp(`^did not record that ${grant.id} is revoked early: run ${live.firstExecutionRunId} of it is running`));
    const description = await handle.describe();
    assert.deepEqual(
      [description.runId, description.status.name, (description.memo as { record?: string }).record],
      [live.firstExecutionRunId, 'RUNNING', undefined],
    );

    // Once no run of it is running, the same pass writes the record, and counts it.
    await handle.terminate('the run started by hand goes too');
    const again = await submit(config);
    assert.deepEqual([again.counts.recorded, again.errors], [1, []]);
    const record = await handle.describe();
    assert.deepEqual((record.memo as { record?: string; endCause?: string }).record, 'cleaned');
  });

  it('retires a team: every grant revoked, its policies deleted, its reconcile workflow ended', async () => {
    const name = nextTeam();
    const config = team({
      name,
      policies: { reader: policy([READ_ONLY], ['s3:ListBucket']) },
      permanent: [{ users: ['alice'], environments: ['nonprod'], grants: ['reader'] }],
      temporary: [{ user: 'bob', environment: 'nonprod', grant: 'reader', expiresAt: inHours(24) }],
    });
    await submit(config);
    for (const grant of grantsOf(config)) await waitState(grant.id, 'active');
    const result = await runCli(['retire', name, '--reason', 'team disbanded', '--yes'], { ...process.env, ...stack.env });
    assert.equal(result.code, 0, result.stderr);
    for (const grant of grantsOf(config)) assert.equal(await running(grant.id), false);
    assert.deepEqual(await users('alice', 'bob'), { alice: EMPTY, bob: EMPTY });
    const snapshot = await account();
    assert.deepEqual(
      Object.keys(snapshot.policies).filter((arn) => arn.includes(name)),
      [],
    );
    assert.equal(await running(reconcileWorkflowId(name)), false);
  });
});
