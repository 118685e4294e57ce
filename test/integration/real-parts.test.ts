// Proof that each real part the project stands on works here: the Temporal dev server (with
// grantflow's search attributes), the time-skipping test server, and moto's IAM and STS.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { AttachUserPolicyCommand, CreateUserCommand, ListAttachedUserPoliciesCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import { NativeConnection, Worker } from '@temporalio/worker';
import { GrantTeam } from '../../workflows/search-attributes';
import { sleeperWorkflow } from '../fixtures/workflows';
import { startDevServer, type DevServer } from '../../src/local/dev-server';
import { startMoto, type Moto } from '../../src/local/moto';
import { createTimeSkippingEnv } from '../harness/time-skipping';
import { temporalCli } from '../../src/local/tools';

const run = promisify(execFile);
const FIXTURE_WORKFLOWS = path.resolve(__dirname, '../fixtures/workflows');

describe('real parts', function () {
  describe('Temporal dev server', function () {
    let server: DevServer;
    before(async () => {
      server = await startDevServer();
    });
    after(async () => {
      await server?.destroy();
    });

    it('runs a workflow that `temporal workflow list` finds by its GrantTeam search attribute', async () => {
      const client = await server.client();
      const connection = await NativeConnection.connect({ address: server.address });
      const worker = await Worker.create({ connection, taskQueue: 'real-parts', workflowsPath: FIXTURE_WORKFLOWS });
      const team = `team-${Date.now()}`;
      const result = await worker.runUntil(
        client.workflow.execute(sleeperWorkflow, {
          taskQueue: 'real-parts',
          workflowId: `real-parts-${team}`,
          args: [10],
          typedSearchAttributes: [{ key: GrantTeam, value: team }],
        }),
      );
      await connection.close();
      assert.ok(result >= 10);

      const temporal = await temporalCli();
      let listed: { execution?: { workflowId?: string } }[] = [];
      // Visibility is eventually consistent; the CLI sees the run once it is indexed.
      for (let attempt = 0; attempt < 50 && listed.length === 0; attempt++) {
        const { stdout } = await run(temporal!, ['workflow', 'list', '--address', server.address, '--query', `GrantTeam = '${team}'`, '--output', 'json']);
        listed = stdout.trim() ? (JSON.parse(stdout) as typeof listed) : [];
        if (listed.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.deepEqual(
        listed.map((w) => w.execution?.workflowId),
        [`real-parts-${team}`],
      );
    });
  });

  describe('time-skipping test server', function () {
    it('completes a workflow that sleeps 7 days in seconds of wall time', async () => {
      const env = await createTimeSkippingEnv();
      try {
        const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: 'sleepy', workflowsPath: FIXTURE_WORKFLOWS });
        const started = Date.now();
        const sevenDays = 7 * 24 * 3600 * 1000;
        const slept = await worker.runUntil(
          env.client.workflow.execute(sleeperWorkflow, { taskQueue: 'sleepy', workflowId: 'sleep-7-days', args: [sevenDays] }),
        );
        assert.ok(slept >= sevenDays, `workflow time advanced ${slept} ms`);
        assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms of wall time`);
      } finally {
        await env.teardown();
      }
    });
  });

  describe('moto IAM and STS', function () {
    let moto: Moto;
    before(async () => {
      moto = await startMoto();
    });
    after(async () => {
      await moto?.stop();
    });
    beforeEach(async () => {
      await moto.reset();
    });

    it('round-trips CreateUser, AttachUserPolicy(ReadOnlyAccess) and ListAttachedUserPolicies', async () => {
      const iam = await moto.iamIn('123456789012');
      await iam.send(new CreateUserCommand({ UserName: 'bert' }));
      await iam.send(new AttachUserPolicyCommand({ UserName: 'bert', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
      const attached = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'bert' }));
      iam.destroy();
      assert.deepEqual(
        attached.AttachedPolicies?.map((p) => [p.PolicyName, p.PolicyArn]),
        [['ReadOnlyAccess', 'arn:aws:iam::aws:policy/ReadOnlyAccess']],
      );
    });

    it("gives AssumeRole credentials for a second account that see only that account's users", async () => {
      await moto.createUsers('111111111111', ['only-in-first']);
      await moto.createUsers('222222222222', ['only-in-second']);
      const second = await moto.iamIn('222222222222');
      const users = await second.send(new ListUsersCommand({}));
      second.destroy();
      assert.deepEqual(
        users.Users?.map((u) => [u.UserName, u.Arn]),
        [['only-in-second', 'arn:aws:iam::222222222222:user/only-in-second']],
      );
    });
  });
});
