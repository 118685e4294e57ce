// Notifications: which sinks want which message, the idempotency key, the workflow id and the Web UI
// link; what each event says; and texts and bodies field by field (the spans a person reads, the
// revoke's wording, the JSON body's present and absent fields, the Slack blocks, sinks' leads).
import assert from 'node:assert/strict';
import { notificationPlan } from '../../../src/core/notification-sink';
import {
  type GrantNotification,
  type RequestNotification,
  grantUrl,
  idempotencyKey,
  leadsFor,
  notificationBody,
  type NotificationPlan,
  notificationText,
  notificationWorkflowId,
  sinkOfNotificationWorkflowId,
  sinksFor,
} from '../../../src/core/notifications';

const GRANT: GrantNotification['grant'] = {
  id: 'grantflow/t/111111111111/user/bob/reader/until/2026-06-02T00:00:00Z',
  runId: 'run-1',
  team: 't',
  principalType: 'user',
  principal: 'bob@example.com',
  account: '111111111111',
  environment: 'nonprod',
  policy: 'reader',
  kind: 'temporary',
  expiresAt: '2026-06-02T00:00:00Z',
  reason: 'debugging',
  ticket: 'OPS-1',
};
const notificationOf = (event: GrantNotification['event'], extra: Partial<GrantNotification> = {}): GrantNotification => ({
  event,
  at: '2026-06-01T12:00:00Z',
  grant: GRANT,
  ...extra,
});

describe('notifications: which sinks, which key', () => {
  const plan = notificationPlan([
    {
      name: 'all',
      url: 'u',
      format: 'json',
      events: ['granted', 'expiring', 'revoked', 'failed', 'revoke-stuck'],
      expiringBeforeMs: 3_600_000,
      revokeStuckAfterMs: 600_000,
    },
    { name: 'early', url: 'u', format: 'slack', events: ['expiring', 'revoke-stuck'], expiringBeforeMs: 86_400_000, revokeStuckAfterMs: 60_000 },
    { name: 'ends', url: 'u', format: 'json', events: ['revoked'], expiringBeforeMs: 3_600_000, revokeStuckAfterMs: 600_000 },
  ]);
  it('keeps URLs out of the plan the workflow sees', () => assert.ok(!JSON.stringify(plan).includes('"url"')));
  const cases: { message: Pick<GrantNotification, 'event' | 'afterMs'>; want: string[] }[] = [
    { message: { event: 'granted' }, want: ['all'] },
    { message: { event: 'revoked' }, want: ['all', 'ends'] },
    { message: { event: 'expiring', afterMs: 3_600_000 }, want: ['all'] },
    { message: { event: 'expiring', afterMs: 86_400_000 }, want: ['early'] },
    { message: { event: 'revoke-stuck', afterMs: 60_000 }, want: ['early'] },
    { message: { event: 'revoke-stuck', afterMs: 600_000 }, want: ['all'] },
    { message: { event: 'failed' }, want: ['all'] },
  ];
  for (const c of cases)
    it(`${c.message.event}${c.message.afterMs ? ` ${c.message.afterMs}` : ''} → ${c.want.join(', ')}`, () =>
      assert.deepEqual(sinksFor(plan, c.message), c.want));

  it('reminders: the earliest first (the longest lead before expiry; the shortest wait when stuck)', () => {
    assert.deepEqual(leadsFor(plan, 'expiring'), [86_400_000, 3_600_000]);
    assert.deepEqual(leadsFor(plan, 'revoke-stuck'), [60_000, 600_000]);
  });

  const keys: { message: GrantNotification; want: string }[] = [
    { message: notificationOf('granted'), want: `${GRANT.id}/granted/run-1` },
    { message: notificationOf('expiring', { afterMs: 3_600_000 }), want: `${GRANT.id}/expiring/run-1/3600000` },
    { message: notificationOf('revoked', { cause: 'early' }), want: `${GRANT.id}/revoked/run-1` },
  ];
  for (const k of keys) it(`key of ${k.message.event}`, () => assert.equal(idempotencyKey(k.message), k.want));

  it('the notification workflow id names the sink, and doctor reads it back', () => {
    const id = notificationWorkflowId('sec-slack', notificationOf('granted'));
    assert.equal(id, `grantflow-notify/sec-slack/${GRANT.id}/granted/run-1`);
    assert.equal(sinkOfNotificationWorkflowId(id), 'sec-slack');
    assert.equal(sinkOfNotificationWorkflowId(GRANT.id), undefined);
  });

  it('links to the run in the Web UI, ids escaped', () => {
    assert.equal(grantUrl(undefined, 'default', notificationOf('granted')), undefined);
    assert.equal(
      grantUrl('http://ui:8080/', 'prod ns', notificationOf('granted')),
      `http://ui:8080/namespaces/prod%20ns/workflows/${encodeURIComponent(GRANT.id)}/run-1/history`,
    );
  });
});

describe('notifications: what each event says', () => {
  const cases: { message: GrantNotification; want: RegExp }[] = [
    {
      message: notificationOf('granted'),
      want: /^Granted: user bob@example\.com holds reader in nonprod \(111111111111\) until 2026-06-02T00:00:00Z \[reason: debugging, ticket: OPS-1\]$/,
    },
    {
      message: notificationOf('expiring', { afterMs: 3_600_000 }),
      want: /^Expiring: user bob@example\.com loses reader in nonprod \(111111111111\) at 2026-06-02T00:00:00Z \(in 60 min\)/,
    },
    { message: notificationOf('revoked', { cause: 'expired' }), want: /^Revoked \(expired\): user bob@example\.com no longer holds reader/ },
    { message: notificationOf('revoked', { cause: 'early', endedBy: 'ops', endReason: 'incident over' }), want: /^Revoked \(early by ops: incident over\)/ },
    {
      message: notificationOf('revoked', { cause: 'superseded', endedBy: 'ci', endReason: 'replaced by a new expiry' }),
      want: /^Revoked \(superseded: replaced by a new expiry\)/,
    },
    { message: notificationOf('revoked', { cause: 'removed' }), want: /^Revoked \(removed\)/ },
    { message: notificationOf('revoked', { cause: 'beyond-limit' }), want: /^Revoked \(beyond-limit\)/ },
    {
      message: notificationOf('failed', { error: 'no such user' }),
      want: /^Failed: user bob@example\.com could not be granted reader in nonprod \(111111111111\): no such user/,
    },
    {
      message: notificationOf('revoke-stuck', { afterMs: 600_000, error: 'Throttling' }),
      want: /^Revoke stuck: user bob@example\.com still holds reader .* retrying for 10 min; last error: Throttling$/,
    },
    {
      message: {
        ...notificationOf('granted'),
        grant: { ...GRANT, kind: 'permanent', expiresAt: undefined, reason: undefined, ticket: undefined } as GrantNotification['grant'],
      },
      want: /^Granted: user bob@example\.com holds reader in nonprod \(111111111111\) \(permanent\)$/,
    },
  ];
  for (const c of cases) it(`${c.message.event} ${c.message.cause ?? ''}`, () => assert.match(notificationText(c.message), c.want));

  it('json: the documented fields, null where there is no value', () => {
    const body = notificationBody(notificationOf('revoked', { cause: 'early', endedBy: 'ops', endReason: 'x' }), 'json', { url: 'http://ui/x' });
    assert.deepEqual(
      Object.keys(body).sort(),
      ['afterMs', 'at', 'cause', 'endReason', 'endedBy', 'error', 'event', 'grant', 'idempotencyKey', 'schema', 'text'].sort(),
    );
    assert.equal(body.schema, 'grantflow.notification/v1');
    assert.equal(body.idempotencyKey, `${GRANT.id}/revoked/run-1`);
    assert.deepEqual(
      Object.keys(body.grant as object).sort(),
      ['account', 'environment', 'expiresAt', 'id', 'kind', 'policy', 'principal', 'principalType', 'reason', 'runId', 'team', 'ticket', 'url'].sort(),
    );
    assert.equal((body.grant as { url: string }).url, 'http://ui/x');
    assert.equal(body.error, null);
  });

  it('slack: text with the Web UI link, and a block that carries the key', () => {
    const body = notificationBody(notificationOf('granted'), 'slack', { url: 'http://ui/x' });
    assert.match(String(body.text), /<http:\/\/ui\/x\|open in Temporal>$/);
    assert.match(JSON.stringify(body.blocks), new RegExp(`key ${GRANT.id.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/granted/run-1`));
    assert.doesNotMatch(String(notificationBody(notificationOf('granted'), 'slack', {}).text), /open in Temporal/);
  });
});

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

describe('notifications of a break-glass request', function () {
  const request: RequestNotification['request'] = {
    id: 'grantflow-request/t/abcdefghij',
    runId: 'run-9',
    team: 't',
    rule: 'on-call',
    principal: 'alice@example.com',
    environment: 'prod',
    account: '222222222222',
    policy: 'breakglass',
    duration: '2h',
    reason: 'db down',
    ticket: 'INC-42',
    requestedBy: 'alice',
    approvers: ['carol@example.com', 'dave@example.com'],
  };
  const message = (event: RequestNotification['event'], extra: Partial<RequestNotification> = {}): RequestNotification => ({
    event,
    at: '2026-06-01T03:00:00Z',
    request,
    ...extra,
  });

  it('says for each event what a person needs: the approver’s command, who approved or denied, and a self-approval to every approver', () => {
    assert.equal(
      notificationText(message('requested', { approveCommand: 'grantflow approve grantflow-request/t/abcdefghij --key ~/.ssh/id_ed25519' })),
      'Break-glass requested: alice@example.com asks for breakglass in prod (222222222222) for 2h [rule on-call, reason: db down, ticket: INC-42]; approvers carol@example.com, dave@example.com: grantflow approve grantflow-request/t/abcdefghij --key ~/.ssh/id_ed25519',
    );
    assert.match(
      notificationText(message('approved', { by: 'carol@example.com' })),
      /^Break-glass approved by carol@example\.com: alice@example\.com gets breakglass in prod/,
    );
    assert.equal(
      notificationText(message('self-approved', { by: 'alice@example.com', endReason: 'alone on call' })),
      'Break-glass SELF-APPROVED by alice@example.com: alice@example.com approved their own request for breakglass in prod (222222222222) for 2h (why: alone on call) [rule on-call, reason: db down, ticket: INC-42]; told to every approver: carol@example.com, dave@example.com',
    );
    assert.match(
      notificationText(message('denied', { by: 'ops', endReason: 'not an incident' })),
      /^Break-glass denied by ops: not an incident: alice@example\.com does not get/,
    );
    assert.match(notificationText(message('lapsed')), /^Break-glass lapsed: no approval in time/);
  });

  it('is keyed by request, event and run, goes only to sinks that want the event, and posts the request (grant null) as JSON', () => {
    assert.equal(idempotencyKey(message('approved')), 'grantflow-request/t/abcdefghij/approved/run-9');
    const plan: NotificationPlan = { sinks: [{ name: 'approvers', events: ['requested', 'self-approved'], expiringBeforeMs: 1, revokeStuckAfterMs: 1 }] };
    assert.deepEqual(sinksFor(plan, message('self-approved')), ['approvers']);
    assert.deepEqual(sinksFor(plan, message('lapsed')), []);
    const body = notificationBody(message('denied', { by: 'ops', endReason: 'no' }), 'json', { url: 'https://ui/x' });
    assert.equal(body.grant, null);
    assert.deepEqual(body.request, { ...request, expiresAt: null, grantId: null, url: 'https://ui/x' });
    assert.deepEqual([body.event, body.by, body.endReason, body.approveCommand], ['denied', 'ops', 'no', null]);
    assert.match(grantUrl('https://ui', 'default', message('denied'))!, /workflows\/grantflow-request%2Ft%2Fabcdefghij\/run-9\/history$/);
  });
});
