// The permission-boundary check: a submission is refused, before anything changes, while a principal
// it grants to lacks the permission boundary the team's settings require.
import { GrantflowAwsError } from '../../aws/errors';
import { readPermissionsBoundary } from '../../aws/principal-calls';
import type { GrantSpec } from '../../core/grant';
import { iamPrincipalType } from '../../core/ids';
import { boundaryProblem } from '../../core/managed-copies';
import type { PassDeps } from '../context';
import { PassFailure } from '../failures';

/** Refuses the submission, listing each principal that lacks its boundary and the fix. */
export async function refuseUnbounded(deps: Pick<PassDeps, 'accounts' | 'heartbeat'>, grants: readonly GrantSpec[]): Promise<void> {
  const principals = new Map<string, GrantSpec>();
  for (const grant of grants)
    if (grant.permissionsBoundary) principals.set(`${grant.account}/${grant.principalType}/${grant.principal}/${grant.permissionsBoundary}`, grant);
  const problems: string[] = [];
  for (const grant of principals.values()) {
    try {
      const boundary = await readPermissionsBoundary(deps.accounts.target(grant), { type: iamPrincipalType(grant.principalType), name: grant.principal });
      const problem = boundaryProblem(grant, boundary);
      if (problem) problems.push(problem);
    } catch (error) {
      // A principal that does not exist yet is the grant's to report (it retries while IAM propagates).
      if (!(error instanceof GrantflowAwsError && error.type === 'PrincipalNotFound')) throw error;
    }
    deps.heartbeat('checking permission boundaries');
  }
  if (problems.length > 0) throw new PassFailure(`refused, nothing changed: ${problems.join('; ')}`, 'PermissionsBoundaryMissing');
}
