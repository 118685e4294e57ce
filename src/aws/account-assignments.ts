// Account assignments: a permission set, for a user or group of the identity store, in an account.
// Creating or deleting one answers a request IN_PROGRESS; it is followed until its status says it
// SUCCEEDED or FAILED (request-status.ts). A creation holds one of the instance's slots for creations
// in flight meanwhile. Reads go by principal (ListAccountAssignmentsForPrincipal, filtered to the
// account): small answers, whatever the size of the organisation.
import {
  CreateAccountAssignmentCommand,
  DeleteAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  DescribeAccountAssignmentDeletionStatusCommand,
  ListAccountAssignmentsForPrincipalCommand,
} from '@aws-sdk/client-sso-admin';
import { GrantflowAwsError } from './errors';
import { allPages, ssoAdmin, ssoAdminOrAbsent, type IcTarget } from './identity-center-calls';
import { followStatus } from './request-status';

export interface Assignment {
  account: string;
  permissionSetArn: string;
  principalType: 'USER' | 'GROUP';
  principalId: string;
}

/** A label for messages: `permission set X for user Y in account Z`. */
export interface AssignmentLabel {
  permissionSet: string;
  principal: string;
}

function describeAssignment(a: Assignment, label: AssignmentLabel): string {
  return `permission set ${label.permissionSet} for ${a.principalType === 'USER' ? 'user' : 'group'} ${label.principal} in account ${a.account}`;
}

/** The permission sets assigned to a principal, in one account or (without `account`) in every one. */
export async function assignmentsOf(
  target: IcTarget,
  principal: { principalType: 'USER' | 'GROUP'; principalId: string },
  account?: string,
): Promise<{ account: string; permissionSetArn: string }[]> {
  const InstanceArn = target.clients.settings.instanceArn;
  return allPages(async (NextToken) => {
    const page = await ssoAdmin(
      target,
      new ListAccountAssignmentsForPrincipalCommand({
        InstanceArn,
        PrincipalId: principal.principalId,
        PrincipalType: principal.principalType,
        ...(account ? { Filter: { AccountId: account } } : {}),
        MaxResults: 100,
        ...(NextToken ? { NextToken } : {}),
      }),
      `the assignments of ${principal.principalType.toLowerCase()} ${principal.principalId}`,
    );
    return {
      items: (page.AccountAssignments ?? []).flatMap((a) =>
        a.AccountId && a.PermissionSetArn && (!account || a.AccountId === account) ? [{ account: a.AccountId, permissionSetArn: a.PermissionSetArn }] : [],
      ),
      next: page.NextToken,
    };
  });
}

export async function hasAssignment(target: IcTarget, a: Assignment): Promise<boolean> {
  return (await assignmentsOf(target, a, a.account)).some((found) => found.permissionSetArn === a.permissionSetArn);
}

/**
 * Creates the assignment and follows it until it is done, holding a slot of the instance's creations
 * in flight meanwhile. FAILED is final: its reason goes to the grant. A conflicting request still in
 * progress (the same assignment being deleted) is a retryable error.
 */
export async function createAssignment(target: IcTarget, a: Assignment, label: AssignmentLabel): Promise<void> {
  const InstanceArn = target.clients.settings.instanceArn;
  const what = describeAssignment(a, label);
  const done = await target.clients.creations.run(async () => {
    const answer = await ssoAdmin(
      target,
      new CreateAccountAssignmentCommand({
        InstanceArn,
        TargetId: a.account,
        TargetType: 'AWS_ACCOUNT',
        PermissionSetArn: a.permissionSetArn,
        PrincipalType: a.principalType,
        PrincipalId: a.principalId,
      }),
      what,
    );
    return followStatus(
      answer.AccountAssignmentCreationStatus,
      async (requestId) =>
        (
          await ssoAdmin(
            target,
            new DescribeAccountAssignmentCreationStatusCommand({ InstanceArn, AccountAssignmentCreationRequestId: requestId }),
            `the creation of ${what}`,
          )
        ).AccountAssignmentCreationStatus,
      { what: `the assignment of ${what}`, ...(target.signal ? { signal: target.signal } : {}) },
    );
  }, target.signal);
  if (done.Status === 'FAILED') {
    throw new GrantflowAwsError(
      'AssignmentFailed',
      `IAM Identity Center could not assign ${what}: ${done.FailureReason ?? 'it gave no reason'} (request ${done.RequestId ?? 'unknown'})`,
      false,
    );
  }
}

/**
 * Deletes the assignment and follows it until it is done. An assignment already gone is `absent`
 * (read first: a deletion of one that is not there is no answer to wait for); a deletion that FAILED
 * is a retryable error, so the revoke tries again for as long as it fails.
 */
export async function deleteAssignment(target: IcTarget, a: Assignment, label: AssignmentLabel): Promise<'deleted' | 'absent'> {
  const InstanceArn = target.clients.settings.instanceArn;
  const what = describeAssignment(a, label);
  if (!(await hasAssignment(target, a))) return 'absent';
  const answer = await ssoAdminOrAbsent(
    target,
    new DeleteAccountAssignmentCommand({
      InstanceArn,
      TargetId: a.account,
      TargetType: 'AWS_ACCOUNT',
      PermissionSetArn: a.permissionSetArn,
      PrincipalType: a.principalType,
      PrincipalId: a.principalId,
    }),
    what,
  );
  if (!answer) return 'absent';
  const done = await followStatus(
    answer.AccountAssignmentDeletionStatus,
    async (requestId) =>
      (
        await ssoAdmin(
          target,
          new DescribeAccountAssignmentDeletionStatusCommand({ InstanceArn, AccountAssignmentDeletionRequestId: requestId }),
          `the deletion of ${what}`,
        )
      ).AccountAssignmentDeletionStatus,
    { what: `the deletion of ${what}`, ...(target.signal ? { signal: target.signal } : {}) },
  );
  if (done.Status === 'FAILED') {
    throw new GrantflowAwsError(
      'IdentityCenterUnavailable',
      `IAM Identity Center could not delete ${what}: ${done.FailureReason ?? 'it gave no reason'}; the revoke tries again`,
      true,
    );
  }
  return 'deleted';
}
