// What is live now, for `plan`: the team's grant workflows (the ledger) and the reconcile workflow's
// facts from Temporal, what IAM holds on each principal the YAML names, and each account's attach
// quotas. Reads only.
import type { Client } from '@temporalio/client';
import type { AccountClients } from './aws/accounts';
import { GrantflowAwsError, IamUnreadable } from './aws/errors';
import { sameDocument } from './core/documents';
import { readQuotas } from './aws/account-quotas';
import { listInlinePolicies } from './aws/inline-policies';
import { readInlineDocument } from './aws/inline-originals';
import { readAttachments } from './aws/managed-attachments';
import { readPolicyDocument } from './aws/managed-policies';
import { readPermissionsBoundary } from './aws/principal-calls';
import type { Expansion } from './core/expand';
import { isCustomerManagedArn, missingPolicyKey, principalKey, type LiveView } from './core/plan';
import { readLedger } from './temporal/ledger-reader';
import { iamPrincipalType, isIamPrincipal, type IamPrincipalType } from './core/ids';
import { assignmentsOf } from './aws/account-assignments';
import type { IdentityCenter } from './aws/identity-center';
import type { IcTarget } from './aws/identity-center-calls';
import { identityKey } from './aws/identities';
import { plannedPermissionSet } from './aws/permission-sets';
import type { GrantSpec } from './core/grant';
import { assignmentKey, isSsoPrincipal, ssoPrincipalKind, type SsoPrincipalType } from './core/identity-center';

/** A plan that cannot read IAM would show no drift and no changes: it stops instead (exit 3). */
function unreadable(what: string, error: unknown): IamUnreadable {
  return new IamUnreadable(
    `cannot read ${what} from IAM, so there is no plan: ${(error as Error).message}. plan needs AWS credentials that can assume the deployer role (\`grantflow doctor\` checks them)`,
  );
}

export async function readLiveView(
  client: Client,
  accounts: AccountClients,
  team: string,
  expansion: Expansion,
  warn: (message: string) => void,
): Promise<LiveView> {
  const view: LiveView = { ledger: await readLedger(client, team), iam: {} };

  // Identity Center grants hold nothing in IAM: an account they alone use needs no deployer role.
  const iamGrants = expansion.grants.filter((g) => isIamPrincipal(g.principalType));
  const accountsByGrant = new Map(iamGrants.map((g) => [g.account, g]));
  view.quotas = {};
  for (const [account, grant] of accountsByGrant) {
    try {
      const quotas = await readQuotas({
        client: accounts.iam({ account, environment: grant.environment, deployer: grant.deployer }),
        account,
        environment: grant.environment,
      });
      view.quotas[account] = { user: quotas.attachedPerUser, role: quotas.attachedPerRole };
    } catch (error) {
      // A deployer policy older than the quota check may lack GetAccountSummary: the rest of the plan still stands.
      if (!(error instanceof GrantflowAwsError && error.type === 'AccessDenied'))
        throw unreadable(`the account summary of ${grant.environment} (${account})`, error);
      warn(`could not read the managed-policy quotas of ${grant.environment} (${account}), so they are not checked: ${(error as Error).message}`);
    }
  }

  const principals = new Map<string, (typeof expansion.grants)[number] & { principalType: IamPrincipalType }>();
  const originalsOf = new Map<string, (typeof expansion.grants)[number][]>();
  for (const grant of iamGrants) {
    const key = principalKey(grant.account, grant.principalType, grant.principal);
    principals.set(key, { ...grant, principalType: iamPrincipalType(grant.principalType) });
    if (grant.inlineOriginal) originalsOf.set(key, [...(originalsOf.get(key) ?? []), grant]);
  }
  await Promise.all(
    [...principals.entries()].map(async ([key, grant]) => {
      const target = {
        client: accounts.iam({ account: grant.account, environment: grant.environment, deployer: grant.deployer }),
        account: grant.account,
        environment: grant.environment,
      };
      try {
        const attachments = await readAttachments(target, { type: grant.principalType, name: grant.principal });
        const inline = grant.principalType === 'user' ? ((await listInlinePolicies(target, grant.principal)) ?? []) : [];
        const boundary = grant.permissionsBoundary
          ? ((await readPermissionsBoundary(target, { type: grant.principalType, name: grant.principal })) ?? null)
          : undefined;
        // The inline policies imported grants name as their originals: is their access in IAM already?
        const originals = [...new Set((originalsOf.get(key) ?? []).map((g) => g.inlineOriginal!.name))];
        const inlineDocuments: Record<string, string | null> = {};
        for (const name of originals) {
          inlineDocuments[name] = (await readInlineDocument(target, { type: grant.principalType, name: grant.principal }, name)) ?? null;
        }
        view.iam[key] = {
          exists: true,
          attached: [...attachments.attached],
          inline,
          ...(boundary !== undefined ? { boundary } : {}),
          ...(originals.length > 0 ? { inlineDocuments } : {}),
        };
      } catch (error) {
        if (error instanceof GrantflowAwsError && error.type === 'PrincipalNotFound') view.iam[key] = { exists: false, attached: [], inline: [] };
        else throw unreadable(key, error);
      }
    }),
  );

  // A customer-managed ARN in managed_policies that does not exist would fail the grant at its apply.
  const missing = new Set<string>();
  const customerManaged = new Map<string, (typeof expansion.grants)[number]>();
  for (const grant of expansion.grants) {
    for (const arn of grant.managedPolicyArns) if (isCustomerManagedArn(arn)) customerManaged.set(missingPolicyKey(grant.account, arn), grant);
  }
  for (const [key, grant] of customerManaged) {
    const arn = key.slice(key.indexOf(' ') + 1);
    const target = {
      client: accounts.iam({ account: grant.account, environment: grant.environment, deployer: grant.deployer }),
      account: grant.account,
      environment: grant.environment,
    };
    try {
      if ((await readPolicyDocument(target, arn)) === undefined) missing.add(key);
    } catch (error) {
      // The deployer policy reads only grantflow's and AWS's policies; a narrower role than ours may not read others.
      if (!(error instanceof GrantflowAwsError && error.type === 'AccessDenied')) throw unreadable(`policy ${arn}`, error);
      warn(`could not confirm that ${arn} exists in ${grant.environment} (${grant.account}): ${(error as Error).message}`);
    }
  }
  view.missingPolicies = missing;

  view.policies = {};
  for (const sync of expansion.policies) {
    const grant = accountsByGrant.get(sync.account);
    if (!grant) continue;
    const target = {
      client: accounts.iam({ account: sync.account, environment: sync.environment, deployer: grant.deployer }),
      account: sync.account,
      environment: sync.environment,
    };
    try {
      const document = await readPolicyDocument(target, sync.arn);
      view.policies[sync.arn] = document === undefined ? 'create' : sameDocument(document, sync.document) ? 'unchanged' : 'update';
    } catch (error) {
      throw unreadable(`policy ${sync.arn}`, error);
    }
  }
  return view;
}

/** An Identity Center name of the YAML that the identity store does not resolve to exactly one user or group, or a permission set that is missing. */
export interface IdentityCenterProblem {
  grant: GrantSpec;
  message: string;
}

/**
 * What `plan` reads from IAM Identity Center: who each user and group of the YAML is (one listing of
 * the identity store: the answers the worker will get), the permission sets' state, and which
 * assignments each principal holds, into `view` (by principal, as IAM's holdings: `permission-set/<name>`).
 * A name that is unknown or ambiguous, or an existing permission set that is missing, is a problem.
 */
export async function readIdentityCenterView(ic: IdentityCenter, expansion: Expansion, view: LiveView): Promise<IdentityCenterProblem[]> {
  const grants = expansion.grants.filter((g) => g.permissionSet && isSsoPrincipal(g.principalType));
  if (grants.length === 0) return [];
  const target: IcTarget = { clients: ic.clients };
  const problems: IdentityCenterProblem[] = [];
  try {
    const wanted = grants.map((g) => ({ type: g.principalType as SsoPrincipalType, written: g.principal }));
    const resolved = await ic.identities.resolveAll(wanted);
    const names = new Map((await ic.permissionSets.all(target)).map((p) => [p.arn, p.name]));
    view.policies ??= {};
    for (const sync of expansion.permissionSets) {
      const planned = await plannedPermissionSet(target, ic.permissionSets, sync);
      if (planned === 'not-owned') {
        const grant = grants.find((g) => g.permissionSet?.name === sync.name)!;
        problems.push({
          grant,
          message: `permission set ${sync.name} exists in ${ic.clients.settings.instanceArn} but is not grantflow's for team ${sync.team}, policy ${sync.policy}; delete or rename it`,
        });
      } else view.policies[assignmentKey(sync.name)] = planned;
    }
    const read = new Set<string>();
    for (const grant of grants) {
      const resolution = resolved.get(identityKey(grant.principalType as SsoPrincipalType, grant.principal))!;
      if (!resolution.ok) {
        problems.push({ grant, message: resolution.message });
        continue;
      }
      if (!grant.permissionSet!.owned && !(await ic.permissionSets.byName(grant.permissionSet!.name, target))) {
        problems.push({
          grant,
          message: `permission set ${grant.permissionSet!.name} (policy ${grant.policy}) does not exist in ${ic.clients.settings.instanceArn}; create it there or fix permission_set`,
        });
      }
      const principal = `${grant.principalType}/${resolution.id}`;
      if (!read.has(principal)) {
        const assigned = await assignmentsOf(target, { principalType: ssoPrincipalKind(grant.principalType as SsoPrincipalType), principalId: resolution.id });
        for (const a of assigned) {
          const key = principalKey(a.account, grant.principalType, grant.principal);
          view.iam[key] ??= { exists: true, attached: [], inline: [] };
          view.iam[key].attached.push(assignmentKey(names.get(a.permissionSetArn) ?? a.permissionSetArn));
        }
        read.add(principal);
      }
      view.iam[principalKey(grant.account, grant.principalType, grant.principal)] ??= { exists: true, attached: [], inline: [] };
    }
  } catch (error) {
    throw new IamUnreadable(
      `cannot read IAM Identity Center (${ic.clients.settings.instanceArn}), so there is no plan: ${(error as Error).message}. plan needs AWS credentials that can assume ${ic.clients.roleArn}`,
    );
  }
  return problems;
}
