// One break-glass request per workflow: requested → approved → granted, or denied, or lapsed on time.
// The state and its handlers are a class of their own (request-run.ts); the grant it starts is an
// ordinary grant workflow (grant.ts) that verifies the request's approvals whenever it applies.
import { allHandlersFinished, condition } from '@temporalio/workflow';
import { RequestRun } from './request-run';
import type { RequestInput, RequestOutcome } from './messages';

export async function requestWorkflow(input: RequestInput): Promise<RequestOutcome> {
  const run = new RequestRun(input);
  run.listen();
  const outcome = await run.run();
  // A denial still telling the sinks, or an approval being answered, finishes before the run ends:
  // its sender gets its answer rather than a failed update.
  await condition(allHandlersFinished);
  return outcome;
}
