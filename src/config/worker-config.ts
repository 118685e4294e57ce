// The worker's own configuration file (`grantflow worker --worker-config FILE`): whom the worker trusts
// to submit, and the guardrails no submission can lower. It belongs to whoever runs the worker, never
// to the repository of team YAML that submitters control. `validate` and `plan` read the same file so
// that a pull request learns what the worker will refuse.
import fs from 'node:fs';
import { z } from 'zod';
import { error, type Diagnostic, type Position } from '../core/diagnostics';
import type { Guardrails } from '../core/guardrails';
import { IDENTITY_CENTER_DEFAULTS, isoDuration, sessionDurationMs, type IdentityCenterSettings } from '../core/identity-center';
import { parseManagedPolicyArn } from '../core/names';
import { formatDuration, parseDuration } from '../core/time';
import { parseYaml } from './yaml-source';
import { zodIssuesToDiagnostics } from './zod-diagnostics';

const accountId = z.string().regex(/^\d{12}$/, 'an AWS account id is exactly 12 digits, written in quotes, e.g. "123456789012"');
const text = z.string().trim().min(1);

export const workerConfigFileSchema = z.strictObject({
  /** Keys whose signatures the worker accepts, each with the name refusals and the reconcile state show. */
  trusted_submitters: z
    .array(z.strictObject({ name: text.regex(/^[A-Za-z0-9_.@-]+$/, 'name may hold letters, digits and _ . @ -'), public_key: text }))
    .optional(),
  /** How recent a signature must be when its submission arrives. */
  submission_max_age: text.optional(),
  guardrails: z
    .strictObject({
      max_temporary_days: z.number().int().min(1).max(365).optional(),
      require_mfa: z.array(text).optional(),
      permissions_boundary: z.union([text, z.record(text, text)]).optional(),
      temporary_managed_policies: z.literal('copy').optional(),
      deployer_role: text.optional(),
      deployer_external_id: text.optional(),
      team_accounts: z.record(text, z.array(accountId)).optional(),
    })
    .optional(),
  /** The IAM Identity Center instance the worker assigns permission sets in, and how it reaches it. */
  identity_center: z
    .strictObject({
      instance_arn: text.regex(
        /^arn:[a-z-]+:sso:::instance\/(sso)?ins-[a-zA-Z0-9.-]{16}$/,
        'an instance ARN, such as arn:aws:sso:::instance/ssoins-1234567890abcdef',
      ),
      identity_store_id: text.regex(
        /^(d-[0-9a-z]{10}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/,
        'an identity store id, such as d-1234567890',
      ),
      region: text.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'a region, such as us-east-1'),
      account: accountId,
      role: text.regex(/^[\w+=,.@-]{1,64}$/, 'an IAM role name').optional(),
      external_id: text.optional(),
      session_duration: text.optional(),
      management_account: accountId.optional(),
      allow_management_account: z.boolean().optional(),
      calls_per_second: z.number().positive().max(1000).optional(),
      max_creations_in_flight: z.number().int().min(1).max(100).optional(),
    })
    .optional(),
});

export type WorkerConfigFile = z.infer<typeof workerConfigFileSchema>;

export interface WorkerConfig {
  /** Public keys as written, for the caller to parse (src/trust), each with where it is written. */
  trustedSubmitters: { name: string; publicKey: string; at: Position }[];
  submissionMaxAgeMs?: number;
  guardrails: Partial<Guardrails>;
  /** Where the worker grants IAM Identity Center access (absent: it grants none). */
  identityCenter?: IdentityCenterSettings;
}

const MAX_AGE_RANGE_MS = [60_000, 7 * 24 * 60 * 60 * 1000] as const;

/** Reads the worker's configuration file; diagnostics carry file:line:col like every other config error. */
export function loadWorkerConfig(file: string): { config: WorkerConfig; diagnostics: Diagnostic[] } {
  const empty: WorkerConfig = { trustedSubmitters: [], guardrails: {} };
  let textRead: string;
  try {
    textRead = fs.readFileSync(file, 'utf8');
  } catch (cause) {
    return { config: empty, diagnostics: [error({ file, line: 1, col: 1 }, `cannot read the worker configuration: ${(cause as Error).message}`)] };
  }
  const parsed = parseYaml(file, textRead);
  if (parsed.diagnostics.length > 0) return { config: empty, diagnostics: parsed.diagnostics };
  const result = workerConfigFileSchema.safeParse(parsed.source.data ?? {});
  if (!result.success) return { config: empty, diagnostics: zodIssuesToDiagnostics(result.error.issues, parsed.source, workerConfigFileSchema) };
  const data = result.data;
  const at = (...segments: (string | number)[]): Position => parsed.source.locate(segments);
  const diagnostics: Diagnostic[] = [];

  const names = new Set<string>();
  const trustedSubmitters = (data.trusted_submitters ?? []).map((entry, index) => {
    if (names.has(entry.name))
      diagnostics.push(error(at('trusted_submitters', index, 'name'), `trusted submitter "${entry.name}" is listed twice; give each key its own name`));
    names.add(entry.name);
    return { name: entry.name, publicKey: entry.public_key, at: at('trusted_submitters', index, 'public_key') };
  });

  let submissionMaxAgeMs: number | undefined;
  if (data.submission_max_age !== undefined) {
    const ms = parseDuration(data.submission_max_age);
    if (ms === undefined || ms < MAX_AGE_RANGE_MS[0] || ms > MAX_AGE_RANGE_MS[1]) {
      diagnostics.push(
        error(
          at('submission_max_age'),
          `submission_max_age must be a duration between ${formatDuration(MAX_AGE_RANGE_MS[0])} and ${formatDuration(MAX_AGE_RANGE_MS[1])}, such as 1h; got ${JSON.stringify(data.submission_max_age)}`,
        ),
      );
    } else submissionMaxAgeMs = ms;
  }

  const g = data.guardrails ?? {};
  const guardrails: Partial<Guardrails> = {};
  if (g.max_temporary_days !== undefined) guardrails.maxTemporaryDays = g.max_temporary_days;
  if (g.require_mfa !== undefined) guardrails.requireMfa = [...new Set(g.require_mfa)].sort();
  if (g.permissions_boundary !== undefined) {
    const entries = typeof g.permissions_boundary === 'string' ? [['', g.permissions_boundary] as const] : Object.entries(g.permissions_boundary);
    const bad = entries.flatMap(([scope, arn]) => {
      const arnParsed = parseManagedPolicyArn(arn);
      return arnParsed.ok
        ? []
        : [
            error(
              at('guardrails', 'permissions_boundary', ...(scope ? [scope] : [])),
              `permissions_boundary${scope ? ` for ${scope}` : ''}: ${arnParsed.reason}`,
            ),
          ];
    });
    diagnostics.push(...bad);
    if (bad.length === 0) {
      guardrails.permissionsBoundary =
        typeof g.permissions_boundary === 'string' ? { all: g.permissions_boundary } : { byScope: { ...g.permissions_boundary } };
    }
  }
  if (g.temporary_managed_policies !== undefined) guardrails.temporaryManagedPolicies = g.temporary_managed_policies;
  if (g.deployer_role !== undefined) guardrails.deployerRole = g.deployer_role;
  if (g.deployer_external_id !== undefined) guardrails.deployerExternalId = g.deployer_external_id;
  if (g.team_accounts !== undefined)
    guardrails.teamAccounts = Object.fromEntries(Object.entries(g.team_accounts).map(([team, ids]) => [team, [...new Set(ids)].sort()]));
  const identityCenter = data.identity_center ? identityCenterSettings(data.identity_center, guardrails, at, diagnostics) : undefined;
  if (identityCenter) {
    guardrails.identityCenter = {
      allowManagementAccount: identityCenter.allowManagementAccount,
      ...(identityCenter.managementAccount ? { managementAccount: identityCenter.managementAccount } : {}),
    };
  }
  return {
    config: {
      trustedSubmitters,
      ...(submissionMaxAgeMs !== undefined ? { submissionMaxAgeMs } : {}),
      guardrails,
      ...(identityCenter ? { identityCenter } : {}),
    },
    diagnostics,
  };
}

/** The instance's settings, defaults filled in: the role is the deployer role's name unless given, the session an hour. */
function identityCenterSettings(
  ic: NonNullable<WorkerConfigFile['identity_center']>,
  guardrails: Partial<Guardrails>,
  at: (...segments: (string | number)[]) => Position,
  diagnostics: Diagnostic[],
): IdentityCenterSettings | undefined {
  let sessionDuration: string = IDENTITY_CENTER_DEFAULTS.sessionDuration;
  if (ic.session_duration !== undefined) {
    // `1h` as the other durations of grantflow are written, or ISO 8601 (`PT1H`) as Identity Center writes it.
    const ms = sessionDurationMs(ic.session_duration) ?? parseDuration(ic.session_duration);
    if (ms === undefined || sessionDurationMs(isoDuration(ms)) === undefined) {
      diagnostics.push(
        error(
          at('identity_center', 'session_duration'),
          `identity_center.session_duration must be from 1h to 12h (such as 1h, 90m or PT1H30M), got ${JSON.stringify(ic.session_duration)}: ` +
            'it is how long a session lasts after a revoke',
        ),
      );
      return undefined;
    }
    sessionDuration = isoDuration(ms);
  }
  return {
    instanceArn: ic.instance_arn,
    identityStoreId: ic.identity_store_id,
    region: ic.region,
    account: ic.account,
    roleName: ic.role ?? guardrails.deployerRole ?? 'AWSSelfServeDeployer',
    ...(ic.external_id !== undefined ? { externalId: ic.external_id } : {}),
    sessionDuration,
    ...(ic.management_account !== undefined ? { managementAccount: ic.management_account } : {}),
    allowManagementAccount: ic.allow_management_account ?? false,
    callsPerSecond: ic.calls_per_second ?? IDENTITY_CENTER_DEFAULTS.callsPerSecond,
    maxCreationsInFlight: ic.max_creations_in_flight ?? IDENTITY_CENTER_DEFAULTS.maxCreationsInFlight,
  };
}
