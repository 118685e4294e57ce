// IAM Identity Center in the pure core: its principals (users and groups of the identity store, under
// keys of their own so that `users` and `roles` stay IAM's), the key under which a grant records the
// assignment it holds (what holders and sweeps compare, as IAM grants compare policy ARNs), and the
// worker's settings for its instance, which no submission chooses.

export const SSO_PRINCIPAL_TYPES = ['sso-user', 'sso-group'] as const;
export type SsoPrincipalType = (typeof SSO_PRINCIPAL_TYPES)[number];

export function isSsoPrincipal(type: string): type is SsoPrincipalType {
  return type === 'sso-user' || type === 'sso-group';
}

/** How the identity store and the account assignment API name the principal type. */
export function ssoPrincipalKind(type: SsoPrincipalType): 'USER' | 'GROUP' {
  return type === 'sso-user' ? 'USER' : 'GROUP';
}

const ASSIGNMENT_PREFIX = 'permission-set/';

/**
 * What an Identity Center grant holds on its principal in its account: the assignment of one
 * permission set, recorded as `permission-set/<name>` where IAM grants record policy ARNs, so that
 * "who else holds it" and the sweeps read both alike.
 */
export function assignmentKey(permissionSet: string): string {
  return `${ASSIGNMENT_PREFIX}${permissionSet}`;
}

export function permissionSetOfKey(key: string): string | undefined {
  return key.startsWith(ASSIGNMENT_PREFIX) ? key.slice(ASSIGNMENT_PREFIX.length) : undefined;
}

/** The worker's IAM Identity Center instance and how grantflow reaches it (its configuration file's `identity_center`). */
export interface IdentityCenterSettings {
  instanceArn: string;
  identityStoreId: string;
  /** The instance's region: Identity Center lives in one. */
  region: string;
  /** The account grantflow calls Identity Center from: the organisation's management account or its delegated administrator. */
  account: string;
  /** The role grantflow assumes there. */
  roleName: string;
  externalId?: string;
  /** How long a session of grantflow's permission sets lasts (ISO 8601, PT1H to PT12H): how long access outlives a revoke. */
  sessionDuration: string;
  /** The organisation's management account: no assignment there unless `allowManagementAccount`. */
  managementAccount?: string;
  allowManagementAccount: boolean;
  /** The instance's call budget for the whole deployment (every worker spends its share). */
  callsPerSecond: number;
  /** Account assignment creations in flight at once for the whole deployment. */
  maxCreationsInFlight: number;
}

export const IDENTITY_CENTER_DEFAULTS = { sessionDuration: 'PT1H', callsPerSecond: 20, maxCreationsInFlight: 10 } as const;

/** The partition of the instance ARN (`arn:aws:sso:::instance/ssoins-…`). */
export function instancePartition(instanceArn: string): string {
  return /^arn:([^:]+):/.exec(instanceArn)?.[1] ?? 'aws';
}

/** A session duration in ISO 8601 (`PT1H`, `PT1H30M`) as milliseconds, within Identity Center's 1 to 12 hours; undefined otherwise. */
export function sessionDurationMs(iso: string): number | undefined {
  const match = /^PT(?:(\d+)H)?(?:(\d+)M)?$/.exec(iso);
  if (!match || (match[1] === undefined && match[2] === undefined)) return undefined;
  const ms = (Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0)) * 60_000;
  return ms >= 3_600_000 && ms <= 12 * 3_600_000 ? ms : undefined;
}

/** Milliseconds as an ISO 8601 duration of hours and minutes (`PT1H30M`). */
export function isoDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return `PT${hours ? `${hours}H` : ''}${rest || !hours ? `${rest}M` : ''}`;
}

/**
 * Each worker's share of the instance's creations in flight: the limit divided among the workers,
 * at least one each (so with more workers than the limit, the instance may see one each).
 */
export function creationsInFlightShare(limit: number, workers: number): number {
  return Math.max(1, Math.floor(limit / Math.max(1, workers)));
}

/** Why a name written for an Identity Center user or group cannot be granted by grantflow, if it cannot. */
export function ssoNameProblem(type: SsoPrincipalType, written: string): string | undefined {
  const what = type === 'sso-user' ? 'sso_user' : 'sso_group';
  if (written.includes('/')) return `${what} "${written}" holds a /, which grantflow's workflow ids use as a separator; rename it in the identity store`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(written)) return `${what} "${written}" holds a control character`;
  const max = type === 'sso-user' ? 128 : 1024;
  if (written.length > max) return `${what} "${written.slice(0, 20)}…" is ${written.length} characters; the identity store allows at most ${max}`;
  return undefined;
}
