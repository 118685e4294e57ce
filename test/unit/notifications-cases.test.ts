// Notification texts and bodies field by field: the spans a person reads, the revoke's wording, the
// JSON body's present and absent fields, the Slack blocks, sinks' leads and workflow ids.
import assert from 'node:assert/strict';
import {
  grantUrl,
  leadsFor,
  notificationBody,
  notificationText,
  sinkOfNotificationWorkflowId,
  type GrantNotification,
  type NotificationPlan,
} from '../../src/core/notifications';

const base: GrantNotification = {
  event: 'granted',
  at: '2026-06-01T12:00:00Z',
  grant: {
    id: 'grantflow/t/111111111111/user/bob/reader/until/2026-06-01T18:00:00Z',
    runId: 'r1',
    team: 't',
    principalType: 'user',
    principal: 'bob',
    account: '111111111111',
    environment: 'nonprod',
    policy: 'reader',
    kind: 'temporary',
    expiresAt: '2026-06-01T18:00:00Z',
    reason: 'incident',
    ticket: 'OPS-1',
  },
};
const message = (over: Partial<GrantNotification>, grant: Partial<GrantNotification['grant']> = {}): GrantNotification => ({
  ...base,
  ...over,
  grant: { ...base.grant, ...grant },
});
const WHAT = 'reader in nonprod (111111111111)';

describe('notification texts', function () {
  const cases: [string, GrantNotification, string][] = [
    [
      'expiring in an hour',
      message({ event: 'expiring', afterMs: 3_600_000 }),
      `Expiring: user bob loses ${WHAT} at 2026-06-01T18:00:00Z (in 60 min) [reason: incident, ticket: OPS-1]`,
    ],
    [
      'expiring in two hours',
      message({ event: 'expiring', afterMs: 7_200_000 }),
      `Expiring: user bob loses ${WHAT} at 2026-06-01T18:00:00Z (in 2 h) [reason: incident, ticket: OPS-1]`,
    ],
    [
      'expiring in 150 min',
      message({ event: 'expiring', afterMs: 150 * 60_000 }),
      `Expiring: user bob loses ${WHAT} at 2026-06-01T18:00:00Z (in 150 min) [reason: incident, ticket: OPS-1]`,
    ],
    [
      'expiring in a minute',
      message({ event: 'expiring', afterMs: 60_000 }, { reason: undefined, ticket: undefined }),
      `Expiring: user bob loses ${WHAT} at 2026-06-01T18:00:00Z (in 1 min)`,
    ],
    [
      'expiring in 20 s, no expiry known',
      message({ event: 'expiring', afterMs: 20_000 }, { expiresAt: undefined, reason: undefined, ticket: undefined }),
      `Expiring: user bob loses ${WHAT} at its expiry (in 20 s)`,
    ],
    ['revoked with no cause', message({ event: 'revoked' }, { reason: undefined, ticket: undefined }), `Revoked (revoked): user bob no longer holds ${WHAT}`],
    [
      'revoked early by nobody named',
      message({ event: 'revoked', cause: 'early' }, { reason: undefined, ticket: undefined }),
      `Revoked (early by an operator): user bob no longer holds ${WHAT}`,
    ],
    [
      'revoked early with a reason',
      message({ event: 'revoked', cause: 'early', endedBy: 'ops', endReason: 'leak' }, { ticket: undefined }),
      `Revoked (early by ops: leak): user bob no longer holds ${WHAT} [reason: incident]`,
    ],
    [
      'removed with a reason',
      message({ event: 'revoked', cause: 'removed', endReason: 'left the YAML' }, { reason: undefined, ticket: undefined }),
      `Revoked (removed: left the YAML): user bob no longer holds ${WHAT}`,
    ],
    [
      'failed with an error',
      message({ event: 'failed', error: 'AccessDenied' }, { reason: undefined }),
      `Failed: user bob could not be granted ${WHAT}: AccessDenied [ticket: OPS-1]`,
    ],
    ['failed without one', message({ event: 'failed' }, { reason: undefined, ticket: undefined }), `Failed: user bob could not be granted ${WHAT}`],
    [
      'revoke stuck',
      message({ event: 'revoke-stuck', afterMs: 600_000, error: 'Throttling' }),
      `Revoke stuck: user bob still holds ${WHAT}; revoking has been retrying for 10 min; last error: Throttling`,
    ],
    [
      'revoke stuck, no error',
      message({ event: 'revoke-stuck', afterMs: 600_000 }),
      `Revoke stuck: user bob still holds ${WHAT}; revoking has been retrying for 10 min`,
    ],
  ];
  for (const [name, m, text] of cases) it(name, () => assert.equal(notificationText(m), text));
});

describe('notification bodies', function () {
  it('JSON: every field, present or null', () => {
    const body = notificationBody(message({ event: 'revoked', cause: 'early', endedBy: 'ops', endReason: 'leak', afterMs: 5 }), 'json', {
      url: 'https://ui/x',
    });
    const grant = body.grant as Record<string, unknown>;
    assert.deepEqual(
      [grant.expiresAt, grant.reason, grant.ticket, grant.url, body.cause, body.endedBy, body.endReason, body.error, body.afterMs],
      ['2026-06-01T18:00:00Z', 'incident', 'OPS-1', 'https://ui/x', 'early', 'ops', 'leak', null, 5],
    );
    const bare = notificationBody(message({}, { expiresAt: undefined, reason: undefined, ticket: undefined }), 'json', {});
    const bareGrant = bare.grant as Record<string, unknown>;
    assert.deepEqual(
      [bareGrant.expiresAt, bareGrant.reason, bareGrant.ticket, bareGrant.url, bare.cause, bare.endedBy, bare.endReason, bare.afterMs],
      [null, null, null, null, null, null, null, null],
    );
  });

  it('Slack: a section with the text and a context naming event, grant and key', () => {
    const body = notificationBody(message({}), 'slack', {});
    assert.deepEqual(body.blocks, [
      { type: 'section', text: { type: 'mrkdwn', text: body.text } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `grantflow granted · ${base.grant.id} · key ${base.grant.id}/granted/r1` }] },
    ]);
  });
});

describe('notification plumbing', function () {
  it('the sink of a notification workflow id, only from the start', () => {
    assert.equal(sinkOfNotificationWorkflowId('grantflow-notify/slack-ops/grantflow/t/x'), 'slack-ops');
    assert.equal(sinkOfNotificationWorkflowId('x-grantflow-notify/slack-ops/grantflow/t/x'), undefined);
  });

  it('leads of the sinks that want an event, distinct, in the order they fall due', () => {
    const sink = (name: string, events: NotificationPlan['sinks'][number]['events'], expiringBeforeMs: number, revokeStuckAfterMs: number) => ({
      name,
      events,
      expiringBeforeMs,
      revokeStuckAfterMs,
    });
    const plan: NotificationPlan = {
      sinks: [
        sink('a', ['expiring', 'revoke-stuck'], 60_000, 600_000),
        sink('b', ['expiring'], 3_600_000, 60_000),
        sink('c', ['granted'], 1, 1),
        sink('d', ['expiring', 'revoke-stuck'], 60_000, 300_000),
      ],
    };
    assert.deepEqual(leadsFor(plan, 'expiring'), [3_600_000, 60_000]);
    assert.deepEqual(leadsFor(plan, 'revoke-stuck'), [300_000, 600_000]);
  });

  it('the Temporal UI link drops only trailing slashes', () => {
    assert.equal(grantUrl('https://ui.example//', 'ns', base), `https://ui.example/namespaces/ns/workflows/${encodeURIComponent(base.grant.id)}/r1/history`);
    assert.equal(grantUrl(undefined, 'ns', base), undefined);
  });
});
