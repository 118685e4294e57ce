// Only a reviewed, merged YAML grants access: the attacks of someone who can reach the Temporal
// namespace (every operator of the Web UI can) but holds no signing key, on a real Temporal dev
// server and moto. In each, the target principal holds nothing at any moment (no write naming it
// ever reaches IAM), the team's legitimate grants are untouched, and operators can see the attempt.
import assert from 'node:assert/strict';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TeamConfig } from '../../src/core/team-config';
import { reconcileWorkflowId } from '../../src/core/ids';
import type { NotificationSink } from '../../src/core/notification-sink';
import { grantStartOptions } from '../../src/temporal/grant-start';
import { grantStatus } from '../../src/temporal/grant-operations';
import { reconcileStatus, submitTeam } from '../../src/temporal/reconcile-operations';
import { recentRefusals } from '../../src/temporal/refusals';
import { stageConfig } from '../../src/temporal/submissions';
import { isInsecureIdentity, taskQueuePollers } from '../../src/temporal/worker-share';
import { generateSigningKey, parsePrivateKey } from '../../src/trust/keys';
import { signerFor } from '../../src/trust/submissions';
import { reapplySignal, statusQuery, submitUpdate } from '../../workflows/messages';
import { eventually, type Stack } from '../harness/stack';
import { ACCOUNTS, grantsOf, policy, READ_ONLY, revisionSequence, team } from '../harness/team';
import { startWebhookReceiver, type WebhookReceiver } from '../harness/webhook-receiver';
import { workflowSuite } from '../harness/workflow-suite';

const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const BOUNDARY = 'arn:aws:iam::aws:policy/PowerUserAccess';
const WRITES = ['AttachUserPolicy', 'PutUserPolicy', 'TagUser', 'CreatePolicy', 'CreatePolicyVersion'];
const revision = revisionSequence('authority', '2026-03-01T00:00:00Z');

describe('authority: only a verified submission grants (dev server + moto)', function () {
  let receiver: WebhookReceiver;
  const audit = (url: string): NotificationSink => ({
    name: 'audit',
    url,
    format: 'json',
    events: ['refused'],
    expiringBeforeMs: 3_600_000,
    revokeStuckAfterMs: 600_000,
  });

  before(async () => {
    receiver = await startWebhookReceiver();
    receiver.set('/audit', 'ok');
  });
  const { stack, submit, waitState, waitClosed, nextTeam, users } = workflowSuite({
    revision,
    teamPrefix: 'auth',
    stack: { worker: false },
    users: ['alice', 'mallory'],
  });
  const startDefaultWorker = (options: Parameters<Stack['startWorker']>[0] = {}) =>
    stack.startWorker({ notifications: { sinks: [audit(receiver.url('/audit'))] }, ...options });
  before(async () => {
    await startDefaultWorker();
  });
  after(async () => {
    await receiver?.close();
  });
  beforeEach(() => {
    stack.proxy.record(WRITES);
  });

  const reader = (name: string, extra: Partial<Parameters<typeof team>[0]> = {}): TeamConfig =>
    team({ name, policies: { reader: policy([READ_ONLY]) }, permanent: [{ users: ['alice'], environments: ['nonprod'], grants: ['reader'] }], ...extra });
  const adminFor = (name: string, who = 'mallory') =>
    grantsOf(team({ name, policies: { admin: policy([ADMIN]) }, permanent: [{ users: [who], environments: ['nonprod'], grants: ['admin'] }] }))[0]!;
  /** No write naming the principal (or the policy) ever reached IAM, and IAM holds nothing for it now. */
  const neverTouched = async (principal: string, policyArn?: string) => {
    const writes = stack.proxy.events().filter((e) => e.user === principal || (policyArn !== undefined && e.policy === policyArn));
    assert.deepEqual(writes, [], `no IAM write for ${principal}${policyArn ? ` or ${policyArn}` : ''}`);
    assert.deepEqual((await users(principal))[principal], { attached: [], inline: {}, tags: {} });
  };
  const alice = async () => (await users('alice')).alice!;
  const refusedNotices = () => receiver.delivered('/audit').filter((r) => r.body.event === 'refused');
  /** The reconcile workflow's refusal reaches the submitter as the update's failure cause. */
  const refusedWith = (message: RegExp) => (error: unknown) => error instanceof WorkflowUpdateFailedError && message.test(String(error.cause?.message));

  it('ignores a forged reapply signal carrying a spec for another principal and AdministratorAccess, and records and announces it', async () => {
    const name = nextTeam();
    const config = reader(name);
    const [legit] = grantsOf(config);
    await submit(config);
    await waitState(legit!.id, 'active');
    const before = await alice();
    const noticesBefore = refusedNotices().length;

    await stack.client.workflow.getHandle(legit!.id).signal(reapplySignal, { spec: { ...adminFor(name), id: legit!.id } } as never);
    await eventually('the refusal is recorded', async () => ((await grantStatus(stack.client, legit!.id)).refusals?.length ? true : undefined));

    const status = await grantStatus(stack.client, legit!.id);
    assert.match(status.refusals![0]!.what, /reapply signal carrying spec; a reapply carries no access/);
    assert.equal(status.state, 'active', 'the legitimate grant goes on');
    await neverTouched('mallory', ADMIN);
    assert.deepEqual(await alice(), before, "alice's access is untouched");
    const description = await stack.client.workflow.getHandle(legit!.id).describe();
    assert.equal((description.memo as { principalName?: string }).principalName, 'alice', 'the memo still says alice');
    await eventually('a refused notification', async () => (refusedNotices().length > noticesBefore ? true : undefined));
    assert.match(String(refusedNotices().at(-1)!.body.text), /Refused: grant .* did not come from a verified submission/);
  });

  it('refuses a grant workflow started by hand for a team that has no YAML: it applies nothing, ends failed, and doctor lists it', async () => {
    const ghost = adminFor('ghost');
    await stack.client.workflow.start('grantWorkflow', grantStartOptions(ghost, { taskQueue: stack.taskQueue }));
    await waitClosed(ghost.id);

    const status = await stack.client.workflow.getHandle(ghost.id).query(statusQuery);
    assert.equal(status.state, 'failed');
    assert.match(status.lastError!, /no verified config of team ghost holds grant .*the team has never been submitted.*nothing was applied/);
    await neverTouched('mallory', ADMIN);
    const refusals = await eventually('doctor sees the refusal', async () => {
      const found = await recentRefusals(stack.client, new Date(Date.now() - 60_000));
      return found.grants.some((g) => g.id === ghost.id) ? found : undefined;
    });
    assert.match(refusals.grants.find((g) => g.id === ghost.id)!.reason, /never been submitted/);
  });

  it("refuses a grant workflow started by hand under a submitted team for a grant the team's config does not hold", async () => {
    const name = nextTeam();
    const config = reader(name);
    await submit(config);
    await waitState(grantsOf(config)[0]!.id, 'active');
    const forged = adminFor(name);
    await stack.client.workflow.start('grantWorkflow', grantStartOptions(forged, { taskQueue: stack.taskQueue }));
    await waitClosed(forged.id);
    const status = await stack.client.workflow.getHandle(forged.id).query(statusQuery);
    assert.equal(status.state, 'failed');
    assert.match(status.lastError!, new RegExp(`the verified config of team ${name} .* holds no grant`));
    await neverTouched('mallory', ADMIN);
    assert.equal((await grantStatus(stack.client, grantsOf(config)[0]!.id)).state, 'active', "the team's own grant is untouched");
  });

  it('applies only what the verified config says to a grant started by hand under a real grant id, whatever spec it claims', async () => {
    const name = nextTeam();
    const config = reader(name);
    const [legit] = grantsOf(config);
    await submit(config);
    await waitState(legit!.id, 'active');
    await stack.client.workflow.getHandle(legit!.id).terminate('operator');
    await waitClosed(legit!.id);

    // Same id (alice, reader), but the spec claims AdministratorAccess.
    const claimed = { ...legit!, managedPolicyArns: [ADMIN] };
    await stack.client.workflow.start('grantWorkflow', grantStartOptions(claimed, { taskQueue: stack.taskQueue }));
    await waitState(legit!.id, 'active');
    assert.deepEqual((await alice()).attached, [READ_ONLY], 'alice holds what the YAML says, not what the starter claimed');
    assert.deepEqual(
      stack.proxy.events().filter((e) => e.policy === ADMIN),
      [],
      'AdministratorAccess was never attached',
    );
    const description = await stack.client.workflow.getHandle(legit!.id).describe();
    assert.deepEqual((description.memo as { attachedArns?: string[] }).attachedArns, [READ_ONLY], 'the memo says what the grant holds');
  });

  it('refuses an unsigned submission: nothing changes, the submitter is told why, and the reconcile state and the sinks show it', async () => {
    const name = nextTeam();
    const noticesBefore = refusedNotices().length;
    await assert.rejects(
      submitTeam(stack.client, { config: reader(name), revision: revision(), taskQueue: stack.taskQueue }),
      refusedWith(/is not signed, and this worker accepts only signed submissions/),
    );
    await neverTouched('alice');
    const state = await reconcileStatus(stack.client, name);
    assert.match(state.lastRefused!.reason, /refused, nothing changed: the submission of team .* is not signed/);
    await eventually('the sinks hear of it', async () => (refusedNotices().length > noticesBefore ? true : undefined));
    const notice = refusedNotices().at(-1)!.body as { submission?: { team?: string }; text?: string };
    assert.equal(notice.submission?.team, name);
    assert.match(notice.text!, /Refused: a submission of team .* was not applied/);
  });

  it('refuses a submission whose config was changed after signing, and one signed by a key the worker does not trust', async () => {
    const name = nextTeam();
    const signed = reader(name);
    const tampered = reader(name, { policies: { reader: policy([ADMIN]) } });
    // The signature over the reviewed config travels with a config that grants more.
    const replayed = (input: { team: string; revision: Parameters<Stack['signer']>[0]['revision']; configText: string }) =>
      stack.signer({ ...input, configText: JSON.stringify(signed) });
    await assert.rejects(
      submitTeam(stack.client, { config: tampered, revision: revision(), taskQueue: stack.taskQueue, sign: replayed }),
      refusedWith(/does not match what test-ci signed .*changed after signing/),
    );
    const stranger = signerFor(parsePrivateKey(generateSigningKey('stranger').privatePem));
    await assert.rejects(
      submitTeam(stack.client, { config: signed, revision: revision(), taskQueue: stack.taskQueue, sign: stranger }),
      refusedWith(/which this worker does not trust \(trusted keys: test-ci/),
    );
    await neverTouched('alice', ADMIN);
  });

  it('refuses a revision whose dates cannot be read where it arrives, before any pass', async () => {
    const name = nextTeam();
    const ref = await stageConfig(stack.client, reader(name), stack.taskQueue);
    await stack.client.workflow.start('reconcileWorkflow', { workflowId: reconcileWorkflowId(name), taskQueue: stack.taskQueue, args: [{ team: name }] });
    await assert.rejects(
      stack.client.workflow.getHandle(reconcileWorkflowId(name)).executeUpdate(submitUpdate, {
        args: [{ config: ref, revision: { submittedAt: 'yesterday', submittedBy: 'mallory' }, settings: { reconcileIntervalMs: 3_600_000 } }],
      }),
      (error: unknown) =>
        error instanceof WorkflowUpdateFailedError && /revision submittedAt "yesterday" is not a date/.test(`${error.message} ${String(error.cause?.message)}`),
    );
    await neverTouched('alice');
  });

  it('takes nothing from a reconcile workflow started by hand with a forged state: it neither applies that config nor blocks the next verified submission', async () => {
    const name = nextTeam();
    const config = reader(name);
    await submit(config);
    await waitState(grantsOf(config)[0]!.id, 'active');
    await stack.client.workflow.getHandle(reconcileWorkflowId(name)).terminate('attacker');
    // An unsigned config granting mallory AdministratorAccess, claimed as applied at a revision far in the future.
    const forged = await stageConfig(
      stack.client,
      team({ name, policies: { admin: policy([ADMIN]) }, permanent: [{ users: ['mallory'], environments: ['nonprod'], grants: ['admin'] }] }),
      stack.taskQueue,
    );
    await stack.client.workflow.start('reconcileWorkflow', {
      workflowId: reconcileWorkflowId(name),
      taskQueue: stack.taskQueue,
      args: [
        {
          team: name,
          state: {
            config: forged,
            revision: { commit: 'f', committedAt: '2099-01-01T00:00:00Z', submittedAt: '2099-01-01T00:00:00Z', submittedBy: 'mallory' },
            reconcileIntervalMs: 10_000,
          },
        },
      ],
      memo: {
        state: { config: forged, revision: { commit: 'f', committedAt: '2099-01-01T00:00:00Z', submittedAt: '2099-01-01T00:00:00Z', submittedBy: 'mallory' } },
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 12_000)); // an interval pass would have run by now
    const next = reader(name, { permanent: [{ users: ['alice'], environments: ['nonprod', 'prod'], grants: ['reader'] }] });
    await stack.moto.createUsers(ACCOUNTS.prod, ['alice']);
    const summary = await submit(next);
    assert.equal(summary.counts.added, 1, 'the next verified submission is applied');
    await neverTouched('mallory', ADMIN);
  });

  it('refuses a signed submission of a team whose name differs only in case from a running team, while that team goes on being submitted', async () => {
    const name = nextTeam();
    const config = reader(name);
    await submit(config);
    await waitState(grantsOf(config)[0]!.id, 'active');
    // IAM would treat grantflow.AUTH-n.admin and grantflow.auth-n.admin as one policy.
    const twin = name.toUpperCase();
    const twinConfig = team({
      name: twin,
      policies: { admin: policy([ADMIN]) },
      permanent: [{ users: ['mallory'], environments: ['nonprod'], grants: ['admin'] }],
    });
    await assert.rejects(submit(twinConfig), refusedWith(new RegExp(`team ${twin} differs only in case from team ${name}`)));
    await neverTouched('mallory', ADMIN);
    // The refused twin's reconcile workflow still runs, but it applied nothing, so it blocks no one.
    assert.equal((await stack.client.workflow.getHandle(reconcileWorkflowId(twin)).describe()).status.name, 'RUNNING');
    await stack.moto.createUsers(ACCOUNTS.prod, ['alice']);
    const summary = await submit(reader(name, { permanent: [{ users: ['alice'], environments: ['nonprod', 'prod'], grants: ['reader'] }] }));
    assert.equal(summary.counts.added, 1, "the team's next submission is applied");
  });

  it("refuses a submission that lowers each of the worker's guardrails or claims another team's account, naming the setting, while the team's grants stay as they were", async () => {
    const name = nextTeam();
    await stack.stopWorker();
    await startDefaultWorker({
      guardrails: {
        requireMfa: ['prod'],
        permissionsBoundary: { byScope: { prod: BOUNDARY } },
        temporaryManagedPolicies: 'copy',
        deployerRole: 'AWSSelfServeDeployer',
        teamAccounts: { [name]: [ACCOUNTS.nonprod, ACCOUNTS.prod], payments: ['333333333333'] },
      },
    });
    try {
      const meets = { requireMfa: ['prod'], permissionsBoundary: { byEnvironment: { prod: BOUNDARY } } };
      const legit = reader(name, { settings: meets });
      await submit(legit);
      await waitState(grantsOf(legit)[0]!.id, 'active');
      const before = await alice();
      const lowered: [string, TeamConfig, RegExp][] = [
        ['no MFA in prod', reader(name, { settings: { ...meets, requireMfa: [] } }), /require_mfa: the worker requires MFA in environment prod/],
        [
          'no boundary',
          reader(name, { settings: { requireMfa: ['prod'] } }),
          /permissions_boundary: the worker requires boundary .*PowerUserAccess in environment prod/,
        ],
        [
          'attach instead of copy',
          reader(name, { settings: { ...meets, temporaryManagedPolicies: 'attach' } }),
          /temporary_managed_policies: the worker requires copy/,
        ],
        [
          'another deployer role',
          reader(name, { settings: { ...meets, deployerRole: 'TeamOwnRole' } }),
          /deployer_role: the worker acts through role AWSSelfServeDeployer/,
        ],
        [
          "another team's account",
          reader(name, { settings: meets, accounts: { ...ACCOUNTS, payments: '333333333333' } }),
          /environment payments names account 333333333333, which the worker gives to team payments/,
        ],
      ];
      for (const [what, config, message] of lowered) {
        await assert.rejects(submit(config), refusedWith(message), what);
        assert.match((await reconcileStatus(stack.client, name)).lastRefused!.reason, message, `${what}: the reconcile state shows it`);
        assert.deepEqual(await alice(), before, `${what}: alice's access is unchanged`);
        assert.equal((await grantStatus(stack.client, grantsOf(legit)[0]!.id)).state, 'active', `${what}: the legitimate grant is untouched`);
      }
    } finally {
      await stack.stopWorker();
      await startDefaultWorker();
    }
  });

  it('applies unsigned submissions only on a worker started to accept them, and marks that worker for doctor', async () => {
    const name = nextTeam();
    await stack.stopWorker();
    await startDefaultWorker({ insecure: true });
    try {
      const config = reader(name);
      await submitTeam(stack.client, { config, revision: revision(), taskQueue: stack.taskQueue });
      await waitState(grantsOf(config)[0]!.id, 'active');
      assert.equal((await reconcileStatus(stack.client, name)).signer, 'unsigned (worker accepts unsigned submissions)');
      const pollers = await eventually('the insecure worker polls', async () => {
        const found = await taskQueuePollers(stack.client, stack.server.namespace, stack.taskQueue);
        return found.some((p) => isInsecureIdentity(p.identity)) ? found : undefined;
      });
      assert.ok(pollers.some((p) => isInsecureIdentity(p.identity)));
    } finally {
      await stack.stopWorker();
      await startDefaultWorker();
    }
  });
});
