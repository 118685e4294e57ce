// Notifications on a real dev server and moto, to a real HTTP receiver on a free port: each event
// arrives once with its documented fields in both formats; a receiver answering 500 gets the message
// once it recovers while the revoke has long completed; one that never answers holds up no revoke;
// one that answers a redirect is tried once and the redirect never followed, and one at the
// instance-metadata address is never connected to.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import type { NotificationSink } from '../../src/core/notification-sink';
import { revokeGrantNow } from '../../src/temporal/grant-operations';
import { revokeSignal } from '../../workflows/messages';
import { eventually } from '../harness/stack';
import { startWebhookReceiver, type WebhookReceiver } from '../harness/webhook-receiver';
import { runCli } from '../harness/cli';
import { ACCOUNTS, grantsOf, policy, READ_ONLY, revisionSequence, team } from '../harness/team';
import { workflowSuite } from '../harness/workflow-suite';

const revision = revisionSequence('notify', '2026-06-01T00:00:00Z');
const WEB_UI = 'http://127.0.0.1:8233';
const EMPTY = { attached: [], inline: {}, tags: {} };

describe('notifications: webhook sinks hear of each grant event (dev server + moto + a local receiver)', function () {
  let receiver: WebhookReceiver;
  /** Where the `moved` sink redirects to: it must never hear from the worker. */
  let redirectTarget: WebhookReceiver;

  before(async () => {
    receiver = await startWebhookReceiver();
    redirectTarget = await startWebhookReceiver();
    receiver.set('/moved', { redirectTo: redirectTarget.url('/stolen') });
  });
  // `grantflow doctor`, run in this process, reads Temporal's address from the environment (cliEnv).
  const { stack, submit, waitState, account } = workflowSuite({
    revision,
    stack: { worker: false },
    cliEnv: true,
    users: ['alice', 'bob', 'dave', 'erin'],
    reset: 'once',
  });
  before(async () => {
    const sink = (name: string, format: NotificationSink['format'], events: NotificationSink['events']): NotificationSink => ({
      name,
      url: receiver.url(`/${name}`),
      format,
      events,
      expiringBeforeMs: 10_000,
      revokeStuckAfterMs: 2000,
    });
    const all: NotificationSink['events'] = ['granted', 'expiring', 'revoked', 'failed', 'revoke-stuck'];
    await stack.startWorker({
      notifications: {
        sinks: [
          sink('json', 'json', all),
          sink('slack', 'slack', all),
          sink('flaky', 'json', ['revoked']),
          sink('silent', 'json', ['revoked']),
          sink('moved', 'json', ['revoked']),
          { ...sink('metadata', 'json', ['revoked']), url: 'http://169.254.169.254/latest/meta-data/' },
        ],
        webUiUrl: WEB_UI,
      },
    });
  });
  after(async () => {
    await receiver?.close();
    await redirectTarget?.close();
  });

  const user = async (name: string) => (await account()).users[name];
  const grant = (body: Record<string, unknown>) => body.grant as Record<string, unknown>;

  it('sends granted, expiring, revoked (expired, early by whom and why), failed and revoke-stuck, once each, in json and slack', async () => {
    const soon = new Date(Date.now() + 25_000).toISOString().replace(/\.\d+Z/, 'Z');
    const config = team({
      name: 'notify',
      policies: { reader: policy([READ_ONLY]) },
      permanent: [{ users: ['alice', 'nobody'], environments: ['nonprod'], grants: ['reader'] }],
      temporary: [{ user: 'bob', environment: 'nonprod', grant: 'reader', expiresAt: soon, reason: 'debugging', ticket: 'OPS-9' }],
      settings: { iamPropagationWaitMs: 1000 },
    });
    const [alice, bob, nobody] = ['alice', 'bob', 'nobody'].map((u) => grantsOf(config).find((g) => g.principal === u)!);
    await submit(config);
    await waitState(alice!.id, 'active');
    await waitState(nobody!.id, 'failed', 60_000);

    // The revoke first meets an IAM that fails, for longer than revoke_stuck_after.
    stack.proxy.setFaults({ rate: 1, kinds: ['server-error'] });
    await stack.client.workflow.getHandle(alice!.id).signal(revokeSignal, { reason: 'incident over', by: 'ops' });
    await eventually(
      'revoke-stuck is sent',
      async () => {
        if (receiver.delivered('/json').some((r) => r.body.event === 'revoke-stuck')) return true;
        throw new Error(
          `the json sink has had ${
            receiver
              .requests('/json')
              .map((r) => r.key)
              .join(', ') || 'nothing'
          }`,
        );
      },
      60_000,
      200,
    );
    stack.proxy.setFaults(undefined);
    await waitState(alice!.id, 'revoked', 60_000);
    await waitState(bob!.id, 'revoked', 60_000); // expired

    const expected = [
      `granted ${alice!.id}`,
      `revoke-stuck ${alice!.id}`,
      `revoked ${alice!.id} early`,
      `granted ${bob!.id}`,
      `expiring ${bob!.id}`,
      `revoked ${bob!.id} expired`,
      `failed ${nobody!.id}`,
    ].sort();
    const seen = (path: string) =>
      receiver
        .delivered(path)
        .filter((r) => [alice, bob, nobody].some((g) => r.key?.startsWith(`${g!.id}/`)))
        .map((r) => r.key!);
    const describeJson = () =>
      receiver
        .delivered('/json')
        .filter((r) => [alice, bob, nobody].some((g) => grant(r.body).id === g!.id))
        .map((r) => `${r.body.event} ${grant(r.body).id}${r.body.event === 'revoked' ? ` ${r.body.cause}` : ''}`)
        .sort();
    await eventually(
      'every event reached both sinks',
      async () => (JSON.stringify(describeJson()) === JSON.stringify(expected) && seen('/slack').length === expected.length ? true : undefined),
      60_000,
      200,
    );

    // Once each: no key twice, and the same keys in both formats.
    const jsonKeys = seen('/json');
    assert.equal(new Set(jsonKeys).size, jsonKeys.length, `duplicates: ${jsonKeys.join(' ')}`);
    assert.deepEqual([...seen('/slack')].sort(), [...jsonKeys].sort());

    for (const r of receiver.delivered('/json').filter((d) => jsonKeys.includes(d.key!))) {
      const g = grant(r.body);
      assert.equal(r.body.schema, 'grantflow.notification/v1');
      assert.equal(r.body.idempotencyKey, r.key);
      assert.match(r.key!, new RegExp(`^${String(g.id).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/${r.body.event}/[0-9a-f-]+`));
      assert.equal(g.account, ACCOUNTS.nonprod);
      assert.equal(g.environment, 'nonprod');
      assert.equal(g.policy, 'reader');
      assert.equal(g.team, 'notify');
      assert.ok(String(g.url).startsWith(`${WEB_UI}/namespaces/default/workflows/${encodeURIComponent(String(g.id))}/`), String(g.url));
      assert.ok(!Number.isNaN(Date.parse(String(r.body.at))));
      assert.equal(typeof r.body.text, 'string');
    }
    const jsonOf = (event: string, id: string) => receiver.delivered('/json').find((r) => r.body.event === event && grant(r.body).id === id)!.body;
    assert.deepEqual(
      [grant(jsonOf('granted', bob!.id)).expiresAt, grant(jsonOf('granted', bob!.id)).reason, grant(jsonOf('granted', bob!.id)).ticket],
      [soon, 'debugging', 'OPS-9'],
    );
    assert.equal(jsonOf('expiring', bob!.id).afterMs, 10_000);
    assert.deepEqual([jsonOf('revoked', alice!.id).endedBy, jsonOf('revoked', alice!.id).endReason], ['ops', 'incident over']);
    assert.match(String(jsonOf('revoke-stuck', alice!.id).error), /.+/);
    assert.match(String(jsonOf('failed', nobody!.id).error), /nobody/);

    const slack = receiver.delivered('/slack').filter((r) => jsonKeys.includes(r.key!));
    for (const r of slack) {
      assert.equal(typeof r.body.text, 'string');
      assert.ok(Array.isArray(r.body.blocks));
      assert.match(String(r.body.text), new RegExp(`<${WEB_UI.replace(/[.]/g, '\\.')}/namespaces/default/workflows/[^|]+\\|open in Temporal>`));
    }
    const slackText = (prefix: string) => slack.map((r) => String(r.body.text)).find((t) => t.startsWith(prefix)) ?? '';
    assert.match(slackText('Revoked (early'), /^Revoked \(early by ops: incident over\): user alice no longer holds reader in nonprod \(111111111111\)/);
    assert.match(slackText('Granted: user bob'), /until .*\[reason: debugging, ticket: OPS-9\]/);
    assert.match(slackText('Expiring'), /^Expiring: user bob loses reader/);
    assert.match(slackText('Revoke stuck'), /^Revoke stuck: user alice still holds reader .*last error: /);
    assert.match(slackText('Failed'), /^Failed: user nobody could not be granted reader/);
  });

  it('revokes on time while one sink answers 500 and another never answers; the failing one gets the message once it recovers', async () => {
    const config = team({
      name: 'notify-b',
      policies: { reader: policy([READ_ONLY]) },
      permanent: [{ users: ['dave'], environments: ['nonprod'], grants: ['reader'] }],
    });
    const dave = grantsOf(config)[0]!;
    receiver.set('/flaky', 'fail');
    receiver.set('/silent', 'hang');
    await submit(config);
    await waitState(dave.id, 'active');

    assert.equal(await revokeGrantNow(stack.client, dave.id, { reason: 'test', by: 'ops' }), 'revoked');
    assert.deepEqual(await user('dave'), EMPTY, 'IAM holds nothing');
    const forDave = (path: string) => receiver.requests(path).filter((r) => r.key?.startsWith(`${dave.id}/revoked/`));
    assert.equal(forDave('/flaky').filter((r) => r.status === 200).length, 0, 'the failing sink has not accepted it yet');

    // The grant workflow ends while the silent sink still holds its request open.
    await eventually('the grant workflow closed', async () =>
      (await stack.client.workflow.getHandle(dave.id).describe()).status.name === 'COMPLETED' ? true : undefined,
    );
    await eventually('the silent sink got the request', async () => (forDave('/silent').length > 0 ? true : undefined));
    assert.ok(
      forDave('/silent').every((r) => r.status === undefined),
      'never answered',
    );

    await eventually(
      'the failing sink was tried and answered 500 twice',
      async () => (forDave('/flaky').filter((r) => r.status === 500).length >= 2 ? true : undefined),
      60_000,
      200,
    );
    receiver.set('/flaky', 'ok');
    await eventually(
      'the message arrives once the sink recovers',
      async () => (forDave('/flaky').some((r) => r.status === 200) ? true : undefined),
      90_000,
      200,
    );
    const keys = new Set(forDave('/flaky').map((r) => r.key));
    assert.equal(keys.size, 1, 'every retry carries the same idempotency key');
    assert.equal(forDave('/flaky').find((r) => r.status === 200)!.body.cause, 'early');

    // doctor names the sink whose message is still retrying, with its last error.
    const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-doctor-'));
    try {
      // Visibility catches up with the recovered sink's delivery a moment later.
      const checks = await eventually('doctor reports only the silent sink', async () => {
        const doctor = await runCli(['doctor', '--config', configDir, '--stuck-after', '1s', '--json'], process.env);
        const all = JSON.parse(doctor.stdout) as { check: string; outcome: string; detail: string }[];
        return all.some((c) => c.check === 'notification sink flaky') ? undefined : all;
      });
      const silent = checks.find((c) => c.check === 'notification sink silent');
      assert.ok(silent, JSON.stringify(checks));
      assert.equal(silent.outcome, 'warn');
      assert.match(silent.detail, /message\(s\) still retrying after more than 1s .*grants and revokes do not wait for it/);
    } finally {
      fs.rmSync(configDir, { recursive: true, force: true });
    }
    receiver.set('/silent', 'ok');
  });

  it('a sink that answers a redirect is tried once and the redirect not followed; one at the metadata address is never tried', async () => {
    const config = team({
      name: 'notify-c',
      policies: { reader: policy([READ_ONLY]) },
      permanent: [{ users: ['erin'], environments: ['nonprod'], grants: ['reader'] }],
    });
    const erin = grantsOf(config)[0]!;
    await submit(config);
    await waitState(erin.id, 'active');
    assert.equal(await revokeGrantNow(stack.client, erin.id, { reason: 'test', by: 'ops' }), 'revoked');

    const forErin = () => receiver.requests('/moved').filter((r) => r.key?.startsWith(`${erin.id}/revoked/`));
    const key = await eventually('the redirecting sink got the message', async () => forErin()[0]?.key);
    /** How the notification workflow of this message to `sink` ended: failed, since a retry cannot help. */
    const failure = async (sink: string): Promise<ApplicationFailure> => {
      const error = await stack.client.workflow
        .getHandle(`grantflow-notify/${sink}/${key}`)
        .result()
        .then(
          () => assert.fail(`the message to ${sink} was delivered`),
          (e: unknown) => e,
        );
      assert.ok(error instanceof WorkflowFailedError, String(error));
      assert.ok(error.cause instanceof ActivityFailure, String(error.cause));
      assert.ok(error.cause.cause instanceof ApplicationFailure, String(error.cause.cause));
      return error.cause.cause;
    };

    const redirected = await failure('moved');
    assert.equal(redirected.type, 'SinkRedirected');
    assert.equal(redirected.nonRetryable, true);
    assert.match(redirected.message, /^notification sink "moved" answered HTTP 302, a redirect; redirects are not followed/);
    assert.equal(forErin().length, 1, 'tried once: a redirect is not retried');
    assert.deepEqual(redirectTarget.requests(), [], 'the redirect target never heard from the worker');

    const metadata = await failure('metadata');
    assert.equal(metadata.type, 'SinkAddressRefused');
    assert.equal(metadata.nonRetryable, true);
    assert.match(metadata.message, /^notification sink "metadata": refused to connect to 169\.254\.169\.254: /);
  });
});
