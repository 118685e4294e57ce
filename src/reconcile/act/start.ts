// Starting grant workflows. Each is started with the config the pass applies as its source (the grant
// derives what it applies from the team's newest verified config, never from its start), the
// revision the workflow asked with, and the moment the start was decided.
import { compare } from '../../core/expand';
import type { GrantSpec } from '../../core/grant';
import { grantStartOptions } from '../../temporal/grant-start';
import { CONCURRENCY, eachLimited } from '../concurrency';
import type { PassContext } from '../context';

/** Starts grant workflows (an id already running is left as it is); `replacing`: those that tell the reconcile when active. Returns the ids started. */
export async function startGrants(ctx: PassContext, grants: readonly GrantSpec[], replacing: ReadonlySet<string>): Promise<string[]> {
  const started: string[] = [];
  await eachLimited(
    grants,
    CONCURRENCY,
    async (spec) => {
      try {
        await ctx.deps.temporal.workflow.start(
          'grantWorkflow',
          grantStartOptions(spec, {
            taskQueue: ctx.caller.taskQueue,
            reconcileWorkflowId: ctx.caller.reconcileWorkflowId,
            ...(ctx.revision ? { revision: ctx.revision } : {}),
            ...(ctx.source ? { source: ctx.source } : {}),
            notifyActive: replacing.has(spec.id),
            decidedAt: ctx.decidedAt,
          }),
        );
        started.push(spec.id);
      } catch (error) {
        ctx.report.error(`starting ${spec.id}: ${(error as Error).message}`);
      }
    },
    () => ctx.deps.heartbeat('starting grants'),
  );
  return started.sort(compare);
}
