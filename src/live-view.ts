// What is live now, for `plan`: the team's grant workflows (the ledger) and the reconcile workflow's
// facts from Temporal, what IAM holds on each principal the YAML names, and each account's attach
// quotas. Reads only.
import type { Client } from '@temporalio/client';
import type { AccountClients } from './aws/accounts';
import { GrantflowAwsError } from './aws/errors';
import { listInlinePolicies, readAttachments, readPermissionsBoundary, readQuotas } from './aws/iam';
import type { Expansion } from './core/expand';
import { principalKey, type LiveView } from './core/plan';
import { readLedger } from './temporal/ledger-reader';

export async function readLiveView(
  client: Client,
  accounts: AccountClients,
  team: string,
  expansion: Expansion,
  warn: (message: string) => void,
): Promise<LiveView> {
  const view: LiveView = { ledger: await readLedger(client, team), iam: {} };

  const accountsByGrant = new Map(expansion.grants.map((g) => [g.account, g]));
  view.quotas = {};
  for (const [account, grant] of accountsByGrant) {
    try {
      const quotas = await readQuotas({ client: accounts.iam({ account, environment: grant.environment, deployer: grant.deployer }), account, environment: grant.environment });
      view.quotas[account] = { user: quotas.attachedPerUser, role: quotas.attachedPerRole };
    } catch (error) {
      if (error instanceof GrantflowAwsError && error.type === 'IamUnavailable') throw error;
      warn(`could not read the managed-policy quotas of ${grant.environment} (${account}), so they are not checked: ${(error as Error).message}`);
    }
  }

  const principals = new Map<string, (typeof expansion.grants)[number]>();
  for (const grant of expansion.grants) principals.set(principalKey(grant.account, grant.principalType, grant.principal), grant);
  await Promise.all(
    [...principals.entries()].map(async ([key, grant]) => {
      const target = { client: accounts.iam({ account: grant.account, environment: grant.environment, deployer: grant.deployer }), account: grant.account, environment: grant.environment };
      try {
        const attachments = await readAttachments(target, { type: grant.principalType, name: grant.principal });
        const inline = grant.principalType === 'user' ? ((await listInlinePolicies(target, grant.principal)) ?? []) : [];
        const boundary = grant.permissionsBoundary ? ((await readPermissionsBoundary(target, { type: grant.principalType, name: grant.principal })) ?? null) : undefined;
        view.iam[key] = { exists: true, attached: [...attachments.attached], inline, ...(boundary !== undefined ? { boundary } : {}) };
      } catch (error) {
        if (error instanceof GrantflowAwsError && error.type === 'PrincipalNotFound') view.iam[key] = { exists: false, attached: [], inline: [] };
        else if (error instanceof GrantflowAwsError && error.type === 'IamUnavailable') throw error;
        else warn(`could not read ${key} from IAM, so its drift is not shown: ${(error as Error).message}`);
      }
    }),
  );
  return view;
}
