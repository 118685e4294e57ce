// The checks `grantflow doctor` runs, one function each; each reports what it found through `report`.
import type { Client } from '@temporalio/client';
import { AccountClients } from '../aws/accounts';
import { readQuotas } from '../aws/account-quotas';
import { IdentityCenterClients } from '../aws/identity-center-client';
import { countPermissionSets, listInstances, PERMISSION_SETS_QUOTA } from '../aws/identity-center-instance';
import type { IdentityCenterSettings } from '../core/identity-center';
import { loadTeam } from '../config/load';
import { deployerFor } from '../core/grant-derived';
import type { Settings } from '../core/team-config';
import { DAY_MS, formatDuration } from '../core/time';
import { missingSearchAttributes, namespaceRetentionMs } from '../temporal/namespace-setup';
import { troubledSinks } from '../temporal/notification-status';
import { recentRefusals } from '../temporal/refusals';
import { isInsecureIdentity, taskQueuePollers } from '../temporal/worker-share';

export type Outcome = 'ok' | 'FAIL' | 'warn';
export type Report = (check: string, outcome: Outcome, detail: string) => void;

/** The namespace keeps closed runs longer than the longest grant plus a day: early revocations are remembered. */
export async function checkRetention(client: Client, namespace: string, settings: Settings, report: Report): Promise<void> {
  const needMs = (settings.maxTemporaryDays + 1) * DAY_MS;
  const retention = await namespaceRetentionMs(client, namespace);
  if (retention === undefined || retention <= needMs) {
    report(
      'retention',
      'FAIL',
      `namespace ${namespace} keeps closed workflows ${retention === undefined ? 'for an unknown time' : formatDuration(retention)}; ` +
        `grantflow needs more than ${formatDuration(needMs)} (max_temporary_days + 1 day) so early revocations are remembered. ` +
        `Fix: temporal operator namespace update --namespace ${namespace} --retention ${settings.maxTemporaryDays + 2}d`,
    );
  } else report('retention', 'ok', `${formatDuration(retention)} (needs more than ${formatDuration(needMs)})`);
}

export async function checkSearchAttributes(client: Client, namespace: string, report: Report): Promise<void> {
  try {
    const missing = await missingSearchAttributes(client, namespace);
    if (missing.length)
      report(
        'search attributes',
        'FAIL',
        `missing ${missing.join(', ')}; start \`grantflow worker\` (it registers them) or add them with the temporal CLI / tcld`,
      );
    else report('search attributes', 'ok', 'all registered');
  } catch (error) {
    report('search attributes', 'warn', `could not list them: ${(error as Error).message}`);
  }
}

/** A worker polls the task queue, and none accepts unsigned submissions. */
export async function checkWorkers(client: Client, namespace: string, settings: Settings, report: Report): Promise<void> {
  try {
    const pollers = await taskQueuePollers(client, namespace, settings.taskQueue);
    const identities = [...new Set(pollers.map((p) => p.identity))];
    if (identities.length === 0) report('worker', 'warn', `no worker polls task queue "${settings.taskQueue}"; run \`grantflow worker\``);
    else report('worker', 'ok', `${identities.length} worker(s) on task queue "${settings.taskQueue}"`);
    const insecure = identities.filter(isInsecureIdentity);
    if (insecure.length > 0) {
      report(
        'trust',
        'FAIL',
        `${insecure.length} worker(s) accept UNSIGNED submissions (${insecure.join(', ')}): anyone who can start a workflow in namespace ${namespace} can grant any access; ` +
          "restart them without --insecure-accept-unsigned (and GRANTFLOW_INSECURE_ACCEPT_UNSIGNED), trusting CI's key",
      );
    } else if (identities.length > 0) report('trust', 'ok', 'every worker polling the task queue applies signed submissions only');
  } catch (error) {
    report('worker', 'warn', `could not describe task queue "${settings.taskQueue}": ${(error as Error).message}`);
  }
}

/** What was refused for lack of a verified submission within `sinceMs`. */
export async function checkRefusals(client: Client, sinceMs: number, report: Report): Promise<void> {
  try {
    const since = new Date(Date.now() - sinceMs);
    const refused = await recentRefusals(client, since);
    if (refused.submissions.length + refused.grants.length === 0) report('refusals', 'ok', `nothing refused since ${since.toISOString()}`);
    for (const r of refused.submissions) report(`refused submission of ${r.team}`, 'warn', `${r.at}: ${r.reason}`);
    for (const r of refused.grants) report(`refused grant ${r.id}`, 'warn', `${r.at}: ${r.reason} (a grant workflow started outside a submission)`);
  } catch (error) {
    report('refusals', 'warn', `could not list refusals: ${(error as Error).message}`);
  }
}

/** No notification sink has messages retrying for longer than `stuckAfterMs`, or given up. */
export async function checkNotifications(client: Client, stuckAfterMs: number, report: Report): Promise<void> {
  try {
    const troubled = await troubledSinks(client, new Date(Date.now() - stuckAfterMs));
    if (troubled.length === 0) report('notifications', 'ok', `no message retrying for more than ${formatDuration(stuckAfterMs)}, none given up`);
    for (const t of troubled) {
      const parts = [
        ...(t.retrying ? [`${t.retrying} message(s) still retrying after more than ${formatDuration(stuckAfterMs)} (oldest since ${t.oldestSince})`] : []),
        ...(t.gaveUp ? [`${t.gaveUp} message(s) given up`] : []),
        ...(t.lastError ? [`last error: ${t.lastError}`] : []),
      ];
      report(`notification sink ${t.sink}`, 'warn', `${parts.join('; ')}. Check the receiver behind the sink's url_env; grants and revokes do not wait for it`);
    }
  } catch (error) {
    report('notifications', 'warn', `could not list notification deliveries: ${(error as Error).message}`);
  }
}

/** The deployer role can be assumed in every account of the teams, and its quotas read. */
export async function checkAccounts(
  options: { dir: string; teams: readonly string[]; settings: Settings; env: Record<string, string | undefined> },
  report: Report,
): Promise<void> {
  const { dir, settings } = options;
  const accounts = new AccountClients({ iamCallsPerSecond: settings.iamCallsPerSecond });
  try {
    const seen = new Set<string>();
    for (const team of options.teams) {
      const loaded = loadTeam(dir, team, options.env);
      if (!loaded.loaded) {
        report(`team ${team}`, 'FAIL', `config does not load; run \`grantflow validate ${team}\``);
        continue;
      }
      for (const [environment, account] of Object.entries(loaded.loaded.config.accounts)) {
        if (seen.has(account)) continue;
        seen.add(account);
        const ref = { account, environment, deployer: deployerFor(settings) };
        try {
          const quotas = await readQuotas({ client: accounts.iam(ref), account, environment });
          const quota = Math.min(quotas.attachedPerUser, quotas.attachedPerRole);
          if (settings.maxManagedPoliciesPerPrincipal > quota) {
            report(
              `account ${environment} (${account})`,
              'FAIL',
              `max_managed_policies_per_principal is ${settings.maxManagedPoliciesPerPrincipal}, but the account's quota is ${quotas.attachedPerUser} per user and ${quotas.attachedPerRole} per role, so validate would pass grants IAM refuses; lower the setting to ${quota}`,
            );
          } else {
            report(
              `account ${environment} (${account})`,
              'ok',
              `assumed ${settings.deployerRole}; managed policies per user ${quotas.attachedPerUser}, per role ${quotas.attachedPerRole}`,
            );
          }
        } catch (error) {
          report(`account ${environment} (${account})`, 'FAIL', (error as Error).message);
        }
      }
    }
  } finally {
    accounts.destroy();
  }
}

/**
 * The worker's IAM Identity Center instance: reachable through its role, with the configured identity
 * store; the management account named and right (assignments there are refused unless allowed); its
 * permission sets within Identity Center's quota.
 */
export async function checkIdentityCenter(settings: IdentityCenterSettings, report: Report): Promise<void> {
  const clients = new IdentityCenterClients(settings);
  const target = { clients };
  try {
    const instances = await listInstances(target);
    const found = instances.find((i) => i.instanceArn === settings.instanceArn);
    if (!found) {
      report(
        'identity center',
        'FAIL',
        `instance ${settings.instanceArn} is not among those ${clients.roleArn} sees in ${settings.region} (${instances.map((i) => i.instanceArn).join(', ') || 'none'}); fix identity_center.instance_arn or region`,
      );
      return;
    }
    if (found.identityStoreId && found.identityStoreId !== settings.identityStoreId) {
      report(
        'identity center',
        'FAIL',
        `instance ${settings.instanceArn} uses identity store ${found.identityStoreId}, not ${settings.identityStoreId}; fix identity_center.identity_store_id`,
      );
      return;
    }
    report(
      'identity center',
      'ok',
      `instance ${settings.instanceArn} (${settings.region}) reachable as ${clients.roleArn}, identity store ${settings.identityStoreId}`,
    );
    const owner = found.ownerAccount;
    if (!settings.managementAccount) {
      report(
        'management account',
        'warn',
        `identity_center.management_account is not set; the instance belongs to ${owner ?? 'an unknown account'}: set management_account: "${owner ?? '<id>'}" so that no team assigns permission sets there unless allow_management_account says so`,
      );
    } else if (owner && owner !== settings.managementAccount) {
      report('management account', 'FAIL', `identity_center.management_account is ${settings.managementAccount}, but the instance belongs to ${owner}; fix it`);
    } else {
      report(
        'management account',
        'ok',
        `${settings.managementAccount}: ${settings.allowManagementAccount ? 'assignments there are allowed (allow_management_account)' : 'no team may assign permission sets there'}`,
      );
    }
    const count = await countPermissionSets(target);
    const outcome = count >= PERMISSION_SETS_QUOTA * 0.9 ? 'warn' : 'ok';
    report(
      'permission sets',
      outcome,
      `${count} of Identity Center's quota of ${PERMISSION_SETS_QUOTA} per instance${outcome === 'warn' ? '; grantflow makes one per team and policy granted there: raise the quota or remove unused ones' : ''}`,
    );
  } catch (error) {
    report('identity center', 'FAIL', (error as Error).message);
  } finally {
    clients.destroy();
  }
}
