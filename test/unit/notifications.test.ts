// Notification sinks from grantflow.yaml, which sinks want which message, the idempotency key, and
// the two formats' bodies.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadNotifications, loadSettings } from '../../src/config/load';
import { notificationPlan, type NotificationSink } from '../../src/core/notification-sink';
import {
  grantUrl,
  idempotencyKey,
  leadsFor,
  notificationBody,
  notificationText,
  notificationWorkflowId,
  sinkOfNotificationWorkflowId,
  sinksFor,
  type GrantNotification,
} from '../../src/core/notifications';
import { runCli } from '../harness/cli';
import { NOW, writeTeam } from '../harness/config-dir';

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
const message = (event: GrantNotification['event'], extra: Partial<GrantNotification> = {}): GrantNotification => ({
  event,
  at: '2026-06-01T12:00:00Z',
  grant: GRANT,
  ...extra,
});

function withSettings(yaml: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-notify-'));
  fs.writeFileSync(path.join(dir, 'grantflow.yaml'), yaml);
  return dir;
}

describe('notifications: sinks from grantflow.yaml', () => {
  const cases: { name: string; yaml: string; env?: Record<string, string>; want?: Partial<NotificationSink>[]; error?: RegExp; line?: number }[] = [
    {
      name: 'defaults: every event, 1h before expiry, stuck after 10 min',
      yaml: 'notifications:\n  - name: sec\n    url_env: GRANTFLOW_WEBHOOK_SEC\n    format: slack\n',
      env: { GRANTFLOW_WEBHOOK_SEC: 'https://hooks.example/abc' },
      want: [
        {
          name: 'sec',
          url: 'https://hooks.example/abc',
          format: 'slack',
          events: ['granted', 'expiring', 'revoked', 'failed', 'revoke-stuck', 'refused'],
          expiringBeforeMs: 3_600_000,
          revokeStuckAfterMs: 600_000,
        },
      ],
    },
    {
      name: 'chosen events and leads',
      yaml: 'notifications:\n  - name: audit\n    url_env: GRANTFLOW_WEBHOOK_AUDIT\n    format: json\n    events: [revoked, failed]\n    expiring_before: 30m\n    revoke_stuck_after: 2m\n',
      env: { GRANTFLOW_WEBHOOK_AUDIT: 'http://127.0.0.1:9/x' },
      want: [{ name: 'audit', format: 'json', events: ['revoked', 'failed'], expiringBeforeMs: 1_800_000, revokeStuckAfterMs: 120_000 }],
    },
    {
      name: 'an unset variable is an error at the sink, naming the fix',
      yaml: 'notifications:\n  - name: sec\n    url_env: GRANTFLOW_WEBHOOK_NOPE\n    format: json\n',
      error: /\$GRANTFLOW_WEBHOOK_NOPE is not set; set it to the webhook URL in the worker's environment/,
      line: 3,
    },
    {
      name: 'a variable that is no URL',
      yaml: 'notifications:\n  - name: sec\n    url_env: GRANTFLOW_WEBHOOK_SEC\n    format: json\n',
      env: { GRANTFLOW_WEBHOOK_SEC: 'hooks.example' },
      error: /must be an http\(s\) URL/,
      line: 3,
    },
    {
      name: 'a URL written where the variable name goes',
      yaml: 'notifications:\n  - name: sec\n    url_env: https://hooks.example/abc\n    format: json\n',
      error: /url_env names an environment variable/,
      line: 3,
    },
    {
      name: 'an unknown format',
      yaml: 'notifications:\n  - name: sec\n    url_env: GRANTFLOW_WEBHOOK_SEC\n    format: teams\n',
      env: { GRANTFLOW_WEBHOOK_SEC: 'https://x.example' },
      error: /format/,
      line: 4,
    },
    {
      name: 'an unknown event',
      yaml: 'notifications:\n  - name: sec\n    url_env: GRANTFLOW_WEBHOOK_SEC\n    format: json\n    events: [granted, renewed]\n',
      env: { GRANTFLOW_WEBHOOK_SEC: 'https://x.example' },
      error: /events/,
      line: 5,
    },
    {
      name: 'a lead that is no duration',
      yaml: 'notifications:\n  - name: sec\n    url_env: GRANTFLOW_WEBHOOK_SEC\n    format: json\n    expiring_before: soon\n',
      env: { GRANTFLOW_WEBHOOK_SEC: 'https://x.example' },
      error: /expiring_before of sink "sec" must be a duration/,
      line: 5,
    },
    {
      name: 'two sinks of one name',
      yaml: 'notifications:\n  - name: a\n    url_env: GRANTFLOW_WEBHOOK_SEC\n    format: json\n  - name: a\n    url_env: GRANTFLOW_WEBHOOK_SEC\n    format: slack\n',
      env: { GRANTFLOW_WEBHOOK_SEC: 'https://x.example' },
      error: /defined twice/,
      line: 5,
    },
    {
      name: 'a url_env outside GRANTFLOW_WEBHOOK_, even one that is set: the rule and the fix',
      yaml: 'notifications:\n  - name: security-slack\n    url_env: HTTPS_PROXY\n    format: json\n',
      env: { HTTPS_PROXY: 'http://user:p4ssw0rd@proxy.internal:3128' },
      error:
        /^notification sink "security-slack": url_env HTTPS_PROXY is refused: a sink's URL is read only from a variable whose name starts with GRANTFLOW_WEBHOOK_, .*; name the variable GRANTFLOW_WEBHOOK_SECURITY_SLACK, say, and set it to the webhook URL where the worker runs$/,
      line: 3,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const dir = withSettings(c.yaml);
      try {
        const result = loadNotifications(dir, c.env ?? {});
        if (c.want) {
          assert.deepEqual(result.diagnostics, []);
          assert.equal(result.sinks.length, c.want.length);
          c.want.forEach((want, i) => {
            for (const [key, value] of Object.entries(want)) assert.deepEqual(result.sinks[i]![key as keyof NotificationSink], value, key);
          });
        } else {
          const errors = result.diagnostics.filter((d) => d.severity === 'error');
          assert.ok(
            errors.some((d) => c.error!.test(d.message)),
            JSON.stringify(errors),
          );
          const hit = errors.find((d) => c.error!.test(d.message))!;
          assert.equal(hit.file, path.join(dir, 'grantflow.yaml'));
          assert.equal(hit.line, c.line);
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('a url_env outside GRANTFLOW_WEBHOOK_ is never read: no sink, and the value appears in no message', () => {
    const dir = withSettings(
      'notifications:\n  - name: a\n    url_env: HTTPS_PROXY\n    format: json\n  - name: b\n    url_env: GRANTFLOW_WEBHOOK_\n    format: json\n',
    );
    try {
      const env = { HTTPS_PROXY: 'http://user:p4ssw0rd@proxy.internal:3128', GRANTFLOW_WEBHOOK_: 'http://user:p4ssw0rd@proxy.internal:3128' };
      const result = loadNotifications(dir, env);
      assert.deepEqual(result.sinks, []);
      assert.deepEqual(
        result.diagnostics.map((d) => [d.line, /^notification sink "(\w)": url_env (\S+) is refused/.exec(d.message)?.slice(1)]),
        [
          [3, ['a', 'HTTPS_PROXY']],
          [6, ['b', 'GRANTFLOW_WEBHOOK_']],
        ],
      );
      assert.ok(!JSON.stringify(result).includes('p4ssw0rd'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('grantflow validate accepts a grantflow.yaml with notifications (no URL needed where it runs)', async () => {
    const dir = writeTeam({
      grantflow: 'web_ui_url: http://localhost:8233\nnotifications:\n  - name: sec\n    url_env: GRANTFLOW_WEBHOOK_SEC\n    format: slack\n',
    });
    const result = await runCli(['validate', 'team', '--config', dir, '--now', NOW], {});
    assert.equal(result.code, 0, result.stderr);
  });
});

describe('notifications: grantflow validate checks the sinks offline', () => {
  const SINKS = [
    'notifications:',
    '  - name: sec',
    '    url_env: GRANTFLOW_WEBHOOK_SEC',
    '    format: slack',
    '    expiring_before: soon',
    '  - name: audit',
    '    url_env: AUDIT_WEBHOOK_URL',
    '    format: json',
    '    revoke_stuck_after: 8d',
    '  - name: sec',
    '    url_env: GRANTFLOW_WEBHOOK_SEC2',
    '    format: json',
    '',
  ].join('\n');
  const WANT = [
    [5, 22, /^expiring_before of sink "sec" must be a duration such as 30m, 1h or 1d, between 1s and 7d; got "soon"$/],
    [7, 14, /^notification sink "audit": url_env AUDIT_WEBHOOK_URL is refused: .* name the variable GRANTFLOW_WEBHOOK_AUDIT, say,/],
    [9, 25, /^revoke_stuck_after of sink "audit" must be a duration .*; got "8d"$/],
    [10, 11, /^notification sink "sec" is defined twice; give each sink its own name$/],
  ] as const;

  /** The `<file>:<line>:<col>: error: <message>` lines of a run's stderr about grantflow.yaml. */
  const errorsIn = (stderr: string, file: string) =>
    stderr
      .split('\n')
      .filter((l) => l.startsWith(`${file}:`))
      .map((l) => /^:(\d+):(\d+): error: (.*)$/.exec(l.slice(file.length))!)
      .map((m) => [Number(m[1]), Number(m[2]), m[3]!] as const);

  for (const args of [
    ['validate', 'team'],
    ['validate', '--all'],
  ]) {
    it(`${args.join(' ')}: each sink mistake at file:line:col, with none of the URL variables set`, async () => {
      const dir = writeTeam({ grantflow: SINKS });
      try {
        const result = await runCli([...args, '--config', dir, '--now', NOW], {});
        assert.equal(result.code, 1, result.stderr);
        const errors = errorsIn(result.stderr, path.join(dir, 'grantflow.yaml'));
        assert.equal(errors.length, WANT.length, result.stderr);
        errors.forEach(([line, col, message], i) => {
          assert.deepEqual([line, col], WANT[i]!.slice(0, 2), message);
          assert.match(message, WANT[i]![2]);
        });
        assert.doesNotMatch(result.stderr, /is not set/, 'validate does not ask for the URLs');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('the worker finds the same mistakes with the same check, and besides them requires the variables', () => {
    const dir = withSettings(SINKS);
    try {
      const offline = loadSettings(dir, {}).diagnostics;
      assert.equal(offline.length, WANT.length);
      // AUDIT_WEBHOOK_URL is set, but a variable outside GRANTFLOW_WEBHOOK_ is never read.
      const worker = loadNotifications(dir, { GRANTFLOW_WEBHOOK_SEC: 'https://hooks.example/sec', AUDIT_WEBHOOK_URL: 'https://hooks.example/audit' });
      // Only the second "sec" names a variable that is unset.
      const unset = worker.diagnostics.filter((d) => /is not set/.test(d.message));
      assert.deepEqual(
        unset.map((d) => [d.line, d.message]),
        [[11, `notification sink "sec": $GRANTFLOW_WEBHOOK_SEC2 is not set; set it to the webhook URL in the worker's environment`]],
      );
      assert.deepEqual(
        worker.diagnostics.filter((d) => !unset.includes(d)),
        offline,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
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
    { message: message('granted'), want: `${GRANT.id}/granted/run-1` },
    { message: message('expiring', { afterMs: 3_600_000 }), want: `${GRANT.id}/expiring/run-1/3600000` },
    { message: message('revoked', { cause: 'early' }), want: `${GRANT.id}/revoked/run-1` },
  ];
  for (const k of keys) it(`key of ${k.message.event}`, () => assert.equal(idempotencyKey(k.message), k.want));

  it('the notification workflow id names the sink, and doctor reads it back', () => {
    const id = notificationWorkflowId('sec-slack', message('granted'));
    assert.equal(id, `grantflow-notify/sec-slack/${GRANT.id}/granted/run-1`);
    assert.equal(sinkOfNotificationWorkflowId(id), 'sec-slack');
    assert.equal(sinkOfNotificationWorkflowId(GRANT.id), undefined);
  });

  it('links to the run in the Web UI, ids escaped', () => {
    assert.equal(grantUrl(undefined, 'default', message('granted')), undefined);
    assert.equal(
      grantUrl('http://ui:8080/', 'prod ns', message('granted')),
      `http://ui:8080/namespaces/prod%20ns/workflows/${encodeURIComponent(GRANT.id)}/run-1/history`,
    );
  });
});

describe('notifications: what each event says', () => {
  const cases: { message: GrantNotification; want: RegExp }[] = [
    {
      message: message('granted'),
      want: /^Granted: user bob@example\.com holds reader in nonprod \(111111111111\) until 2026-06-02T00:00:00Z \[reason: debugging, ticket: OPS-1\]$/,
    },
    {
      message: message('expiring', { afterMs: 3_600_000 }),
      want: /^Expiring: user bob@example\.com loses reader in nonprod \(111111111111\) at 2026-06-02T00:00:00Z \(in 60 min\)/,
    },
    { message: message('revoked', { cause: 'expired' }), want: /^Revoked \(expired\): user bob@example\.com no longer holds reader/ },
    { message: message('revoked', { cause: 'early', endedBy: 'ops', endReason: 'incident over' }), want: /^Revoked \(early by ops: incident over\)/ },
    {
      message: message('revoked', { cause: 'superseded', endedBy: 'ci', endReason: 'replaced by a new expiry' }),
      want: /^Revoked \(superseded: replaced by a new expiry\)/,
    },
    { message: message('revoked', { cause: 'removed' }), want: /^Revoked \(removed\)/ },
    { message: message('revoked', { cause: 'beyond-limit' }), want: /^Revoked \(beyond-limit\)/ },
    {
      message: message('failed', { error: 'no such user' }),
      want: /^Failed: user bob@example\.com could not be granted reader in nonprod \(111111111111\): no such user/,
    },
    {
      message: message('revoke-stuck', { afterMs: 600_000, error: 'Throttling' }),
      want: /^Revoke stuck: user bob@example\.com still holds reader .* retrying for 10 min; last error: Throttling$/,
    },
    {
      message: {
        ...message('granted'),
        grant: { ...GRANT, kind: 'permanent', expiresAt: undefined, reason: undefined, ticket: undefined } as GrantNotification['grant'],
      },
      want: /^Granted: user bob@example\.com holds reader in nonprod \(111111111111\) \(permanent\)$/,
    },
  ];
  for (const c of cases) it(`${c.message.event} ${c.message.cause ?? ''}`, () => assert.match(notificationText(c.message), c.want));

  it('json: the documented fields, null where there is no value', () => {
    const body = notificationBody(message('revoked', { cause: 'early', endedBy: 'ops', endReason: 'x' }), 'json', { url: 'http://ui/x' });
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
    const body = notificationBody(message('granted'), 'slack', { url: 'http://ui/x' });
    assert.match(String(body.text), /<http:\/\/ui\/x\|open in Temporal>$/);
    assert.match(JSON.stringify(body.blocks), new RegExp(`key ${GRANT.id.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/granted/run-1`));
    assert.doesNotMatch(String(notificationBody(message('granted'), 'slack', {}).text), /open in Temporal/);
  });
});
