// Break-glass requests under Temporal's time-skipping test server and moto: a request's hour-long
// open window and a grant's hours of life pass in seconds of wall time. The server has no visibility
// lists, so the team's reconcile workflow is stood in for by a workflow whose memo names the signed
// config (the worker verifies it as it would any claim), and what needs visibility is tested on the
// dev server (break-glass.test.ts).
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { AccountClients } from '../../src/aws/accounts';
import { reconcileWorkflowId } from '../../src/core/ids';
import type { TeamConfig } from '../../src/core/team-config';
import { stageConfig } from '../../src/temporal/submissions';
import { generateSigningKey, parsePrivateKey } from '../../src/trust/keys';
import { signerFor } from '../../src/trust/submissions';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { startMoto, type Moto } from '../../src/local/moto';
import { approversSink, breakGlassScenarios, NOT_LAST } from '../harness/break-glass';
import { snapshotUsers } from '../harness/iam-snapshot';
import { ACCOUNTS } from '../harness/team';
import { allStarted } from '../harness/stack';
import { createTimeSkippingEnv, timeSkippingWorker } from '../harness/time-skipping';
import { startWebhookReceiver, type WebhookReceiver } from '../harness/webhook-receiver';

const HOUR = 3600_000;
const TASK_QUEUE = 'break-glass';
/** Where the stand-ins for the teams' reconcile workflows sleep; only their memos matter. */
const STAND_IN_QUEUE = 'stand-in';
const FIXTURE_WORKFLOWS = path.resolve(__dirname, '../fixtures/workflows');

describe('break-glass requests with time skipping (Java test server + moto)', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  let moto: Moto;
  let accounts: AccountClients;
  let receiver: WebhookReceiver;
  let running: Promise<unknown> | undefined;
  let workers: Worker[] = [];
  let teams = 0;
  const ci = generateSigningKey('ci');

  before(async () => {
    // Each is kept as soon as it has started: if another fails to start, `after` still stops it.
    await allStarted([createTimeSkippingEnv().then((e) => (env = e)), startMoto().then((m) => (moto = m)), startWebhookReceiver().then((r) => (receiver = r))]);
    Object.assign(process.env, moto.env);
    const types = temporal.api.enums.v1.IndexedValueType;
    await env.client.connection.operatorService.addSearchAttributes({
      namespace: 'default',
      searchAttributes: Object.fromEntries(
        SEARCH_ATTRIBUTES.map((key) => [key.name, key.type === 'DATETIME' ? types.INDEXED_VALUE_TYPE_DATETIME : types.INDEXED_VALUE_TYPE_KEYWORD]),
      ),
    });
    await moto.createUsers(ACCOUNTS.nonprod, ['alice', 'bob', 'mallory']);
    accounts = new AccountClients({ iamCallsPerSecond: 1000 });
    workers = [
      await timeSkippingWorker(env, { taskQueue: TASK_QUEUE, accounts, trustedPublicLine: ci.publicLine, sinks: [approversSink(receiver, NOT_LAST)] }),
      await Worker.create({ connection: env.nativeConnection, taskQueue: STAND_IN_QUEUE, workflowsPath: FIXTURE_WORKFLOWS }),
    ];
    running = Promise.all(workers.map((worker) => worker.run()));
  });
  after(async () => {
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    await running?.catch(() => undefined);
    accounts?.destroy();
    await receiver?.close();
    await env?.teardown();
    await moto?.stop();
  });

  /** As CI would submit it: staged and signed; the stand-in's memo names it as the team's applied config. */
  const publish = async (config: TeamConfig) => {
    const revision = { commit: `c${Date.now()}`, committedAt: new Date().toISOString(), submittedAt: new Date().toISOString(), submittedBy: 'ci' };
    const ref = await stageConfig(env.client, config, TASK_QUEUE, { sign: signerFor(parsePrivateKey(ci.privatePem)), revision });
    await env.client.workflow.start('sleeperWorkflow', {
      workflowId: reconcileWorkflowId(config.team),
      taskQueue: STAND_IN_QUEUE,
      args: [365 * 24 * HOUR],
      // A team published again: the stand-in's memo names the new config.
      workflowIdConflictPolicy: 'TERMINATE_EXISTING',
      memo: { state: { config: ref, revision } },
    });
  };

  breakGlassScenarios({
    client: () => env.client,
    taskQueue: () => TASK_QUEUE,
    publish,
    user: async (name) => (await snapshotUsers(moto, ACCOUNTS.nonprod, [name]))[name]!,
    receiver: () => receiver,
    nextTeam: () => `skip-${++teams}`,
    times: { openForMs: HOUR, durationMs: 4 * HOUR, maxDurationMs: 8 * HOUR },
    announcesEndings: false,
    now: async () => new Date(await env.currentTimeMs()),
  });
});
