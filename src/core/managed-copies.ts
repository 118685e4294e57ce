// Which managed policies of a temporary grant are written as expiring copies (AWS then denies them
// at expiry, whatever else happens) and which are attached as they are (only the workflow's revoke
// ends them). Pure: decided offline from the settings and the bundled table of AWS managed policies,
// so `validate` and `plan` say the same as the grant does later.
import { findAwsManagedPolicy } from './aws-managed-policies';
import { copyOverheadPerStatement, LIMITS, type GrantConditions } from './documents';
import type { PrincipalType } from './ids';

export type TemporaryManagedPolicies = 'copy' | 'attach';

export type ManagedPart = { arn: string; mode: 'copy'; estimatedSize: number } | { arn: string; mode: 'attach'; reason: string };

/**
 * Copy when the setting says so, the policy is an AWS managed policy the table knows, and the copy
 * (its size plus, per statement, the largest condition block the grant can add) fits IAM's 6,144
 * characters; otherwise attach as is, with the reason. The table counts statements, not Allow
 * statements, so a Deny (which takes no condition) is counted as if it grew: still an upper bound.
 * Customer-managed policies are attached as they are: their size is unknown offline, and their
 * owners may change them at any time.
 */
export function decideManagedParts(arns: readonly string[], options: { mode: TemporaryManagedPolicies; conditions: GrantConditions }): ManagedPart[] {
  return arns.map((arn): ManagedPart => {
    if (options.mode === 'attach') return { arn, mode: 'attach', reason: 'temporary_managed_policies is attach' };
    const known = findAwsManagedPolicy(arn);
    if (!known) return { arn, mode: 'attach', reason: 'not an AWS managed policy of known size, so no copy is made' };
    const estimatedSize = known.size + known.statements * copyOverheadPerStatement(options.conditions);
    if (estimatedSize > LIMITS.managedPolicyChars) {
      return { arn, mode: 'attach', reason: `a copy would be up to ${estimatedSize} characters, over IAM's ${LIMITS.managedPolicyChars}` };
    }
    return { arn, mode: 'copy', estimatedSize };
  });
}

/** Whether the settings require MFA for grants in this environment. */
export function mfaRequired(settings: { requireMfa?: readonly string[] | undefined }, environment: string): boolean {
  return settings.requireMfa?.includes(environment) ?? false;
}

/** The permission boundary principals in this environment must carry, if any. */
export function boundaryFor(
  settings: { permissionsBoundary?: { all: string } | { byEnvironment: Record<string, string> } | undefined },
  environment: string,
): string | undefined {
  const boundary = settings.permissionsBoundary;
  if (!boundary) return undefined;
  if ('all' in boundary) return boundary.all;
  return Object.hasOwn(boundary.byEnvironment, environment) ? boundary.byEnvironment[environment] : undefined;
}

/** Every boundary ARN the settings name, for the deployer policy's condition. */
export function boundaryArns(settings: { permissionsBoundary?: { all: string } | { byEnvironment: Record<string, string> } | undefined }): string[] {
  const boundary = settings.permissionsBoundary;
  if (!boundary) return [];
  return 'all' in boundary ? [boundary.all] : [...new Set(Object.values(boundary.byEnvironment))].sort();
}

/**
 * Why a principal may not be granted to under a required boundary, naming the principal and the
 * fix; undefined when it carries the boundary. `actual` is the boundary IAM reports (undefined: none).
 */
export function boundaryProblem(
  grant: { principalType: PrincipalType; principal: string; environment: string; account: string; permissionsBoundary?: string | undefined },
  actual: string | undefined,
): string | undefined {
  const required = grant.permissionsBoundary;
  if (!required || actual === required) return undefined;
  const put =
    grant.principalType === 'user'
      ? `aws iam put-user-permissions-boundary --user-name ${grant.principal}`
      : `aws iam put-role-permissions-boundary --role-name ${grant.principal}`;
  return (
    `${grant.principalType} ${grant.principal} in ${grant.environment} (${grant.account}) ${actual ? `has permission boundary ${actual}` : 'has no permission boundary'}, ` +
    `but permissions_boundary requires ${required}; grantflow grants nothing to it until it carries that boundary: ` +
    `\`${put} --permissions-boundary ${required}\` (or change permissions_boundary in grantflow.yaml)`
  );
}
