// Settings resolution: each setting's accepted range, where a bad value is reported, and which source
// wins; and the settings that choose expiring copies, MFA and permission boundaries.
import assert from 'node:assert/strict';
import type { Position } from '../../../src/core/diagnostics';
import { DAY_MS } from '../../../src/core/time';
import { resolveNotifications, resolveSettings } from '../../../src/config/settings';
import { type SettingsFile, settingsFileSchema } from '../../../src/config/schema';
import { boundaryFor } from '../../../src/core/managed-copies';

const at = (key: string): Position => ({ file: 'grantflow.yaml', line: key.length, col: 3 });
const resolve = (file: Record<string, unknown> | undefined, env: Record<string, string | undefined> = {}) =>
  resolveSettings(file as SettingsFile | undefined, env, at as (key: keyof SettingsFile) => Position);

describe('settings cases: accepted values and boundaries', function () {
  const accepted: { name: string; file?: Record<string, unknown>; env?: Record<string, string>; field: string; want: unknown }[] = [
    { name: 'role of 64 characters', file: { deployer_role: 'r'.repeat(64) }, field: 'deployerRole', want: 'r'.repeat(64) },
    { name: 'role with every allowed punctuation', file: { deployer_role: 'a+=,.@_-b' }, field: 'deployerRole', want: 'a+=,.@_-b' },
    { name: 'external id from the file', file: { deployer_external_id: 'ext-1' }, field: 'deployerExternalId', want: 'ext-1' },
    { name: 'external id from env', env: { GRANTFLOW_DEPLOYER_EXTERNAL_ID: 'ext-env' }, field: 'deployerExternalId', want: 'ext-env' },
    { name: 'partition aws', file: { partition: 'aws' }, field: 'partition', want: 'aws' },
    { name: 'partition aws-cn', file: { partition: 'aws-cn' }, field: 'partition', want: 'aws-cn' },
    { name: 'partition aws-us-gov', env: { GRANTFLOW_PARTITION: 'aws-us-gov' }, field: 'partition', want: 'aws-us-gov' },
    { name: 'max days 1', file: { max_temporary_days: 1 }, field: 'maxTemporaryDays', want: 1 },
    { name: 'max days 365 from env', env: { GRANTFLOW_MAX_TEMPORARY_DAYS: '365' }, field: 'maxTemporaryDays', want: 365 },
    { name: 'managed policies 20', file: { max_managed_policies_per_principal: 20 }, field: 'maxManagedPoliciesPerPrincipal', want: 20 },
    { name: 'managed policies 1', env: { GRANTFLOW_MAX_MANAGED_POLICIES: '1' }, field: 'maxManagedPoliciesPerPrincipal', want: 1 },
    { name: 'calls per second 0.1 (fractions allowed)', file: { iam_calls_per_second: 0.1 }, field: 'iamCallsPerSecond', want: 0.1 },
    { name: 'calls per second 2.5 from env', env: { GRANTFLOW_IAM_CALLS_PER_SECOND: '2.5' }, field: 'iamCallsPerSecond', want: 2.5 },
    { name: 'calls per second 1000', file: { iam_calls_per_second: 1000 }, field: 'iamCallsPerSecond', want: 1000 },
    { name: 'reconcile interval 10s', file: { reconcile_interval: '10s' }, field: 'reconcileIntervalMs', want: 10_000 },
    { name: 'reconcile interval 7d', env: { GRANTFLOW_RECONCILE_INTERVAL: '7d' }, field: 'reconcileIntervalMs', want: 7 * DAY_MS },
    { name: 'revoke backoff 1s', file: { revoke_max_backoff: '1s' }, field: 'revokeMaxBackoffMs', want: 1000 },
    { name: 'revoke backoff 1d', env: { GRANTFLOW_REVOKE_MAX_BACKOFF: '1d' }, field: 'revokeMaxBackoffMs', want: DAY_MS },
    { name: 'propagation wait 0s', file: { iam_propagation_wait: '0s' }, field: 'iamPropagationWaitMs', want: 0 },
    { name: 'propagation wait 1h', env: { GRANTFLOW_IAM_PROPAGATION_WAIT: '1h' }, field: 'iamPropagationWaitMs', want: 3_600_000 },
    { name: 'strict true', file: { strict_actions: true }, field: 'strictActions', want: true },
    { name: 'strict FALSE from env', env: { GRANTFLOW_STRICT_ACTIONS: 'FALSE' }, field: 'strictActions', want: false },
    { name: 'strict True from env', env: { GRANTFLOW_STRICT_ACTIONS: 'True' }, field: 'strictActions', want: true },
    { name: 'copies attach from env', env: { GRANTFLOW_TEMPORARY_MANAGED_POLICIES: 'attach' }, field: 'temporaryManagedPolicies', want: 'attach' },
    { name: 'task queue from the file', file: { task_queue: 'q-file' }, field: 'taskQueue', want: 'q-file' },
    { name: 'task queue from env', env: { GRANTFLOW_TASK_QUEUE: 'q-env' }, field: 'taskQueue', want: 'q-env' },
    { name: 'env wins over the file', file: { task_queue: 'q-file' }, env: { GRANTFLOW_TASK_QUEUE: 'q-env' }, field: 'taskQueue', want: 'q-env' },
    { name: 'an empty env value leaves the file value', file: { task_queue: 'q-file' }, env: { GRANTFLOW_TASK_QUEUE: '' }, field: 'taskQueue', want: 'q-file' },
    { name: 'no file, no env: default role', field: 'deployerRole', want: 'AWSSelfServeDeployer' },
    { name: 'no file, no env: default interval', field: 'reconcileIntervalMs', want: 3_600_000 },
  ];
  for (const c of accepted) {
    it(c.name, function () {
      const { settings, diagnostics } = resolve(c.file, c.env);
      assert.deepEqual(diagnostics, []);
      assert.deepEqual((settings as unknown as Record<string, unknown>)[c.field], c.want);
    });
  }

  it('unset optional settings stay unset', function () {
    const { settings } = resolve({});
    assert.equal(settings.deployerExternalId, undefined);
    assert.equal(settings.strictActions, undefined);
    assert.equal(settings.permissionsBoundary, undefined);
    assert.equal(settings.taskQueue, 'grantflow');
  });

  it('require_mfa is deduplicated and sorted', function () {
    assert.deepEqual(resolve({ require_mfa: ['prod', 'dev', 'prod'] }).settings.requireMfa, ['dev', 'prod']);
  });

  it('one boundary for all environments, or one per environment', function () {
    const arn = 'arn:aws:iam::111111111111:policy/Boundary';
    assert.deepEqual(resolve({ permissions_boundary: arn }).settings.permissionsBoundary, { all: arn });
    assert.deepEqual(resolve({ permissions_boundary: { prod: arn } }).settings.permissionsBoundary, { byEnvironment: { prod: arn } });
  });
});

describe('settings cases: rejected values keep the default and say why, where', function () {
  const rejected: {
    name: string;
    file?: Record<string, unknown>;
    env?: Record<string, string>;
    field: string;
    kept: unknown;
    file_: string;
    message: string;
  }[] = [
    {
      name: 'role of 65 characters',
      file: { deployer_role: 'r'.repeat(65) },
      field: 'deployerRole',
      kept: 'AWSSelfServeDeployer',
      file_: 'grantflow.yaml',
      message: `deployer_role "${'r'.repeat(65)}" is not a valid IAM role name (letters, digits, + = , . @ _ -; at most 64)`,
    },
    {
      name: 'role with a slash, from env',
      env: { GRANTFLOW_DEPLOYER_ROLE: 'a/b' },
      field: 'deployerRole',
      kept: 'AWSSelfServeDeployer',
      file_: 'env:GRANTFLOW_DEPLOYER_ROLE',
      message: 'deployer_role "a/b" is not a valid IAM role name (letters, digits, + = , . @ _ -; at most 64)',
    },
    {
      name: 'unknown partition',
      file: { partition: 'aws-iso' },
      field: 'partition',
      kept: 'aws',
      file_: 'grantflow.yaml',
      message: 'partition "aws-iso" must be aws, aws-cn or aws-us-gov',
    },
    {
      name: 'max days 0',
      file: { max_temporary_days: 0 },
      field: 'maxTemporaryDays',
      kept: 6,
      file_: 'grantflow.yaml',
      message: 'max_temporary_days must be a whole number from 1 to 365, got 0',
    },
    {
      name: 'max days 366 from env',
      env: { GRANTFLOW_MAX_TEMPORARY_DAYS: '366' },
      field: 'maxTemporaryDays',
      kept: 6,
      file_: 'env:GRANTFLOW_MAX_TEMPORARY_DAYS',
      message: 'max_temporary_days must be a whole number from 1 to 365, got "366"',
    },
    {
      name: 'max days 1.5',
      file: { max_temporary_days: 1.5 },
      field: 'maxTemporaryDays',
      kept: 6,
      file_: 'grantflow.yaml',
      message: 'max_temporary_days must be a whole number from 1 to 365, got 1.5',
    },
    {
      name: 'max days not a number',
      env: { GRANTFLOW_MAX_TEMPORARY_DAYS: 'many' },
      field: 'maxTemporaryDays',
      kept: 6,
      file_: 'env:GRANTFLOW_MAX_TEMPORARY_DAYS',
      message: 'max_temporary_days must be a whole number from 1 to 365, got "many"',
    },
    {
      name: 'managed policies 21',
      file: { max_managed_policies_per_principal: 21 },
      field: 'maxManagedPoliciesPerPrincipal',
      kept: 10,
      file_: 'grantflow.yaml',
      message: 'max_managed_policies_per_principal must be a whole number from 1 to 20, got 21',
    },
    {
      name: 'managed policies 2.5',
      env: { GRANTFLOW_MAX_MANAGED_POLICIES: '2.5' },
      field: 'maxManagedPoliciesPerPrincipal',
      kept: 10,
      file_: 'env:GRANTFLOW_MAX_MANAGED_POLICIES',
      message: 'max_managed_policies_per_principal must be a whole number from 1 to 20, got "2.5"',
    },
    {
      name: 'calls per second 0.05',
      file: { iam_calls_per_second: 0.05 },
      field: 'iamCallsPerSecond',
      kept: 10,
      file_: 'grantflow.yaml',
      message: 'iam_calls_per_second must be a number from 0.1 to 1000, got 0.05',
    },
    {
      name: 'calls per second 1001',
      env: { GRANTFLOW_IAM_CALLS_PER_SECOND: '1001' },
      field: 'iamCallsPerSecond',
      kept: 10,
      file_: 'env:GRANTFLOW_IAM_CALLS_PER_SECOND',
      message: 'iam_calls_per_second must be a number from 0.1 to 1000, got "1001"',
    },
    {
      name: 'reconcile interval 9s',
      file: { reconcile_interval: '9s' },
      field: 'reconcileIntervalMs',
      kept: 3_600_000,
      file_: 'grantflow.yaml',
      message: 'reconcile_interval must be a duration such as 90s, 15m, 1h or 1d, between 10s and 7d; got "9s"',
    },
    {
      name: 'reconcile interval 8d',
      env: { GRANTFLOW_RECONCILE_INTERVAL: '8d' },
      field: 'reconcileIntervalMs',
      kept: 3_600_000,
      file_: 'env:GRANTFLOW_RECONCILE_INTERVAL',
      message: 'reconcile_interval must be a duration such as 90s, 15m, 1h or 1d, between 10s and 7d; got "8d"',
    },
    {
      name: 'reconcile interval not a duration',
      file: { reconcile_interval: 'hourly' },
      field: 'reconcileIntervalMs',
      kept: 3_600_000,
      file_: 'grantflow.yaml',
      message: 'reconcile_interval must be a duration such as 90s, 15m, 1h or 1d, between 10s and 7d; got "hourly"',
    },
    {
      name: 'revoke backoff 2d',
      file: { revoke_max_backoff: '2d' },
      field: 'revokeMaxBackoffMs',
      kept: 60_000,
      file_: 'grantflow.yaml',
      message: 'revoke_max_backoff must be a duration such as 90s, 15m, 1h or 1d, between 1s and 1d; got "2d"',
    },
    {
      name: 'revoke backoff 0s',
      env: { GRANTFLOW_REVOKE_MAX_BACKOFF: '0s' },
      field: 'revokeMaxBackoffMs',
      kept: 60_000,
      file_: 'env:GRANTFLOW_REVOKE_MAX_BACKOFF',
      message: 'revoke_max_backoff must be a duration such as 90s, 15m, 1h or 1d, between 1s and 1d; got "0s"',
    },
    {
      name: 'propagation wait 2h',
      file: { iam_propagation_wait: '2h' },
      field: 'iamPropagationWaitMs',
      kept: 120_000,
      file_: 'grantflow.yaml',
      message: 'iam_propagation_wait must be a duration such as 90s, 15m, 1h or 1d, between 0s and 1h; got "2h"',
    },
    {
      name: 'strict yes',
      env: { GRANTFLOW_STRICT_ACTIONS: 'yes' },
      field: 'strictActions',
      kept: undefined,
      file_: 'env:GRANTFLOW_STRICT_ACTIONS',
      message: 'strict_actions must be true or false, got "yes"',
    },
    {
      name: 'copies link',
      file: { temporary_managed_policies: 'link' },
      field: 'temporaryManagedPolicies',
      kept: undefined,
      file_: 'grantflow.yaml',
      message: 'temporary_managed_policies must be copy or attach, got "link"',
    },
  ];
  for (const c of rejected) {
    it(c.name, function () {
      const { settings, diagnostics } = resolve(c.file, c.env);
      assert.deepEqual(
        diagnostics.map((d) => [d.severity, d.file, d.message]),
        [['error', c.file_, c.message]],
      );
      assert.deepEqual((settings as unknown as Record<string, unknown>)[c.field], c.kept);
    });
  }

  it('an env value is reported at env:NAME line 1 col 1; a file value where at() says', function () {
    const fromEnv = resolve({}, { GRANTFLOW_PARTITION: 'x' }).diagnostics[0]!;
    assert.deepEqual({ file: fromEnv.file, line: fromEnv.line, col: fromEnv.col }, { file: 'env:GRANTFLOW_PARTITION', line: 1, col: 1 });
    const fromFile = resolve({ partition: 'x' }).diagnostics[0]!;
    assert.deepEqual({ file: fromFile.file, line: fromFile.line, col: fromFile.col }, { file: 'grantflow.yaml', line: 'partition'.length, col: 3 });
  });

  it('a bad boundary names its environment and keeps no boundary', function () {
    const good = 'arn:aws:iam::111111111111:policy/Boundary';
    const { settings, diagnostics } = resolve({ permissions_boundary: { prod: good, dev: 'not-an-arn' } });
    assert.equal(settings.permissionsBoundary, undefined);
    assert.equal(diagnostics.length, 1);
    assert.match(diagnostics[0]!.message, /^permissions_boundary for dev: /);
    const single = resolve({ permissions_boundary: 'not-an-arn' }).diagnostics;
    assert.equal(single.length, 1);
    assert.equal(single[0]!.line, 'permissions_boundary'.length, 'reported at the permissions_boundary key');
    assert.match(single[0]!.message, /^permissions_boundary: \S/);
  });
});

describe('settings cases: notification sinks', function () {
  const nat = (segments: readonly (string | number)[]): Position => ({ file: 'grantflow.yaml', line: segments.length, col: Number(segments[1] ?? 0) + 1 });
  const notify = (file: Record<string, unknown> | undefined, env: Record<string, string | undefined>) =>
    resolveNotifications(file as SettingsFile | undefined, env, nat);
  const sink = (extra: Record<string, unknown> = {}) => ({ name: 'ops', url_env: 'GRANTFLOW_WEBHOOK_OPS', format: 'slack', ...extra });

  it('a sink takes its URL from the named variable, trimmed, with every event by default', function () {
    const { sinks, diagnostics, webUiUrl } = notify({ notifications: [sink()] }, { GRANTFLOW_WEBHOOK_OPS: '  https://hooks.example/x  ' });
    assert.deepEqual(diagnostics, []);
    assert.equal(webUiUrl, undefined);
    assert.equal(sinks.length, 1);
    assert.equal(sinks[0]!.url, 'https://hooks.example/x');
    assert.equal(sinks[0]!.name, 'ops');
    assert.ok(sinks[0]!.events.length > 1);
  });

  it('lead times at the 1s and 7d bounds are accepted', function () {
    const { sinks, diagnostics } = notify(
      { notifications: [sink({ expiring_before: '1s', revoke_stuck_after: '7d' })] },
      { GRANTFLOW_WEBHOOK_OPS: 'http://h/x' },
    );
    assert.deepEqual(diagnostics, []);
    assert.equal(sinks[0]!.expiringBeforeMs, 1000);
    assert.equal(sinks[0]!.revokeStuckAfterMs, 7 * DAY_MS);
  });

  const bad: { name: string; file: Record<string, unknown>; env: Record<string, string>; line: number; message: string }[] = [
    {
      name: 'lead time under 1s',
      file: { notifications: [sink({ expiring_before: '999ms' })] },
      env: { GRANTFLOW_WEBHOOK_OPS: 'https://h/x' },
      line: 3,
      message: 'expiring_before of sink "ops" must be a duration such as 30m, 1h or 1d, between 1s and 7d; got "999ms"',
    },
    {
      name: 'lead time over 7d',
      file: { notifications: [sink({ revoke_stuck_after: '8d' })] },
      env: { GRANTFLOW_WEBHOOK_OPS: 'https://h/x' },
      line: 3,
      message: 'revoke_stuck_after of sink "ops" must be a duration such as 30m, 1h or 1d, between 1s and 7d; got "8d"',
    },
    {
      name: 'variable unset',
      file: { notifications: [sink()] },
      env: {},
      line: 3,
      message: `notification sink "ops": $GRANTFLOW_WEBHOOK_OPS is not set; set it to the webhook URL in the worker's environment`,
    },
    {
      name: 'variable blank',
      file: { notifications: [sink()] },
      env: { GRANTFLOW_WEBHOOK_OPS: '   ' },
      line: 3,
      message: `notification sink "ops": $GRANTFLOW_WEBHOOK_OPS is not set; set it to the webhook URL in the worker's environment`,
    },
    {
      name: 'not a URL',
      file: { notifications: [sink()] },
      env: { GRANTFLOW_WEBHOOK_OPS: 'ftp://h/x' },
      line: 3,
      message: 'notification sink "ops": $GRANTFLOW_WEBHOOK_OPS must be an http(s) URL',
    },
    {
      name: 'text before the URL',
      file: { notifications: [sink()] },
      env: { GRANTFLOW_WEBHOOK_OPS: 'see https://h/x' },
      line: 3,
      message: 'notification sink "ops": $GRANTFLOW_WEBHOOK_OPS must be an http(s) URL',
    },
    {
      name: 'text after the URL',
      file: { notifications: [sink()] },
      env: { GRANTFLOW_WEBHOOK_OPS: 'https://h/x and more' },
      line: 3,
      message: 'notification sink "ops": $GRANTFLOW_WEBHOOK_OPS must be an http(s) URL',
    },
    {
      name: 'url_env outside the GRANTFLOW_WEBHOOK_ prefix, though set',
      file: { notifications: [sink({ url_env: 'HTTPS_PROXY' })] },
      env: { HTTPS_PROXY: 'http://user:pass@proxy:3128' },
      line: 3,
      message:
        `notification sink "ops": url_env HTTPS_PROXY is refused: a sink's URL is read only from a variable whose name starts with GRANTFLOW_WEBHOOK_, ` +
        'so that a config cannot make the worker post to another secret of its environment; name the variable GRANTFLOW_WEBHOOK_OPS, say, and set it to the webhook URL where the worker runs',
    },
    {
      name: 'url_env that is the prefix alone',
      file: { notifications: [sink({ url_env: 'GRANTFLOW_WEBHOOK_' })] },
      env: { GRANTFLOW_WEBHOOK_: 'https://h/x' },
      line: 3,
      message:
        `notification sink "ops": url_env GRANTFLOW_WEBHOOK_ is refused: a sink's URL is read only from a variable whose name starts with GRANTFLOW_WEBHOOK_, ` +
        'so that a config cannot make the worker post to another secret of its environment; name the variable GRANTFLOW_WEBHOOK_OPS, say, and set it to the webhook URL where the worker runs',
    },
    {
      name: 'url_env with the prefix in another case',
      file: { notifications: [sink({ url_env: 'grantflow_webhook_ops' })] },
      env: { grantflow_webhook_ops: 'https://h/x' },
      line: 3,
      message:
        `notification sink "ops": url_env grantflow_webhook_ops is refused: a sink's URL is read only from a variable whose name starts with GRANTFLOW_WEBHOOK_, ` +
        'so that a config cannot make the worker post to another secret of its environment; name the variable GRANTFLOW_WEBHOOK_OPS, say, and set it to the webhook URL where the worker runs',
    },
  ];
  for (const c of bad) {
    it(c.name, function () {
      const { diagnostics } = notify(c.file, c.env);
      assert.deepEqual(
        diagnostics.map((d) => [d.line, d.message]),
        [[c.line, c.message]],
      );
    });
  }

  it("a sink named twice is reported at the second one's name", function () {
    const { diagnostics, sinks } = notify({ notifications: [sink(), sink()] }, { GRANTFLOW_WEBHOOK_OPS: 'https://h/x' });
    assert.equal(sinks.length, 2);
    assert.deepEqual(
      diagnostics.map((d) => [d.line, d.col, d.message]),
      [[3, 2, 'notification sink "ops" is defined twice; give each sink its own name']],
    );
  });

  it('the Web UI URL comes from env first, then the file, and is absent when neither', function () {
    assert.equal(notify({ web_ui_url: 'http://file' }, { GRANTFLOW_WEB_UI_URL: 'http://env' }).webUiUrl, 'http://env');
    assert.equal(notify({ web_ui_url: 'http://file' }, {}).webUiUrl, 'http://file');
    assert.equal(notify({ web_ui_url: 'http://file' }, { GRANTFLOW_WEB_UI_URL: '' }).webUiUrl, 'http://file');
    assert.ok(!('webUiUrl' in notify({}, {})));
    assert.deepEqual(notify({}, {}), { sinks: [], diagnostics: [] });
    assert.ok(!('webUiUrl' in notify(undefined, {})));
  });
});

describe('expiring copies: settings', function () {
  const at = () => ({ file: 'grantflow.yaml', line: 1, col: 1 });
  const resolve = (yaml: Record<string, unknown>, env: Record<string, string> = {}) => resolveSettings(settingsFileSchema.parse(yaml), env, at);
  it('defaults to copies, no MFA and no boundary', () => {
    const { settings, diagnostics } = resolve({});
    assert.deepEqual(diagnostics, []);
    assert.equal(settings.temporaryManagedPolicies, undefined);
    assert.equal(settings.requireMfa, undefined);
    assert.equal(boundaryFor(settings, 'prod'), undefined);
  });
  const boundary = 'arn:aws:iam::123456789012:policy/boundaries/developer';
  const cases: { name: string; yaml: Record<string, unknown>; env?: Record<string, string>; check: (s: ReturnType<typeof resolve>) => void }[] = [
    {
      name: 'temporary_managed_policies: attach',
      yaml: { temporary_managed_policies: 'attach' },
      check: (r) => assert.equal(r.settings.temporaryManagedPolicies, 'attach'),
    },
    {
      name: 'GRANTFLOW_TEMPORARY_MANAGED_POLICIES overrides the file',
      yaml: { temporary_managed_policies: 'attach' },
      env: { GRANTFLOW_TEMPORARY_MANAGED_POLICIES: 'copy' },
      check: (r) => assert.equal(r.settings.temporaryManagedPolicies, 'copy'),
    },
    {
      name: 'a bad GRANTFLOW_TEMPORARY_MANAGED_POLICIES is an error naming the variable',
      yaml: {},
      env: { GRANTFLOW_TEMPORARY_MANAGED_POLICIES: 'both' },
      check: (r) => {
        assert.equal(r.diagnostics.length, 1);
        assert.equal(r.diagnostics[0]!.file, 'env:GRANTFLOW_TEMPORARY_MANAGED_POLICIES');
        assert.match(r.diagnostics[0]!.message, /copy or attach/);
      },
    },
    {
      name: 'require_mfa lists environments',
      yaml: { require_mfa: ['prod', 'prod', 'audit'] },
      check: (r) => assert.deepEqual(r.settings.requireMfa, ['audit', 'prod']),
    },
    {
      name: 'permissions_boundary for every environment',
      yaml: { permissions_boundary: boundary },
      check: (r) => {
        assert.equal(boundaryFor(r.settings, 'prod'), boundary);
        assert.equal(boundaryFor(r.settings, 'anything'), boundary);
      },
    },
    {
      name: 'permissions_boundary by environment',
      yaml: { permissions_boundary: { prod: boundary } },
      check: (r) => {
        assert.equal(boundaryFor(r.settings, 'prod'), boundary);
        assert.equal(boundaryFor(r.settings, 'nonprod'), undefined);
        assert.equal(boundaryFor(r.settings, 'constructor'), undefined);
      },
    },
    {
      name: 'a permissions_boundary that is no policy ARN is an error',
      yaml: { permissions_boundary: { prod: 'developer-boundary' } },
      check: (r) => {
        assert.equal(r.settings.permissionsBoundary, undefined);
        assert.match(r.diagnostics[0]!.message, /permissions_boundary for prod: "developer-boundary" is not a managed policy ARN/);
      },
    },
  ];
  for (const c of cases) it(c.name, () => c.check(resolve(c.yaml, c.env)));
  it('refuses an unknown value of temporary_managed_policies in the file', () => {
    assert.equal(settingsFileSchema.safeParse({ temporary_managed_policies: 'sometimes' }).success, false);
  });
});
