// What grantflow remembers and removes outlives the workflows that hold it, on a real Temporal dev
// server and moto: an early revoke through a terminated reconcile workflow and the loss of its closed
// runs; a grant whose principal lost its required boundary; the leftovers of a retirement.
import assert from 'node:assert/strict';
import { CreatePolicyCommand, DeleteRolePermissionsBoundaryCommand, PutRolePermissionsBoundaryCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { customPolicyName, inlinePolicyName } from '../../src/core/names';
import type { TeamConfig } from '../../src/core/team-config';
import { reconcileWorkflowId } from '../../src/core/ids';
import { grantStatus, revokeGrantNow } from '../../src/temporal/grant-operations';
import { retireTeam, sweepTeam } from '../../src/temporal/reconcile-operations';
import { reapplySignal } from '../../workflows/messages';
import { eventually } from '../harness/stack';
import { ACCOUNTS, grantsOf, policy, READ_ONLY, revisionSequence, team } from '../harness/team';
import { workflowSuite } from '../harness/workflow-suite';

const revision = revisionSequence('guarantees', '2026-04-01T00:00:00Z');
const BOUNDARY = 'arn:aws:iam::aws:policy/PowerUserAccess';
const EMPTY = { attached: [], inline: {}, tags: {} };
/**
 * Passes reckon with a retention of 30 s (a run cannot be made to age days here): an early revoke is
 * reaffirmed once its run closed more than half of that ago, as a real one days before retention ends.
 */
const WORKER = { assumeRetentionMs: 30_000 };

describe('guarantees: memory and removal that outlive workflows (dev server + moto)', function () {
  const { stack, submit, waitState, nextTeam, users, account } = workflowSuite({
    revision,
    teamPrefix: 'gt',
    stack: { worker: false },
    users: ['alice', 'bob'],
  });
  before(async () => {
    await stack.startWorker(WORKER);
  });

  const reader = (name: string, extra: Partial<Parameters<typeof team>[0]> = {}) =>
    team({ name, policies: { reader: policy([READ_ONLY]) }, permanent: [{ users: ['alice'], environments: ['nonprod'], grants: ['reader'] }], ...extra });
  const alice = async () => (await users('alice')).alice!;
  const runsOf = async (id: string) => {
    const runs: { runId: string; status: string; memo: Record<string, unknown> }[] = [];
    for await (const run of stack.client.workflow.list({ query: `WorkflowId = '${id}'` })) {
      runs.push({ runId: run.runId, status: run.status.name, memo: (run.memo ?? {}) as Record<string, unknown> });
    }
    return runs;
  };
  const deleteRun = (workflowId: string, runId: string) =>
    stack.client.workflowService.deleteWorkflowExecution({ namespace: stack.server.namespace, workflowExecution: { workflowId, runId } });

  it('keeps an early revoke through a terminated reconcile workflow and the loss of its closed runs, without waiting for a submission', async () => {
    const name = nextTeam();
    const config = reader(name, { settings: { reconcileIntervalMs: 10_000 } });
    const [grant] = grantsOf(config);
    // This worker starts again, every second, the reconcile workflow of a team that lacks one.
    await stack.stopWorker();
    await stack.startWorker({ ...WORKER, keepReconciles: { everyMs: 1000 } });
    try {
      await quietPeriod(name, config, grant.id);
    } finally {
      await stack.stopWorker();
      await stack.startWorker(WORKER);
    }
  });

  /** Through a terminated reconcile workflow and the loss of every closed run: the early revoke holds. */
  async function quietPeriod(name: string, config: TeamConfig, grantId: string): Promise<void> {
    const grant = { id: grantId };
    await submit(config);
    await waitState(grant.id, 'active');
    await revokeGrantNow(stack.client, grant.id, { reason: 'incident', by: 'ops' });
    const reconcile = stack.client.workflow.getHandle(reconcileWorkflowId(name));
    await reconcile.terminate('operator reset');

    // No submission: the worker starts the team's reconcile workflow again, and its passes write a record of the early revoke.
    await eventually('the reconcile workflow runs again', async () => ((await reconcile.describe()).status.name === 'RUNNING' ? true : undefined), 30_000);
    const record = await eventually(
      'a record of the early revoke',
      async () => {
        const found = (await runsOf(grant.id)).find((run) => run.memo.record === 'reaffirmed');
        if (found) return found;
        throw new Error(JSON.stringify(await stack.client.workflow.getHandle(reconcileWorkflowId(name)).query('status')));
      },
      90_000,
      500,
    );
    assert.equal(record.memo.endCause, 'early');

    // Retention takes the revoked run and every closed run of the reconcile workflow.
    for (const run of await runsOf(grant.id)) if (run.memo.record === undefined) await deleteRun(grant.id, run.runId);
    await reconcile.terminate('operator reset again');
    for (const run of await runsOf(reconcileWorkflowId(name)))
      if (run.status !== 'RUNNING') await deleteRun(reconcileWorkflowId(name), run.runId).catch(() => undefined);
    await eventually('the reconcile workflow runs again', async () => ((await reconcile.describe()).status.name === 'RUNNING' ? true : undefined), 30_000);

    const summary = await submit(config);
    assert.deepEqual(summary.sticky, [grant.id], 'the grant stays revoked early');
    assert.equal(summary.counts.added, 0);
    assert.deepEqual(await alice(), EMPTY);
  }

  it("revokes a grant at once when a re-apply finds its principal's required boundary gone, and says why", async () => {
    const name = nextTeam();
    const iam = await stack.moto.iamIn(ACCOUNTS.nonprod);
    try {
      await stack.moto.createRoles(ACCOUNTS.nonprod, ['deploy-bot']);
      await iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'deploy-bot', PermissionsBoundary: BOUNDARY }));
      const config = team({
        name,
        policies: { reader: policy([READ_ONLY]) },
        permanent: [{ roles: ['deploy-bot'], environments: ['nonprod'], grants: ['reader'] }],
        settings: { permissionsBoundary: { all: BOUNDARY } },
      });
      const [grant] = grantsOf(config);
      await submit(config);
      await waitState(grant.id, 'active');
      await iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: 'deploy-bot' }));
      await stack.client.workflow.getHandle(grant.id).signal(reapplySignal, {});
      await waitState(grant.id, 'revoked');
      const status = await grantStatus(stack.client, grant.id);
      assert.equal(status.cause, 'unbounded');
      assert.match(status.reason!, /role deploy-bot in nonprod \(111111111111\) has no permission boundary/);
      const held = (await account()).roles['deploy-bot']!;
      assert.deepEqual(held.attached, [], 'nothing of the grant is left attached');
    } finally {
      iam.destroy();
    }
  });

  it('finishes a retirement through cleanup: leftovers are found where the retirement recorded them, and Cancel and Terminate stickiness both end', async () => {
    const name = nextTeam();
    const config = reader(name, { permanent: [{ users: ['alice', 'bob'], environments: ['nonprod'], grants: ['reader'] }] });
    const [forAlice, forBob] = grantsOf(config);
    await submit(config);
    await waitState(forAlice!.id, 'active');
    await waitState(forBob!.id, 'active');
    await stack.client.workflow.getHandle(forAlice!.id).cancel();
    await waitState(forAlice!.id, 'revoked');
    // Terminated: its attachment stays until a clean-up; the retirement removes it and lifts it.
    await stack.client.workflow.getHandle(forBob!.id).terminate('operator');
    const retired = await retireTeam(stack.client, name, { reason: 'team disbanded', by: 'ops' });
    assert.ok(retired.scope, 'the retirement records where the team was');
    assert.deepEqual((await users('bob')).bob!.attached, []);

    // What a retirement can leave (a policy still attached when it looked, an inline policy of a
    // grant that crashed), planted here: cleanup finds it through the scope the retirement recorded.
    const iam = await stack.moto.iamIn(ACCOUNTS.nonprod);
    const leftover = customPolicyName(name, 'old');
    const expired = inlinePolicyName(name, 'reader', '2020-01-01T00:00:00Z');
    try {
      await iam.send(
        new CreatePolicyCommand({
          PolicyName: leftover,
          Path: `/grantflow/${name}/`,
          PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }] }),
          Tags: [
            { Key: 'managed-by', Value: 'grantflow' },
            { Key: 'grantflow:team', Value: name },
          ],
        }),
      );
      await iam.send(
        new PutUserPolicyCommand({
          UserName: 'alice',
          PolicyName: expired,
          PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }] }),
        }),
      );
    } finally {
      iam.destroy();
    }
    const swept = await sweepTeam(stack.client, name, false, 'ops');
    assert.deepEqual(swept.errors, []);
    const after = await account();
    assert.deepEqual(
      Object.keys(after.policies).filter((arn) => arn.includes(`/grantflow/${name}/`)),
      [],
      "the retired team's policy is deleted",
    );
    assert.deepEqual(Object.keys(after.users.alice!.inline), [], 'the expired inline policy is removed');

    // Submitted again, the team starts afresh: neither the Cancelled nor the Terminated grant stays revoked.
    const again = await submit(config);
    assert.deepEqual(again.sticky, []);
    assert.equal(again.counts.added, 2);
    await waitState(forAlice!.id, 'active');
    await waitState(forBob!.id, 'active');
  });
});
