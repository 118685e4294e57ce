// Retirement: every grant of the team is revoked, what killed runs left is removed, early
// revocations are lifted (a team submitted again starts afresh), and once the grants have finished
// revoking the team's policies are deleted. What could not be removed yet is reported; the
// reconcile workflow tries again, and `grantflow cleanup` finds it through the scope returned.
import { compare } from '../../core/expand';
import { ending } from '../../core/ledger';
import { SUMMARY_LIST_CAP, type RetireResult } from '../../../workflows/messages';
import type { PassContext } from '../context';
import { Capped } from '../report';
import { waitForClose } from '../waiting';
import { assignmentKey } from '../../core/identity-center';
import { dropUnusedPermissionSets, teamAccounts, usesIdentityCenter } from './permission-sets';
import { dropUnusedPolicies } from './policies';
import { cleanUp, record } from './records';
import { revoke } from './signal';

/** How long retiring waits for the team's grants to finish revoking before deleting its policies. */
const RETIRE_WAIT_MS = 5 * 60_000;
const RETIRE_POLL_MS = 500;

/** Revokes every grant of the team, waits for them to finish, then deletes the team's policies. */
export async function retire(ctx: PassContext, why: string | undefined): Promise<RetireResult> {
  const { ledger, report } = ctx;
  const live = [...ledger.values()]
    .filter((e) => ending(e) === 'live' || ending(e) === 'ending')
    .map((e) => e.id)
    .sort(compare);
  const reason = `team retired: ${why ?? 'no reason given'}`;
  const revoked = await revoke(
    ctx,
    live.map((id) => ({ id, cause: 'retired' as const, reason })),
  );
  await cleanUp(
    ctx,
    [...ledger.values()].filter((e) => ['abandoned', 'crashed'].includes(ending(e))).map((entry) => ({ entry, record: 'lifted' as const })),
  );
  // A team submitted again after its retirement starts afresh: an early revoke (Cancel, revoke) is
  // lifted like a Terminate's, so both kinds of stickiness end the same way through a retirement.
  await record(
    ctx,
    [...ledger.values()]
      .filter((e) => ending(e) === 'early')
      .map((entry) => ({
        id: entry.id,
        kind: 'lifted' as const,
        cause: 'lifted' as const,
        at: new Date().toISOString(),
        reason: 'the team was retired',
        by: ctx.by,
        from: entry,
      })),
  );
  const { open: remaining } = await waitForClose(ctx.deps, live, {
    withinMs: RETIRE_WAIT_MS,
    everyMs: RETIRE_POLL_MS,
    what: (open) => `waiting for ${open} grants to finish revoking`,
  });
  const deleted = remaining.length === 0 ? await dropUnusedPolicies(ctx, new Set()) : [];
  if (remaining.length === 0 && usesIdentityCenter(ctx))
    deleted.push(...(await dropUnusedPermissionSets(ctx, new Set(), teamAccounts(ctx))).map(assignmentKey));
  const left = new Capped<string>();
  left.push(...remaining.map((id) => `${id} is still revoking`));
  for (const [arn, outcome] of Object.entries(report.policies)) if (outcome !== 'deleted' && outcome !== 'absent') left.push(`policy ${arn}: ${outcome}`);
  left.push(...report.errors.items);
  const revokedList = new Capped<string>();
  revokedList.push(...revoked);
  return {
    revoked: revokedList.items,
    policiesDeleted: deleted.slice(0, SUMMARY_LIST_CAP),
    remaining: left.items,
    counts: { revoked: revoked.length, policiesDeleted: deleted.length, remaining: left.count },
    ...(ctx.config && ctx.deployer ? { scope: { accounts: { ...ctx.config.accounts }, deployer: ctx.deployer } } : {}),
  };
}
