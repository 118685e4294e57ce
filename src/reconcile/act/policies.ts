// The team's customer-managed policies: written (created, or a new default version) before the grants
// that attach them start, and deleted once no grant uses them and nothing has them attached.
import { GrantflowAwsError } from '../../aws/errors';
import { deletePolicyIfUnused, ensureManagedPolicy, listTeamPolicies } from '../../aws/managed-policies';
import { compare } from '../../core/expand';
import type { PolicySync } from '../../core/grant';
import { parseCopyPolicyName } from '../../core/names';
import type { PassContext } from '../context';
import { dropUnusedPermissionSets, teamAccounts, usesIdentityCenter } from './permission-sets';
import { sleep } from '../waiting';

/** Tries of a customer-managed policy's sync in one pass, the waits between them doubling from the backoff (1+2+4+8 s). */
const POLICY_SYNC_ATTEMPTS = 5;
const POLICY_SYNC_BACKOFF_MS = 1000;

/**
 * The team's customer-managed policies, account by account; one that fails does not stop the others,
 * and none stops the pass. That is why a failure a retry can fix (throttling, a 5xx, a lost
 * connection, after the SDK's own quick retries) is tried again here rather than by the activity's
 * retries, which a pass that did not fail never gets: the grants that need the policy would
 * otherwise wait for the next pass, an interval away.
 */
export async function syncPolicies(ctx: PassContext, policies: readonly PolicySync[]): Promise<void> {
  const { deps, deployer, report } = ctx;
  for (const policy of policies) {
    for (let attempt = 1; ; attempt++) {
      try {
        const target = deps.accounts.target({ account: policy.account, environment: policy.environment, deployer: deployer! });
        report.policies[policy.arn] = await ensureManagedPolicy(target, policy);
        break;
      } catch (error) {
        const retryable = error instanceof GrantflowAwsError ? error.retryable : true;
        if (!retryable || attempt >= POLICY_SYNC_ATTEMPTS) {
          report.error(`policy ${policy.arn} in ${policy.environment} (${policy.account}): ${(error as Error).message}`);
          break;
        }
        deps.heartbeat(`${policy.arn}: attempt ${attempt} failed, trying again`);
        await sleep(POLICY_SYNC_BACKOFF_MS * 2 ** (attempt - 1));
      }
    }
    deps.heartbeat(policy.arn);
  }
}

/**
 * Deletes the team's customer-managed policies no grant uses any more (earlier names included), once
 * nothing has them attached. An expiring copy is kept while a grant the YAML wants may still use it;
 * any other copy nothing has attached goes (one an abandoned apply wrote after its grant's revoke,
 * say), and every copy past its expiry does. Returns the ARNs deleted.
 */
export async function dropUnusedPolicies(ctx: PassContext, wanted: ReadonlySet<string>, wantedCopies: ReadonlySet<string> = new Set()): Promise<string[]> {
  const { deps, config, deployer, report } = ctx;
  if (!config || !deployer) return [];
  const deleted: string[] = [];
  for (const [environment, account] of Object.entries(config.accounts).sort(([a], [b]) => compare(a, b))) {
    const target = deps.accounts.target({ account, environment, deployer });
    let owned;
    try {
      owned = await listTeamPolicies(target, config.team);
    } catch (error) {
      report.error(`listing the team's policies in ${environment} (${account}): ${(error as Error).message}`);
      continue;
    }
    for (const policy of owned) {
      if (wanted.has(policy.arn)) continue;
      const copy = parseCopyPolicyName(policy.name);
      if (copy && wantedCopies.has(policy.arn) && Date.parse(copy.expiresAt) > Date.now()) continue;
      try {
        const outcome = await deletePolicyIfUnused(target, policy.arn, config.team);
        // A policy still attached somewhere (its grants are being revoked) is tried again next pass.
        if (outcome !== 'in-use') report.policies[policy.arn] = outcome;
        if (outcome === 'deleted') deleted.push(policy.arn);
      } catch (error) {
        report.error(`removing unused policy ${policy.arn} in ${environment} (${account}): ${(error as Error).message}`);
      }
      deps.heartbeat(policy.arn);
    }
  }
  return deleted;
}

/** Deletes every policy of a retired team that nothing has attached, and reports the others. */
export async function dropRetiredPolicies(ctx: PassContext): Promise<void> {
  const deleted = await dropUnusedPolicies(ctx, new Set());
  if (usesIdentityCenter(ctx)) deleted.push(...(await dropUnusedPermissionSets(ctx, new Set(), teamAccounts(ctx))));
  ctx.report.cleanedObjects += deleted.length;
  for (const [arn, outcome] of Object.entries(ctx.report.policies)) {
    if (outcome !== 'deleted' && outcome !== 'absent') ctx.report.error(`policy ${arn} of the retired team: ${outcome}`);
  }
}
