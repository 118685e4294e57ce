// Clean-ups and record runs. A run killed from outside (Terminate) or crashed may have left access
// in IAM: it is removed, and a record says so. A record run is a run of the grant's workflow that
// holds nothing and ends at once, written so that visibility keeps saying how the grant stands
// (src/core/ledger.ts): an early revoke kept, or lifted.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { revokeGrantAccess } from '../../aws/grant-access';
import type { Deployer } from '../../core/grant';
import type { RevokeTarget } from '../../core/grant-derived';
import { parseGrantWorkflowId } from '../../core/ids';
import { ending, type LedgerEntry } from '../../core/ledger';
import { parseCopyPolicyName } from '../../core/names';
import type { PassPlan, RecordDecision } from '../../core/reconcile-plan';
import { recordStartOptions } from '../../temporal/grant-start';
import { CONCURRENCY, eachLimited } from '../concurrency';
import type { PassContext } from '../context';
import { describeGrant } from '../read/grants';

/** The revoke target of a run, from what its memo and search attributes recorded. */
export function targetOf(entry: LedgerEntry, deployer: Deployer): RevokeTarget | undefined {
  const key = parseGrantWorkflowId(entry.id);
  if (!key || !entry.account) return undefined;
  return {
    id: entry.id,
    account: entry.account,
    environment: entry.environment,
    deployer,
    principalType: entry.memo.principalType ?? key.principalType,
    principal: entry.memo.principalName ?? key.principal,
    arns: entry.memo.attachedArns ?? [],
    ...(entry.memo.inlinePolicy ? { inlinePolicyName: entry.memo.inlinePolicy } : {}),
    ...(entry.memo.permissionSet ? { permissionSet: entry.memo.permissionSet } : {}),
    ...(entry.memo.principalId ? { principalId: entry.memo.principalId } : {}),
    // The memo lists a grant's expiring copies among what it attaches; they are deleted once detached.
    ...copyArnsOf(entry.memo.attachedArns ?? []),
  };
}

function copyArnsOf(arns: readonly string[]): { copyArns?: string[] } {
  const copies = arns.filter((arn) => parseCopyPolicyName(arn.slice(arn.lastIndexOf('/') + 1)) !== undefined);
  return copies.length ? { copyArns: copies } : {};
}

/** Removes what runs killed from outside (Terminate) or crashed left in IAM, then records it. */
export async function cleanUp(ctx: PassContext, entries: PassPlan['cleanup']): Promise<void> {
  const { deps, deployer, report } = ctx;
  if (!deployer) return;
  for (const { entry, record: cause } of entries) {
    const target = targetOf(entry, deployer);
    if (!target) continue;
    try {
      const removed = await revokeGrantAccess(deps, target);
      report.cleaned++;
      report.cleanedObjects += removed.detached.length + (removed.inline === 'deleted' ? 1 : 0);
      if (ending(entry) === 'abandoned') report.terminated.push(entry.id);
      if (cause) {
        await record(ctx, [
          {
            id: entry.id,
            kind: 'cleaned',
            cause,
            at: entry.closedAt ?? new Date().toISOString(),
            reason: `what its ${entry.status.toLowerCase()} run left in IAM was removed`,
            by: ctx.by,
            from: entry,
          },
        ]);
      }
    } catch (error) {
      report.error(`removing what ${entry.id} (${entry.status.toLowerCase()}) left: ${(error as Error).message}`);
    }
    deps.heartbeat(entry.id);
  }
}

/**
 * Writes record runs, so that visibility keeps saying how each grant stands. A record is written only
 * while no run of its grant is running: such a run is newer than what this pass read from visibility
 * (started a moment before, say), it stands for the grant now, and the next pass decides from it. A
 * record that met one is not counted; one that was to keep the grant revoked early is reported, since
 * the run that stands for the grant instead may hold access (a lifted one is moot: a running run is
 * not sticky, and another pass's record run says the same as this one).
 */
export async function record(ctx: PassContext, records: readonly RecordDecision[]): Promise<void> {
  const { report } = ctx;
  await eachLimited(
    records,
    CONCURRENCY,
    async (decision) => {
      try {
        const running = await startRecord(ctx, decision);
        if (!running) report.recorded.push(decision.id);
        else if (decision.cause === 'early' && running.memo.record === undefined)
          report.error(
            `did not record that ${decision.id} is revoked early: run ${running.runId} of it is running (${running.state ?? 'state unknown'}, ` +
              `started ${running.startedAt}), newer than this pass's read of the grants; the next pass decides from that run`,
          );
      } catch (error) {
        report.error(`recording that ${decision.id} is ${decision.cause === 'early' ? 'revoked early' : 'no longer sticky'}: ${(error as Error).message}`);
      }
    },
    () => ctx.deps.heartbeat('recording'),
  );
}

/** Starts one record run; when a run of the grant is running, nothing is written and that run is returned. */
async function startRecord(ctx: PassContext, decision: RecordDecision): Promise<LedgerEntry | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.deps.temporal.workflow.start('grantWorkflow', recordStartOptions(decision, { taskQueue: ctx.caller.taskQueue }));
      return undefined;
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      const running = await describeGrant(ctx.deps, decision.id);
      if (running?.status === 'RUNNING') return running;
      // It closed in between (another pass's record run ends at once): tried once more.
      if (attempt >= 2) throw error;
    }
  }
}
