// Workflow ids. They are deterministic, so submitting the same YAML twice finds the grants already
// running instead of starting new ones.

export type GrantKind = 'permanent' | 'temporary';
export type PrincipalType = 'user' | 'role';

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

/** `grantflow/<team>/<account>/<user|role>/<principal>/<policy>[/until/<expiry>]` */
export function grantWorkflowId(key: GrantKey): string {
  const base = `${PREFIX}/${key.team}/${key.account}/${key.principalType}/${key.principal}/${key.policy}`;
  return key.kind === 'temporary' ? `${base}/until/${key.expiresAt}` : base;
}

/** Parses what `grantWorkflowId` wrote (IAM names hold no `/`, so the split is unambiguous). */
export function parseGrantWorkflowId(id: string): GrantKey | undefined {
  const parts = id.split('/');
  if (parts[0] !== PREFIX || (parts.length !== 6 && parts.length !== 8)) return undefined;
  const [, team, account, principalType, principal, policy, until, expiresAt] = parts;
  if (principalType !== 'user' && principalType !== 'role') return undefined;
  if (parts.length === 8 && until !== 'until') return undefined;
  return {
    team: team!,
    kind: parts.length === 8 ? 'temporary' : 'permanent',
    account: account!,
    principalType,
    principal: principal!,
    policy: policy!,
    ...(parts.length === 8 ? { expiresAt: expiresAt! } : {}),
  };
}

/** One reconcile workflow per team. */
export function reconcileWorkflowId(team: string): string {
  return `${PREFIX}-reconcile/${team}`;
}
