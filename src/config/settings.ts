// Settings: defaults, then grantflow.yaml beside the team folders, then environment variables.
import { error, type Diagnostic, type Position } from '../core/diagnostics';
import { DEFAULT_SETTINGS, type Settings } from '../core/team-config';
import { IAM_NAME_CHARS, parseManagedPolicyArn } from '../core/names';
import { DEFAULT_EXPIRING_BEFORE_MS, DEFAULT_REVOKE_STUCK_AFTER_MS, NOTIFICATION_EVENTS } from '../core/notifications';
import type { NotificationSink } from '../core/notification-sink';
import { DAY_MS, formatDuration, parseDuration } from '../core/time';
import type { SettingsFile } from './schema';

export const SETTINGS_ENV = {
  deployerRole: 'GRANTFLOW_DEPLOYER_ROLE',
  deployerExternalId: 'GRANTFLOW_DEPLOYER_EXTERNAL_ID',
  partition: 'GRANTFLOW_PARTITION',
  maxTemporaryDays: 'GRANTFLOW_MAX_TEMPORARY_DAYS',
  reconcileInterval: 'GRANTFLOW_RECONCILE_INTERVAL',
  taskQueue: 'GRANTFLOW_TASK_QUEUE',
  maxManagedPoliciesPerPrincipal: 'GRANTFLOW_MAX_MANAGED_POLICIES',
  iamCallsPerSecond: 'GRANTFLOW_IAM_CALLS_PER_SECOND',
  revokeMaxBackoff: 'GRANTFLOW_REVOKE_MAX_BACKOFF',
  strictActions: 'GRANTFLOW_STRICT_ACTIONS',
  iamPropagationWait: 'GRANTFLOW_IAM_PROPAGATION_WAIT',
  temporaryManagedPolicies: 'GRANTFLOW_TEMPORARY_MANAGED_POLICIES',
} as const;

type Env = Record<string, string | undefined>;

/**
 * @param file the parsed grantflow.yaml, if there is one
 * @param at where a setting (or, with `path`, a value inside it) was written (for diagnostics);
 *   environment values are reported as `env:NAME`
 */
export function resolveSettings(
  file: SettingsFile | undefined,
  env: Env,
  at: (key: keyof SettingsFile, ...path: (string | number)[]) => Position,
): { settings: Settings; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const settings: Settings = { ...DEFAULT_SETTINGS };
  const envAt = (name: string): Position => ({ file: `env:${name}`, line: 1, col: 1 });

  const pick = <K extends keyof SettingsFile>(key: K, envName: string): { value: string | number | undefined; where: Position } => {
    const fromEnv = env[envName];
    if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, where: envAt(envName) };
    return { value: file?.[key] as string | number | undefined, where: at(key) };
  };

  const role = pick('deployer_role', SETTINGS_ENV.deployerRole);
  if (role.value !== undefined) {
    const name = String(role.value);
    if (!IAM_NAME_CHARS.test(name) || name.length > 64) {
      diagnostics.push(error(role.where, `deployer_role "${name}" is not a valid IAM role name (letters, digits, + = , . @ _ -; at most 64)`));
    } else settings.deployerRole = name;
  }

  const externalId = pick('deployer_external_id', SETTINGS_ENV.deployerExternalId);
  if (externalId.value !== undefined) settings.deployerExternalId = String(externalId.value);

  const partition = pick('partition', SETTINGS_ENV.partition);
  if (partition.value !== undefined) {
    const value = String(partition.value);
    if (value === 'aws' || value === 'aws-cn' || value === 'aws-us-gov') settings.partition = value;
    else diagnostics.push(error(partition.where, `partition "${value}" must be aws, aws-cn or aws-us-gov`));
  }

  const number = (key: keyof SettingsFile, envName: string, min: number, max: number, integer: boolean): number | undefined => {
    const { value, where } = pick(key, envName);
    if (value === undefined) return undefined;
    const parsed = typeof value === 'number' ? value : Number(value);
    if (!Number.isFinite(parsed) || parsed < min || parsed > max || (integer && !Number.isInteger(parsed))) {
      diagnostics.push(error(where, `${key} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, got ${JSON.stringify(value)}`));
      return undefined;
    }
    return parsed;
  };
  settings.maxTemporaryDays = number('max_temporary_days', SETTINGS_ENV.maxTemporaryDays, 1, 365, true) ?? settings.maxTemporaryDays;
  settings.maxManagedPoliciesPerPrincipal =
    number('max_managed_policies_per_principal', SETTINGS_ENV.maxManagedPoliciesPerPrincipal, 1, 20, true) ?? settings.maxManagedPoliciesPerPrincipal;
  settings.iamCallsPerSecond = number('iam_calls_per_second', SETTINGS_ENV.iamCallsPerSecond, 0.1, 1000, false) ?? settings.iamCallsPerSecond;

  const duration = (key: keyof SettingsFile, envName: string, minMs: number, maxMs: number): number | undefined => {
    const { value, where } = pick(key, envName);
    if (value === undefined) return undefined;
    const ms = parseDuration(String(value));
    if (ms === undefined || ms < minMs || ms > maxMs) {
      diagnostics.push(
        error(
          where,
          `${key} must be a duration such as 90s, 15m, 1h or 1d, between ${minMs / 1000}s and ${formatDuration(maxMs)}; got ${JSON.stringify(value)}`,
        ),
      );
      return undefined;
    }
    return ms;
  };
  settings.reconcileIntervalMs = duration('reconcile_interval', SETTINGS_ENV.reconcileInterval, 10_000, 7 * DAY_MS) ?? settings.reconcileIntervalMs;
  settings.revokeMaxBackoffMs = duration('revoke_max_backoff', SETTINGS_ENV.revokeMaxBackoff, 1000, DAY_MS) ?? settings.revokeMaxBackoffMs;
  settings.iamPropagationWaitMs = duration('iam_propagation_wait', SETTINGS_ENV.iamPropagationWait, 0, 60 * 60 * 1000) ?? settings.iamPropagationWaitMs;

  const strict = pick('strict_actions', SETTINGS_ENV.strictActions);
  if (strict.value !== undefined) {
    const value = String(strict.value).toLowerCase();
    if (value === 'true' || value === 'false') settings.strictActions = value === 'true';
    else diagnostics.push(error(strict.where, `strict_actions must be true or false, got ${JSON.stringify(strict.value)}`));
  }

  const copies = pick('temporary_managed_policies', SETTINGS_ENV.temporaryManagedPolicies);
  if (copies.value !== undefined) {
    const value = String(copies.value);
    if (value === 'copy' || value === 'attach') settings.temporaryManagedPolicies = value;
    else diagnostics.push(error(copies.where, `temporary_managed_policies must be copy or attach, got ${JSON.stringify(copies.value)}`));
  }

  if (file?.require_mfa !== undefined) settings.requireMfa = [...new Set(file.require_mfa)].sort();

  const boundary = file?.permissions_boundary;
  if (boundary !== undefined) {
    const byEnvironment = typeof boundary === 'string' ? undefined : boundary;
    const arns = typeof boundary === 'string' ? [['', boundary] as const] : Object.entries(boundary);
    let ok = true;
    for (const [environment, arn] of arns) {
      const parsed = parseManagedPolicyArn(arn);
      if (!parsed.ok) {
        ok = false;
        const where = environment ? at('permissions_boundary', environment) : at('permissions_boundary');
        diagnostics.push(error(where, `permissions_boundary${environment ? ` for ${environment}` : ''}: ${parsed.reason}`));
      }
    }
    if (ok) settings.permissionsBoundary = byEnvironment ? { byEnvironment: { ...byEnvironment } } : { all: boundary as string };
  }

  const queue = pick('task_queue', SETTINGS_ENV.taskQueue);
  if (queue.value !== undefined) settings.taskQueue = String(queue.value);

  return { settings, diagnostics };
}

export interface NotificationSettings {
  sinks: NotificationSink[];
  /** The Temporal Web UI's base URL, for the link in each message. */
  webUiUrl?: string;
}

/**
 * The sinks of `notifications:`, each URL taken from the environment variable it names. What needs no
 * environment is checked by `checkNotificationSinks` (as `grantflow validate` checks it); here a
 * variable that is unset is an error at the sink's line too: the worker refuses to start rather than
 * drop messages.
 */
export function resolveNotifications(
  file: SettingsFile | undefined,
  env: Env,
  at: (segments: readonly (string | number)[]) => Position,
): NotificationSettings & { diagnostics: Diagnostic[] } {
  const checked = checkNotificationSinks(file, at);
  const diagnostics: Diagnostic[] = [...checked.diagnostics];
  const sinks: NotificationSink[] = [];
  for (const { urlEnv, index, ...sink } of checked.sinks) {
    // A name the prefix rule refuses is never read: its variable may hold another secret.
    if (urlEnv === undefined) continue;
    const where = at(['notifications', index, 'url_env']);
    const url = env[urlEnv];
    if (url === undefined || url.trim() === '') {
      diagnostics.push(error(where, `notification sink "${sink.name}": $${urlEnv} is not set; set it to the webhook URL in the worker's environment`));
      continue;
    }
    if (!/^https?:\/\/[^\s]+$/.test(url.trim())) {
      diagnostics.push(error(where, `notification sink "${sink.name}": $${urlEnv} must be an http(s) URL`));
      continue;
    }
    sinks.push({ ...sink, url: url.trim() });
  }
  const webUiUrl = env.GRANTFLOW_WEB_UI_URL || file?.web_ui_url;
  return { sinks, ...(webUiUrl ? { webUiUrl } : {}), diagnostics };
}

/** The prefix every sink's `url_env` must start with: the worker reads no other variable for a sink. */
export const WEBHOOK_ENV_PREFIX = 'GRANTFLOW_WEBHOOK_';

/** A sink as far as it can be known without the environment; `urlEnv` is absent when its name is refused. */
export interface CheckedSink extends Omit<NotificationSink, 'url'> {
  /** Its place in `notifications:`, for positions. */
  index: number;
  urlEnv?: string;
}

/**
 * What `notifications:` in grantflow.yaml must get right without the environment, checked alike by
 * `grantflow validate` (through the settings it loads) and the worker (through `resolveNotifications`):
 * each name once, the lead times, and `url_env` names that start with GRANTFLOW_WEBHOOK_, so a config
 * cannot point a sink at another secret of the worker's environment (a proxy URL with credentials,
 * say) and have the worker post to it. Whether the variables are set is the worker's check alone.
 */
export function checkNotificationSinks(
  file: SettingsFile | undefined,
  at: (segments: readonly (string | number)[]) => Position,
): { sinks: CheckedSink[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const sinks: CheckedSink[] = [];
  const names = new Set<string>();
  (file?.notifications ?? []).forEach((sink, index) => {
    const where = (key?: string) => at(['notifications', index, ...(key ? [key] : [])]);
    if (names.has(sink.name)) diagnostics.push(error(where('name'), `notification sink "${sink.name}" is defined twice; give each sink its own name`));
    names.add(sink.name);
    const lead = (key: 'expiring_before' | 'revoke_stuck_after', fallback: number): number => {
      const raw = sink[key];
      if (raw === undefined) return fallback;
      const ms = parseDuration(raw);
      if (ms === undefined || ms < 1000 || ms > 7 * DAY_MS) {
        diagnostics.push(
          error(where(key), `${key} of sink "${sink.name}" must be a duration such as 30m, 1h or 1d, between 1s and 7d; got ${JSON.stringify(raw)}`),
        );
        return fallback;
      }
      return ms;
    };
    const expiringBeforeMs = lead('expiring_before', DEFAULT_EXPIRING_BEFORE_MS);
    const revokeStuckAfterMs = lead('revoke_stuck_after', DEFAULT_REVOKE_STUCK_AFTER_MS);
    const allowed = sink.url_env.startsWith(WEBHOOK_ENV_PREFIX) && sink.url_env.length > WEBHOOK_ENV_PREFIX.length;
    if (!allowed) {
      const suggestion = `${WEBHOOK_ENV_PREFIX}${sink.name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
      diagnostics.push(
        error(
          where('url_env'),
          `notification sink "${sink.name}": url_env ${sink.url_env} is refused: a sink's URL is read only from a variable whose name starts with ` +
            `${WEBHOOK_ENV_PREFIX}, so that a config cannot make the worker post to another secret of its environment; ` +
            `name the variable ${suggestion}, say, and set it to the webhook URL where the worker runs`,
        ),
      );
    }
    sinks.push({
      name: sink.name,
      index,
      ...(allowed ? { urlEnv: sink.url_env } : {}),
      format: sink.format,
      events: [...(sink.events ?? NOTIFICATION_EVENTS)],
      expiringBeforeMs,
      revokeStuckAfterMs,
    });
  });
  return { sinks, diagnostics };
}
