// One grant workflow per atomic grant: pending → (start_date) → attach → active → (expiry, revoke
// signal/update, or cancellation) → revoking → revoked. The revoke runs in a non-cancellable scope
// and never gives up: it retries with capped backoff while the grant shows `revoking`. The state and
// its phases are a class of their own (grant-run.ts); activities, notifications and the revoke loop
// are in grant-activities.ts, grant-announcer.ts and grant-revoke.ts.
import { workflowInfo } from '@temporalio/workflow';
import { GrantRun } from './grant-run';
import type { GrantInput, GrantOutcome } from './messages';

export async function grantWorkflow(input: GrantInput): Promise<GrantOutcome> {
  if ('record' in input) {
    // A record run: what it records is in the memo and search attributes it was started with.
    return { id: workflowInfo().workflowId, state: 'revoked', cause: input.record.cause === 'early' ? 'early' : 'lifted' };
  }
  const run = new GrantRun(input);
  run.listen();
  return run.run();
}
