// IAM Identity Center grants, checked offline: the names of users and groups, a policy that names an
// existing permission set (assigned as it is, to Identity Center principals only), and the limits of
// a permission set grantflow owns (its managed policies and inline policy become a role in every
// account it is assigned in). What only the identity store can say (is the user there, is the name
// ambiguous) is `plan`'s to check.
import { error, warning, type Diagnostic } from '../diagnostics';
import { LIMITS, policySize } from '../documents';
import { ssoNameProblem, type SsoPrincipalType } from '../identity-center';
import { boundaryFor, mfaRequired } from '../managed-copies';
import { checkPermissionSetName, PERMISSION_SET_PREFIX } from '../names';
import { isCustomerManagedArn } from '../plan';
import type { Rule, RuleContext } from './context';

/** Identity Center's quota of managed policies per permission set. */
export const PERMISSION_SET_MANAGED_MAX = 20;

export const SSO_NAME = 'sso-name';
export const PERMISSION_SET_TO_IAM = 'permission-set-to-iam';
export const SSO_UNCONDITIONED = 'sso-unconditioned';

export const identityCenterRules: Rule = (context) => [
  ...principalNames(context),
  ...permissionSetPolicies(context),
  ...ownedLimits(context),
  ...unconditioned(context),
];

function principalNames({ config, locate }: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const check = (type: SsoPrincipalType, written: string, at: Parameters<typeof locate>) => {
    const problem = ssoNameProblem(type, written);
    if (problem) out.push(error(locate(...at), problem, SSO_NAME));
  };
  config.permanent.forEach((entry, fallback) => {
    const index = entry.source.index ?? fallback;
    (entry.ssoUsers ?? []).forEach((user, i) => check('sso-user', user, ['permanent-access', ['permanent-access', index, 'sso_users', i]]));
    (entry.ssoGroups ?? []).forEach((group, i) => check('sso-group', group, ['permanent-access', ['permanent-access', index, 'sso_groups', i]]));
  });
  config.temporary.forEach((entry, fallback) => {
    const index = entry.source.index ?? fallback;
    if (entry.ssoUser !== undefined) check('sso-user', entry.ssoUser, ['temporary-access', ['temporary-access', index, 'sso_user']]);
    if (entry.ssoGroup !== undefined) check('sso-group', entry.ssoGroup, ['temporary-access', ['temporary-access', index, 'sso_group']]);
  });
  return out;
}

/** A policy naming an existing permission set holds nothing else, names a real one, and goes to Identity Center principals only. */
function permissionSetPolicies({ config, locate }: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [name, policy] of Object.entries(config.policies)) {
    if (policy.permissionSet === undefined) continue;
    const at = locate('aws-policies', ['aws-policies', name, 'permission_set']);
    if (policy.managedPolicyArns.length > 0 || policy.statements.length > 0) {
      out.push(
        error(
          at,
          `policy "${name}" names permission set ${policy.permissionSet}, which is assigned as it is; it cannot also take managed_policies or custom_statements. ` +
            'Remove them, or remove permission_set to have grantflow make a permission set of them',
        ),
      );
    }
    const checked = checkPermissionSetName(policy.permissionSet);
    if (!checked.ok) out.push(error(at, checked.reason));
    else if (policy.permissionSet.toLowerCase().startsWith(PERMISSION_SET_PREFIX)) {
      out.push(
        error(
          at,
          `permission set "${policy.permissionSet}" is named as grantflow names its own (${PERMISSION_SET_PREFIX}…); grant the policy that makes it instead, in its team's YAML`,
        ),
      );
    }
  }
  const toIam = (policy: string, at: Parameters<typeof locate>, who: string) => {
    const permissionSet = Object.hasOwn(config.policies, policy) ? config.policies[policy]!.permissionSet : undefined;
    if (permissionSet === undefined) return;
    out.push(
      error(
        locate(...at),
        `policy "${policy}" is the IAM Identity Center permission set ${permissionSet}, which only Identity Center users and groups can be assigned, not ${who}; ` +
          'grant it to sso_users or sso_groups, or grant an IAM policy to IAM principals',
        PERMISSION_SET_TO_IAM,
      ),
    );
  };
  config.permanent.forEach((entry, fallback) => {
    const index = entry.source.index ?? fallback;
    if (entry.users.length === 0 && entry.roles.length === 0) return;
    const who = entry.users.length > 0 ? `IAM user ${entry.users[0]!.written}` : `IAM role ${entry.roles[0]}`;
    entry.grants.forEach((grant, i) => toIam(grant, ['permanent-access', ['permanent-access', index, 'grants', i]], who));
  });
  config.temporary.forEach((entry, fallback) => {
    const index = entry.source.index ?? fallback;
    if (entry.user) toIam(entry.grant, ['temporary-access', ['temporary-access', index, 'grant']], `IAM user ${entry.user.written}`);
  });
  return out;
}

/**
 * A permission set grantflow owns takes AWS managed policies (a customer-managed one would have to
 * exist by name in every account it reaches), at most Identity Center's quota and the accounts' quota
 * of managed policies per role, and an inline policy the provisioned role can hold.
 */
function ownedLimits({ config, expansion, locate }: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const quota = Math.min(PERMISSION_SET_MANAGED_MAX, config.settings.maxManagedPoliciesPerPrincipal);
  for (const sync of expansion.permissionSets) {
    const policy = config.policies[sync.policy]!;
    const at = (key: string) => locate('aws-policies', ['aws-policies', sync.policy, key]);
    policy.managedPolicyArns.forEach((arn, i) => {
      if (!isCustomerManagedArn(arn)) return;
      out.push(
        error(
          locate('aws-policies', ['aws-policies', sync.policy, 'managed_policies', i]),
          `policy "${sync.policy}" is granted to IAM Identity Center principals, so it becomes permission set ${sync.name}, which takes AWS managed policies only; ` +
            `${arn} is customer-managed. Write its statements as custom_statements`,
        ),
      );
    });
    if (policy.managedPolicyArns.length > quota) {
      out.push(
        error(
          at('managed_policies'),
          `policy "${sync.policy}" becomes permission set ${sync.name} with ${policy.managedPolicyArns.length} managed policies; ` +
            `at most ${quota} fit (Identity Center allows ${PERMISSION_SET_MANAGED_MAX}, and each account's role quota, max_managed_policies_per_principal, is ${config.settings.maxManagedPoliciesPerPrincipal})`,
        ),
      );
    }
    const size = sync.inlinePolicy ? policySize(sync.inlinePolicy) : 0;
    if (size > LIMITS.roleInlineChars) {
      out.push(
        error(
          at('custom_statements'),
          `policy "${sync.policy}" becomes permission set ${sync.name} whose inline policy is ${size.toLocaleString('en-US')} characters; ` +
            `the role it becomes in each account holds at most ${LIMITS.roleInlineChars.toLocaleString('en-US')}. Shorten the statements or use managed policies`,
        ),
      );
    }
  }
  return out;
}

/** require_mfa and permissions_boundary are IAM's: an Identity Center grant carries neither, and says so where it is written. */
function unconditioned({ config, expansion, locate }: RuleContext): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const grant of expansion.grants) {
    if (!grant.permissionSet) continue;
    const mfa = mfaRequired(config.settings, grant.environment);
    const boundary = boundaryFor(config.settings, grant.environment);
    const key = `${grant.source.file}:${grant.source.line}/${grant.environment}`;
    if ((!mfa && !boundary) || seen.has(key)) continue;
    seen.add(key);
    const kind = grant.kind === 'permanent' ? 'permanent-access' : 'temporary-access';
    const what = [mfa ? 'require_mfa' : '', boundary ? 'permissions_boundary' : ''].filter(Boolean).join(' and ');
    out.push(
      warning(
        locate(kind, [kind, grant.source.index ?? 0]),
        `environment ${grant.environment} sets ${what}, which IAM Identity Center grants do not carry: MFA is Identity Center's sign-in setting, ` +
          `and the permission set ${grant.permissionSet.name} is the whole of what the assignment grants`,
        SSO_UNCONDITIONED,
      ),
    );
  }
  return out;
}
