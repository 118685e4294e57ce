// The team's IAM Identity Center permission sets: made or brought in line with the YAML (and, when a
// change reaches accounts that hold them, provisioned there) before the grants that assign them
// start; deleted once no grant uses them and no account has them assigned.
import { GrantflowAwsError } from '../../aws/errors';
import type { IcTarget } from '../../aws/identity-center-calls';
import { deletePermissionSetIfUnused, ensurePermissionSet } from '../../aws/permission-sets';
import { compare } from '../../core/expand';
import type { PermissionSetSync } from '../../core/grant';
import { assignmentKey, isSsoPrincipal } from '../../core/identity-center';
import type { PassContext } from '../context';
import { sleep } from '../waiting';

const SYNC_ATTEMPTS = 5;
const SYNC_BACKOFF_MS = 1000;

/** Whether the pass has Identity Center work: grants the YAML wants there, or ones the ledger remembers. */
export function usesIdentityCenter(ctx: PassContext): boolean {
  return [...ctx.desired.values()].some((g) => isSsoPrincipal(g.principalType)) || [...ctx.ledger.values()].some((e) => e.memo.permissionSet !== undefined);
}

/** The accounts the team's config names and its grants were in: where its permission sets may be assigned. */
export function teamAccounts(ctx: PassContext): string[] {
  return [...new Set([...Object.values(ctx.config?.accounts ?? {}), ...[...ctx.ledger.values()].flatMap((e) => (e.account ? [e.account] : []))])].sort(compare);
}

/**
 * Each permission set of the team, tried a few times when a retry can help (as syncPolicies does, and
 * for the same reason: the grants that assign it would otherwise wait for the next pass).
 */
export async function syncPermissionSets(ctx: PassContext, sets: readonly PermissionSetSync[]): Promise<void> {
  const { deps, report } = ctx;
  if (sets.length === 0) return;
  const ic = deps.identityCenter;
  if (!ic) {
    report.error("the team grants to IAM Identity Center users or groups, but this worker's configuration has no identity_center");
    return;
  }
  const target: IcTarget = { clients: ic.clients };
  for (const set of sets) {
    for (let attempt = 1; ; attempt++) {
      try {
        report.policies[assignmentKey(set.name)] = (await ensurePermissionSet(target, ic.permissionSets, set)).outcome;
        break;
      } catch (error) {
        const retryable = error instanceof GrantflowAwsError ? error.retryable : true;
        if (!retryable || attempt >= SYNC_ATTEMPTS) {
          report.error(`permission set ${set.name} (policy ${set.policy}): ${(error as Error).message}`);
          break;
        }
        deps.heartbeat(`permission set ${set.name}: attempt ${attempt} failed, trying again`);
        await sleep(SYNC_BACKOFF_MS * 2 ** (attempt - 1));
      }
    }
    deps.heartbeat(set.name);
  }
}

/** Deletes the team's permission sets that no wanted grant assigns, once no account has them assigned. Returns their names. */
export async function dropUnusedPermissionSets(ctx: PassContext, wanted: ReadonlySet<string>, accounts: readonly string[]): Promise<string[]> {
  const { deps, caller, report } = ctx;
  const ic = deps.identityCenter;
  if (!ic) return [];
  const target: IcTarget = { clients: ic.clients };
  let all;
  try {
    all = await ic.permissionSets.all(target);
  } catch (error) {
    report.error(`listing the permission sets of ${ic.clients.settings.instanceArn}: ${(error as Error).message}`);
    return [];
  }
  const deleted: string[] = [];
  // Of a name two permission sets share (a create retried after its answer was lost), the one grants use is the lowest ARN.
  const used = new Map<string, string>();
  for (const info of all) if (!used.has(info.name)) used.set(info.name, info.arn);
  for (const info of all.filter((p) => p.owner?.team === caller.team)) {
    if (wanted.has(info.name) && used.get(info.name) === info.arn) continue;
    try {
      const outcome = await deletePermissionSetIfUnused(target, ic.permissionSets, info, accounts);
      if (outcome !== 'in-use') report.policies[assignmentKey(info.name)] = outcome;
      if (outcome === 'deleted') deleted.push(info.name);
    } catch (error) {
      report.error(`removing unused permission set ${info.name}: ${(error as Error).message}`);
    }
    deps.heartbeat(info.name);
  }
  return deleted;
}
