// Expiring copies of managed policies (temporary grants): the managed policy's default version in
// the account, each statement with the grant's conditions, written as one of the team's grantflow
// policies (managed-policies.ts) and tagged so that the sweep knows what it copies and when it expires.
import { LIMITS, policySize, renderExpiringCopy } from '../core/documents';
import type { ExpiringCopy } from '../core/grant';
import { COPY_TAGS } from '../core/names';
import { GrantflowAwsError } from './errors';
import type { Target } from './iam-calls';
import { ensureManagedPolicy, readDefaultDocument, type PolicyOutcome } from './managed-policies';

export type CopyOutcome = PolicyOutcome | 'too-large';

export interface CopyRequest {
  team: string;
  grantId: string;
  environment: string;
  policy: string;
  copy: ExpiringCopy;
  expiresAt: string;
  mfa: boolean;
}

/**
 * Writes the copy of the managed policy's default version in this account, each statement with the
 * grant's conditions, as one of the team's grantflow policies (tagged with the grant, the source and
 * the expiry, which the sweep reads). When the account's version has grown past what a copy may
 * hold, nothing is written: the caller attaches the original instead.
 */
export async function ensureExpiringCopy(target: Target, request: CopyRequest): Promise<{ outcome: CopyOutcome; size: number }> {
  const source = await readDefaultDocument(target, request.copy.sourceArn);
  let document: string;
  try {
    document = renderExpiringCopy(source, { expiresAt: request.expiresAt, mfa: request.mfa });
  } catch (error) {
    throw new GrantflowAwsError(
      'MalformedPolicy',
      `the default version of ${request.copy.sourceArn} in account ${target.account} cannot be copied: ${(error as Error).message}; set temporary_managed_policies: attach`,
      false,
    );
  }
  const size = policySize(document);
  if (size > LIMITS.managedPolicyChars) return { outcome: 'too-large', size };
  const outcome = await ensureManagedPolicy(
    target,
    {
      account: target.account,
      environment: request.environment,
      team: request.team,
      policy: request.policy,
      name: request.copy.name,
      arn: request.copy.arn,
      document,
      description: `grantflow: expiring copy of ${request.copy.sourceArn} for ${request.grantId}, denied by AWS from ${request.expiresAt}`,
    },
    [
      { Key: COPY_TAGS.copyOf, Value: request.copy.sourceArn.slice(0, 256) },
      { Key: COPY_TAGS.grant, Value: request.grantId.slice(0, 256) },
      { Key: COPY_TAGS.expires, Value: request.expiresAt },
    ],
  );
  return { outcome, size };
}
