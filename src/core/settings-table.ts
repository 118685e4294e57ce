// The settings of grantflow.yaml, declared once, as the command line declares its options: each
// setting's key in the file, its field in the normalised Settings, its kind (which gives its shape in
// the file and how a value is parsed and range-checked), its default, its environment variable and
// its description in docs/CONFIGURATION.md. Made from this table: grantflow.yaml's schema (settingsFileSchema,
// src/config/schema.ts), the Settings type and DEFAULT_SETTINGS (./team-config.ts), SETTINGS_ENV and
// the resolution of file and environment (resolveSettings, src/config/settings.ts), and docs/CONFIGURATION.md's
// settings table (src/cli/reference.ts; `npm run readme` rewrites it). It is in the core, not in
// src/config, because the Settings type and its defaults are (the reconcile activity and the
// workflows' config type read them), and because nothing here reads a file: parsing a value is pure.
import { z } from 'zod';
import { IAM_NAME_CHARS, IAM_ROLE_NAME_MAX, parseManagedPolicyArn } from './names';
import { notificationSinkFileSchema } from './notification-sink';
import { DAY_MS, formatDuration, parseDuration } from './time';
import { text } from './yaml-text';

/** What is wrong with a value; `path` leads into the value (an environment of a map) when the fault is there. */
export interface SettingProblem {
  message: string;
  path?: readonly string[];
}

export type SettingParse<T> = { ok: true; value: T } | { ok: false; problems: SettingProblem[] };

const ok = <T>(value: T): SettingParse<T> => ({ ok: true, value });
const fail = (message: string): SettingParse<never> => ({ ok: false, problems: [{ message }] });

/** `a`, `a or b`, `a, b or c`. */
function orList(values: readonly string[]): string {
  return values.length < 2 ? values.join('') : `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
}

export type SettingKind =
  'text' | 'role name' | 'whole number' | 'number' | 'duration' | 'boolean' | 'one of' | 'list' | 'permissions boundary' | 'notification sinks';

/** What every setting declares. */
interface Declared {
  /** Its key in grantflow.yaml. */
  key: string;
  kind: SettingKind;
  /** Its shape in grantflow.yaml, where every setting is optional. */
  yaml: z.ZodType;
  /** The environment variable whose value, when set and not empty, wins over the file's. */
  env?: string;
  /** The settings table's environment cell, for a setting without `env`. */
  envText?: string;
  /** The settings table's default cell, for a setting without `default`: what leaving it out means (else "none"). */
  unsetMeans?: string;
  /** Its row in the settings table of docs/CONFIGURATION.md. */
  description: string;
}

/** A setting that resolveSettings resolves into its field of Settings. */
export interface ResolvedSetting<V extends z.ZodType = z.ZodType> extends Declared {
  /** Its field in the normalised Settings. */
  field: string;
  /** Its type in Settings: required when there is a default, optional (unset) when there is none. */
  value: V;
  default?: z.output<V>;
  /** The default as the settings table writes it (a duration as `1h`, not in milliseconds). */
  show?(value: z.output<V>): string;
  /** A value from the file (already of the `yaml` shape) or from `env` (a string) as Settings holds it, or what is wrong with it. */
  parse(raw: unknown): SettingParse<z.output<V>>;
}

/** A setting read by a reader of its own (the worker's notifications): the table gives its file shape and its row in the docs. */
export interface OwnReaderSetting extends Declared {
  field?: undefined;
  /** The function that reads it. */
  reader: string;
}

export type SettingDeclaration = ResolvedSetting | OwnReaderSetting;

/** What an entry gives its kind's constructor: `T` is the value's type in Settings. */
interface Options<T> {
  key: string;
  field: string;
  default?: T;
  env?: string;
  envText?: string;
  unsetMeans?: string;
  description: string;
  /** Instead of the kind's parsing: for a setting whose check or message is its own (it wins, as the entry is spread last). */
  parse?: (raw: unknown) => SettingParse<T>;
}

// The kinds. Each gives the shape in the file, the type in Settings and the parsing with its message.

/** Any non-empty string. */
function textSetting<const O extends Options<string>>(o: O) {
  return { kind: 'text' as const, yaml: text(o.key), value: z.string(), parse: (raw: unknown) => ok(String(raw)), ...o };
}

/** An IAM role name: its characters and length. */
function roleName<const O extends Options<string>>(o: O) {
  const parse = (raw: unknown): SettingParse<string> => {
    const name = String(raw);
    if (!IAM_NAME_CHARS.test(name) || name.length > IAM_ROLE_NAME_MAX) {
      return fail(`${o.key} "${name}" is not a valid IAM role name (letters, digits, + = , . @ _ -; at most ${IAM_ROLE_NAME_MAX})`);
    }
    return ok(name);
  };
  return { kind: 'role name' as const, yaml: text(o.key), value: z.string(), parse, ...o };
}

function numberParse(key: string, min: number, max: number, integer: boolean) {
  return (raw: unknown): SettingParse<number> => {
    const parsed = typeof raw === 'number' ? raw : Number(raw);
    if (!Number.isFinite(parsed) || parsed < min || parsed > max || (integer && !Number.isInteger(parsed))) {
      return fail(`${key} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    }
    return ok(parsed);
  };
}

/** A whole number from `min` to `max`. */
function wholeNumber<const O extends Options<number> & { min: number; max: number }>(o: O) {
  const yaml = z.number().int().min(o.min).max(o.max);
  return { kind: 'whole number' as const, yaml, value: z.number(), parse: numberParse(o.key, o.min, o.max, true), ...o };
}

/** A number from `min` to `max`, fractions allowed. */
function numberSetting<const O extends Options<number> & { min: number; max: number }>(o: O) {
  const yaml = z.number().min(o.min).max(o.max);
  return { kind: 'number' as const, yaml, value: z.number(), parse: numberParse(o.key, o.min, o.max, false), ...o };
}

/** A duration written `90s`, `15m`, `1h` or `1d`, from `min` to `max` milliseconds; Settings holds milliseconds. */
function duration<const O extends Options<number> & { min: number; max: number }>(o: O) {
  const parse = (raw: unknown): SettingParse<number> => {
    const ms = parseDuration(String(raw));
    if (ms === undefined || ms < o.min || ms > o.max) {
      return fail(`${o.key} must be a duration such as 90s, 15m, 1h or 1d, between ${o.min / 1000}s and ${formatDuration(o.max)}; got ${JSON.stringify(raw)}`);
    }
    return ok(ms);
  };
  return { kind: 'duration' as const, yaml: text(o.key), value: z.number(), parse, show: formatDuration, ...o };
}

/** true or false; from the environment in any letter case. */
function boolean<const O extends Options<boolean>>(o: O) {
  const parse = (raw: unknown): SettingParse<boolean> => {
    const value = String(raw).toLowerCase();
    if (value === 'true' || value === 'false') return ok(value === 'true');
    return fail(`${o.key} must be true or false, got ${JSON.stringify(raw)}`);
  };
  return { kind: 'boolean' as const, yaml: z.boolean(), value: z.boolean(), parse, ...o };
}

/** One of `values`, case-sensitive. */
function oneOf<const V extends readonly [string, ...string[]], const O extends Options<V[number]>>(values: V, o: O) {
  const parse = (raw: unknown): SettingParse<V[number]> => {
    const value = String(raw);
    return (values as readonly string[]).includes(value) ? ok(value as V[number]) : fail(`${o.key} must be ${orList(values)}, got ${JSON.stringify(raw)}`);
  };
  return { kind: 'one of' as const, values, yaml: z.enum(values), value: z.enum(values), parse, ...o };
}

/** A set of names (`of` says what they name), written as a list; Settings holds it sorted, without repeats. Not from the environment. */
function list<const O extends Options<string[]> & { of: string; env?: never }>(o: O) {
  const parse = (raw: unknown): SettingParse<string[]> => ok([...new Set(raw as string[])].sort());
  return { kind: 'list' as const, yaml: z.array(text(o.of)), value: z.array(z.string()), parse, ...o };
}

const boundaryValue = z.union([z.object({ all: z.string() }), z.object({ byEnvironment: z.record(z.string(), z.string()) })]);

/**
 * A managed policy ARN for every environment, or a map of environment to ARN: Settings holds
 * `{ all }` or `{ byEnvironment }`. A bad ARN is reported at its environment; with one, there is no
 * boundary at all. Not from the environment.
 */
function permissionsBoundary<const O extends Options<z.output<typeof boundaryValue>> & { env?: never }>(o: O) {
  const parse = (raw: unknown): SettingParse<z.output<typeof boundaryValue>> => {
    const boundary = raw as string | Record<string, string>;
    const arns = typeof boundary === 'string' ? [['', boundary] as const] : Object.entries(boundary);
    const problems = arns.flatMap(([environment, arn]): SettingProblem[] => {
      const parsed = parseManagedPolicyArn(arn);
      if (parsed.ok) return [];
      return [{ message: `${o.key}${environment ? ` for ${environment}` : ''}: ${parsed.reason}`, ...(environment ? { path: [environment] } : {}) }];
    });
    if (problems.length > 0) return { ok: false, problems };
    return ok(typeof boundary === 'string' ? { all: boundary } : { byEnvironment: { ...boundary } });
  };
  return {
    kind: 'permissions boundary' as const,
    yaml: z.union([text(o.key), z.record(z.string().min(1), text(o.key))]),
    value: boundaryValue,
    parse,
    ...o,
  };
}

/** A setting whose reader is its own: only its shape in the file and its row in the docs come from here. */
function ownReader<const O extends Omit<Declared, 'yaml'> & { reader: string }, Y extends z.ZodType>(yaml: Y, o: O) {
  return { yaml, field: undefined, ...o };
}

const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const;

/** Every setting of grantflow.yaml, in the order of the docs' settings table (which is also the order of Settings' fields). */
export const SETTINGS = [
  roleName({
    key: 'deployer_role',
    field: 'deployerRole',
    default: 'AWSSelfServeDeployer',
    env: 'GRANTFLOW_DEPLOYER_ROLE',
    description: 'role assumed in every account; a `roles:` entry naming it is an error',
  }),
  textSetting({
    key: 'deployer_external_id',
    field: 'deployerExternalId',
    env: 'GRANTFLOW_DEPLOYER_EXTERNAL_ID',
    description: '`sts:ExternalId` for that role',
  }),
  oneOf(PARTITIONS, {
    key: 'partition',
    field: 'partition',
    default: 'aws',
    env: 'GRANTFLOW_PARTITION',
    description: '`aws`, `aws-cn` or `aws-us-gov`',
    // Its message names the value first, as the messages about an ARN's partition do.
    parse: (raw: unknown): SettingParse<(typeof PARTITIONS)[number]> => {
      const value = String(raw);
      return (PARTITIONS as readonly string[]).includes(value)
        ? ok(value as (typeof PARTITIONS)[number])
        : fail(`partition "${value}" must be ${orList(PARTITIONS)}`);
    },
  }),
  wholeNumber({
    key: 'max_temporary_days',
    field: 'maxTemporaryDays',
    min: 1,
    max: 365,
    default: 6,
    env: 'GRANTFLOW_MAX_TEMPORARY_DAYS',
    description: 'longest temporary grant',
  }),
  duration({
    key: 'reconcile_interval',
    field: 'reconcileIntervalMs',
    min: 10_000,
    max: 7 * DAY_MS,
    default: 60 * 60 * 1000,
    env: 'GRANTFLOW_RECONCILE_INTERVAL',
    description: 'drift repair and sweep interval',
  }),
  textSetting({
    key: 'task_queue',
    field: 'taskQueue',
    default: 'grantflow',
    env: 'GRANTFLOW_TASK_QUEUE',
    description: 'Temporal task queue',
  }),
  wholeNumber({
    key: 'max_managed_policies_per_principal',
    field: 'maxManagedPoliciesPerPrincipal',
    min: 1,
    max: 20,
    default: 10,
    env: 'GRANTFLOW_MAX_MANAGED_POLICIES',
    description: "attach quota checked offline (AWS's default is 10)",
  }),
  numberSetting({
    key: 'iam_calls_per_second',
    field: 'iamCallsPerSecond',
    min: 0.1,
    max: 1000,
    default: 10,
    env: 'GRANTFLOW_IAM_CALLS_PER_SECOND',
    description: 'per-account IAM call rate for the deployment, divided among its workers (revokes first; see the call budget below)',
  }),
  duration({
    key: 'revoke_max_backoff',
    field: 'revokeMaxBackoffMs',
    min: 1000,
    max: DAY_MS,
    default: 60 * 1000,
    env: 'GRANTFLOW_REVOKE_MAX_BACKOFF',
    description: 'longest pause between revoke attempts',
  }),
  // No default: unset, a team's own `strict_actions` (aws-policies/<team>.yaml) decides, else false.
  boolean({
    key: 'strict_actions',
    field: 'strictActions',
    unsetMeans: 'false',
    env: 'GRANTFLOW_STRICT_ACTIONS',
    description:
      'actions and AWS managed policies unknown to the offline catalogues are errors, not warnings; a team may also set `strict_actions: true` (or `false`) at the top of its `aws-policies/<team>.yaml`, which wins for that team',
  }),
  duration({
    key: 'iam_propagation_wait',
    field: 'iamPropagationWaitMs',
    min: 0,
    max: 60 * 60 * 1000,
    default: 2 * 60 * 1000,
    env: 'GRANTFLOW_IAM_PROPAGATION_WAIT',
    description:
      'how long a user or policy IAM says does not exist is retried (IAM is eventually consistent: one created a moment ago may not be visible yet), before the grant fails with the "does not exist" message',
  }),
  oneOf(['copy', 'attach'], {
    key: 'temporary_managed_policies',
    field: 'temporaryManagedPolicies',
    unsetMeans: 'copy',
    env: 'GRANTFLOW_TEMPORARY_MANAGED_POLICIES',
    description:
      "`copy`: a temporary grant's AWS managed policies are written as expiring copies that AWS itself denies after expiry (see [Expiring copies, MFA and permission boundaries](#expiring-copies-mfa-and-permission-boundaries)); `attach`: attached as they are, ended only by the workflow",
  }),
  list({
    key: 'require_mfa',
    field: 'requireMfa',
    of: 'environment',
    description:
      'list of environments whose grants\' Allow statements all require MFA (`Bool aws:MultiFactorAuthPresent "true"`); Deny statements are written as they are, so they deny with or without MFA. An environment no team of the config folder defines is an error (a typo would leave the environment meant without MFA); one that only another team defines is fine',
  }),
  permissionsBoundary({
    key: 'permissions_boundary',
    field: 'permissionsBoundary',
    description:
      "a policy ARN every principal must carry as its permission boundary before grantflow grants to it; one ARN for every environment, or a map `{<env>: <ARN>}`; never one of grantflow's own policies (under `/grantflow/`, or named `grantflow.…` or `grantflow+copy.…`), which a team could widen by editing its own policy",
  }),
  ownReader(z.array(notificationSinkFileSchema), {
    key: 'notifications',
    kind: 'notification sinks',
    reader: 'checkNotificationSinks and resolveNotifications (src/config/settings.ts)',
    envText: "(URLs: the variable each sink's `url_env` names, which must start with `GRANTFLOW_WEBHOOK_`)",
    description:
      'webhook sinks told of grants, expiries, revokes, failures and refusals; checked by `validate`, read by the worker (see [Notifications](#notifications))',
  }),
  ownReader(text('web_ui_url'), {
    key: 'web_ui_url',
    kind: 'text',
    reader: 'resolveNotifications (src/config/settings.ts)',
    env: 'GRANTFLOW_WEB_UI_URL',
    description: "the Temporal Web UI's base URL, for the link in each notification",
  }),
] as const satisfies readonly SettingDeclaration[];

type Entry = (typeof SETTINGS)[number];

/** The zod shape of the normalised Settings: a field per resolved setting, optional when it has no default. */
export type SettingsShape = {
  -readonly [E in Entry as E extends { field: infer F extends string } ? F : never]: E extends { value: infer V extends z.ZodType }
    ? E extends { default: unknown }
      ? V
      : z.ZodOptional<V>
    : never;
};

/** The zod shape of grantflow.yaml: every key optional. */
export type SettingsFileShape = { -readonly [E in Entry as E['key']]: z.ZodOptional<E['yaml']> };

/** The defaults, by field: every field of Settings that is not optional has one. */
export type SettingsDefaults = {
  -readonly [E in Entry as E extends { field: infer F extends string; default: unknown } ? F : never]: E extends { default: infer D } ? D : never;
};

/** Each environment variable, by the key of its setting in grantflow.yaml. */
export type SettingsEnv = { readonly [E in Entry as E extends { env: string } ? E['key'] : never]: E extends { env: infer N } ? N : never };

const resolved = (): ResolvedSetting[] => SETTINGS.filter((setting): setting is Extract<Entry, { field: string }> => setting.field !== undefined);

export function settingsShape(): SettingsShape {
  return Object.fromEntries(resolved().map((setting) => [setting.field, 'default' in setting ? setting.value : setting.value.optional()])) as SettingsShape;
}

export function settingsFileShape(): SettingsFileShape {
  return Object.fromEntries(SETTINGS.map((setting) => [setting.key, setting.yaml.optional()])) as unknown as SettingsFileShape;
}

export function settingsDefaults(): SettingsDefaults {
  return Object.fromEntries(resolved().flatMap((setting) => ('default' in setting ? [[setting.field, setting.default]] : []))) as SettingsDefaults;
}

export function settingsEnv(): SettingsEnv {
  return Object.fromEntries(SETTINGS.flatMap((setting) => ('env' in setting ? [[setting.key, setting.env]] : []))) as SettingsEnv;
}
