// The account's IAM quotas that bound a grant (for `plan` and `doctor`).
import { GetAccountSummaryCommand } from '@aws-sdk/client-iam';
import { call, request, type Target } from './iam-calls';

export interface AccountQuotas {
  attachedPerUser: number;
  attachedPerRole: number;
}

export async function readQuotas(target: Target): Promise<AccountQuotas> {
  const summary = await call(target, request('GetAccountSummary', new GetAccountSummaryCommand({})));
  const map = summary.SummaryMap ?? {};
  return { attachedPerUser: map.AttachedPoliciesPerUserQuota ?? 10, attachedPerRole: map.AttachedPoliciesPerRoleQuota ?? 10 };
}
