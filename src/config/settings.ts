// Settings: defaults, then grantflow.yaml beside the team folders, then environment variables.
import { error, type Diagnostic, type Position } from '../core/diagnostics';
import { DEFAULT_SETTINGS, type Settings } from '../core/team-config';
import { DEFAULT_EXPIRING_BEFORE_MS, DEFAULT_REVOKE_STUCK_AFTER_MS, NOTIFICATION_EVENTS } from '../core/notifications';
import type { NotificationSink } from '../core/notification-sink';
import { SETTINGS, settingsEnv, type SettingDeclaration } from '../core/settings-table';
import { DAY_MS, parseDuration } from '../core/time';
import type { SettingsFile } from './schema';

/** Each setting's environment variable, by its key in grantflow.yaml (declared in src/core/settings-table.ts). */
export const SETTINGS_ENV = settingsEnv();

type Env = Record<string, string | undefined>;

/**
 * Each setting of src/core/settings-table.ts from the environment, else the file, else its default;
 * a value its declaration refuses keeps the default and is reported. (`notifications` and
 * `web_ui_url` have readers of their own, below.)
 *
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
  const settings: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const setting of SETTINGS as readonly SettingDeclaration[]) {
    if (setting.field === undefined) continue;
    const key = setting.key as keyof SettingsFile;
    const fromEnv = setting.env === undefined ? undefined : env[setting.env];
    const fromFile = fromEnv === undefined || fromEnv === '';
    const raw = fromFile ? file?.[key] : fromEnv;
    if (raw === undefined) continue;
    const parsed = setting.parse(raw);
    if (parsed.ok) settings[setting.field] = parsed.value;
    else {
      for (const problem of parsed.problems) {
        const where = fromFile ? at(key, ...(problem.path ?? [])) : { file: `env:${setting.env}`, line: 1, col: 1 };
        diagnostics.push(error(where, problem.message));
      }
    }
  }
  return { settings: settings as Settings, diagnostics };
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
