// One reconcile workflow per team keeps IAM equal to the team's YAML. It takes submissions, restores,
// sweeps and retirement one at a time (an older revision than the last applied is refused, and so is
// one dated ahead of the server's clock), and on an interval repeats the pass: re-apply live grants
// (drift repair), police max_temporary_days, sweep IAM for what nothing holds.
//
// Its memory is a cache. What a pass decides comes from durable sources, read by its activity each
// time: the team's grant workflows in Temporal visibility (running, and closed runs within retention
// with how they ended, kept true by record runs), grantflow's marks in IAM, and the last applied
// revision and config in this workflow's memo (which a fresh run reads back from its predecessors,
// as far as their configs verify). So a reconcile workflow that was terminated, reset or started fresh
// behaves as the original would have. The state and its handlers are a class (reconcile-run.ts).
import { ReconcileRun } from './reconcile-run';
import type { ReconcileInput } from './messages';

export async function reconcileWorkflow(input: ReconcileInput): Promise<void> {
  const run = new ReconcileRun(input);
  run.start();
  run.listen();
  await run.loop();
}
