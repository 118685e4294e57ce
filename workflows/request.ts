// One break-glass request per workflow: requested → approved → granted, or denied, or lapsed on time.
// The state and its handlers are a class of their own (request-run.ts); the grant it starts is an
// ordinary grant workflow (grant.ts) that verifies the request's approvals whenever it applies.
import { RequestRun } from './request-run';
import type { RequestInput, RequestOutcome } from './messages';

export async function requestWorkflow(input: RequestInput): Promise<RequestOutcome> {
  const run = new RequestRun(input);
  run.listen();
  return run.run();
}
