// Durable expiry under Temporal's time-skipping test server: a grant that expires in two days is
// revoked when workflow time passes its expiry, in seconds of wall time, against moto's IAM.
import assert from 'node:assert/strict';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { AccountClients } from '../../src/aws/accounts';
import { grantStartOptions } from '../../src/temporal/grant-start';
import { stageConfig } from '../../src/temporal/submissions';
import { generateSigningKey, parsePrivateKey } from '../../src/trust/keys';
import { signerFor } from '../../src/trust/submissions';
import { statusQuery, type GrantOutcome } from '../../workflows/messages';
import { GrantState, SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { snapshotAccount } from '../harness/iam-snapshot';
import { startMoto, type Moto } from '../../src/local/moto';
import { allStarted, eventually } from '../harness/stack';
import { ACCOUNTS, grantsOf, inHours, policy, READ_ONLY, team } from '../harness/team';
import { createTimeSkippingEnv, timeSkippingWorker } from '../harness/time-skipping';

describe('grant expiry with time skipping (Java test server + moto)', function () {
  let env: TestWorkflowEnvironment;
  let moto: Moto;
  let accounts: AccountClients;

  before(async () => {
    // Each is kept as soon as it has started: if the other fails to start, `after` still stops it.
    await allStarted([createTimeSkippingEnv().then((e) => (env = e)), startMoto().then((m) => (moto = m))]);
    Object.assign(process.env, moto.env);
    const types = temporal.api.enums.v1.IndexedValueType;
    await env.client.connection.operatorService.addSearchAttributes({
      namespace: 'default',
      searchAttributes: Object.fromEntries(
        SEARCH_ATTRIBUTES.map((key) => [key.name, key.type === 'DATETIME' ? types.INDEXED_VALUE_TYPE_DATETIME : types.INDEXED_VALUE_TYPE_KEYWORD]),
      ),
    });
    await moto.createUsers(ACCOUNTS.nonprod, ['bob']);
    accounts = new AccountClients({ iamCallsPerSecond: 1000 });
  });
  after(async () => {
    accounts?.destroy();
    await env?.teardown();
    await moto?.stop();
  });

  it('is active until its expiry, then revoked with nothing left in IAM, two days later in workflow time', async () => {
    const startedAt = Date.now();
    const config = team({
      policies: { reader: policy([READ_ONLY], ['s3:ListBucket', 'ec2:DescribeInstances']) },
      temporary: [{ user: 'bob', environment: 'nonprod', grant: 'reader', expiresAt: inHours(48) }],
    });
    const grant = grantsOf(config)[0]!;
    // The grant derives its spec from a signed submission, as one started by a pass does.
    const key = generateSigningKey('ci');
    const worker = await timeSkippingWorker(env, { taskQueue: 'expiry', accounts, trustedPublicLine: key.publicLine });
    await worker.runUntil(async () => {
      const source = await stageConfig(env.client, config, 'expiry', {
        sign: signerFor(parsePrivateKey(key.privatePem)),
        revision: { submittedAt: new Date().toISOString(), submittedBy: 'test' },
      });
      const handle = await env.client.workflow.start('grantWorkflow', grantStartOptions(grant, { taskQueue: 'expiry', source }));
      await eventually('grant active', async () => ((await handle.query(statusQuery)).state === 'active' ? true : undefined));
      const during = (await snapshotAccount(moto, ACCOUNTS.nonprod)).users.bob!;
      assert.deepEqual(during.attached, [READ_ONLY]);
      assert.deepEqual(Object.keys(during.inline), [grant.inlinePolicy!.name]);
      assert.equal((await handle.describe()).typedSearchAttributes.get(GrantState), 'active');

      const outcome = (await handle.result()) as GrantOutcome;
      assert.deepEqual(outcome, { id: grant.id, state: 'revoked', cause: 'expired' });
      const status = await handle.query(statusQuery);
      assert.ok(Date.parse(status.endedAt!) >= Date.parse(grant.expiresAt!), `revoked at ${status.endedAt}, expiry ${grant.expiresAt}`);
      assert.equal((await handle.describe()).typedSearchAttributes.get(GrantState), 'revoked');
    });
    assert.deepEqual((await snapshotAccount(moto, ACCOUNTS.nonprod)).users.bob, { attached: [], inline: {}, tags: {} });
    assert.ok(Date.now() - startedAt < 60_000, `took ${Date.now() - startedAt} ms of wall time`);
  });
});
