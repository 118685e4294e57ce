// Workflow ids. They are deterministic, so submitting the same YAML twice finds the grants already
// running instead of starting new ones. The principal is in IAM's case-insensitive form: `Bob` and
// `bob` are one IAM user, so they are one grant.
import { canonicalPrincipal } from './names';

export type GrantKind = 'permanent' | 'temporary';
/** An IAM user or role, or an IAM Identity Center user or group. */
export type PrincipalType = 'user' | 'role' | 'sso-user' | 'sso-group';
/** The principals IAM itself holds. */
export type IamPrincipalType = 'user' | 'role';

/** Whether the principal is IAM's (a user or role), not IAM Identity Center's. */
export function isIamPrincipal(type: PrincipalType): type is IamPrincipalType {
  return type === 'user' || type === 'role';
}

/** The IAM principal type of a grant that reaches IAM's code; an Identity Center grant never does. */
export function iamPrincipalType(type: PrincipalType): IamPrincipalType {
  if (isIamPrincipal(type)) return type;
  throw new Error(`an IAM Identity Center ${type} has no IAM principal; its grant goes through Identity Center`);
}
const PRINCIPAL_TYPES: readonly string[] = ['user', 'role', 'sso-user', 'sso-group'];

export interface GrantKey {
  team: string;
  kind: GrantKind;
  account: string;
  principalType: PrincipalType;
  principal: string;
  policy: string;
  /** Temporary grants only: a new expiry is a new grant. */
  expiresAt?: string;
}

const PREFIX = 'grantflow';

/** `grantflow/<team>/<account>/<user|role|sso-user|sso-group>/<principal>/<policy>[/until/<expiry>]` */
export function grantWorkflowId(key: GrantKey): string {
  const base = `${PREFIX}/${key.team}/${key.account}/${key.principalType}/${canonicalPrincipal(key.principal)}/${key.policy}`;
  return key.kind === 'temporary' ? `${base}/until/${key.expiresAt}` : base;
}

/** Parses what `grantWorkflowId` wrote (principal names hold no `/`, so the split is unambiguous). */
export function parseGrantWorkflowId(id: string): GrantKey | undefined {
  const parts = id.split('/');
  if (parts[0] !== PREFIX || (parts.length !== 6 && parts.length !== 8)) return undefined;
  const [, team, account, principalType, principal, policy, until, expiresAt] = parts;
  if (!PRINCIPAL_TYPES.includes(principalType!)) return undefined;
  if (parts.length === 8 && until !== 'until') return undefined;
  return {
    team: team!,
    kind: parts.length === 8 ? 'temporary' : 'permanent',
    account: account!,
    principalType: principalType as PrincipalType,
    principal: principal!,
    policy: policy!,
    ...(parts.length === 8 ? { expiresAt: expiresAt! } : {}),
  };
}

/** One reconcile workflow per team. */
export function reconcileWorkflowId(team: string): string {
  return `${PREFIX}-reconcile/${team}`;
}

/** One submission workflow per distinct config a team submitted: it holds that config for the reconcile. */
export function submissionWorkflowId(team: string, digest: string): string {
  return `${PREFIX}-submission/${team}/${digest}`;
}

/**
 * The identity of a grant apart from its expiry and the case of its principal: two ids of the same
 * kind with the same key stand for the same access, so a new one replaces the old one (new first, then the old revoked).
 */
export function replacementKey(id: string): string | undefined {
  const key = parseGrantWorkflowId(id);
  if (!key) return undefined;
  return `${key.kind}/${key.team}/${key.account}/${key.principalType}/${canonicalPrincipal(key.principal)}/${key.policy}`;
}

/** One workflow per break-glass request: `grantflow-request/<team>/<nonce>`, the nonce made at random by whoever asks. */
export function requestWorkflowId(team: string, nonce: string): string {
  return `${PREFIX}-request/${team}/${nonce}`;
}

export function parseRequestWorkflowId(id: string): { team: string; nonce: string } | undefined {
  const match = /^grantflow-request\/([A-Za-z0-9_-]{1,64})\/([a-z0-9]{6,32})$/.exec(id);
  return match ? { team: match[1]!, nonce: match[2]! } : undefined;
}
