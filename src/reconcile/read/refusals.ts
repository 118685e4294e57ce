// What refuses a submission before a pass changes anything, besides its signature (read/config.ts)
// and its principals' permission boundaries (act/boundary.ts): a revision older than the last
// applied, a team name that differs from a running team's only in case, a temporary grant beyond
// max_temporary_days (the team's setting, capped by the worker's ceiling).
import { reconcileWorkflowId } from '../../core/ids';
import { describeRevision, isOlderRevision, type Revision } from '../../core/revision';
import { describeExpiryProblem, entriesBeyondLimit } from '../../core/rules/temporary';
import type { TeamConfig } from '../../core/team-config';
import type { ReconcileState } from '../../../workflows/messages';
import type { PassDeps } from '../context';
import { PassFailure, SUBMISSION_REFUSED } from '../failures';

/**
 * A submission older than the last applied one is refused. "Last applied" is the newest config that
 * verifies among those every run recorded: a memo claiming a later revision proves nothing unless the
 * config it names carries that revision's signature.
 */
export async function refuseOlder(
  deps: Pick<PassDeps, 'authority'>,
  asked: { team: string; revision?: Revision },
  durable: Pick<ReconcileState, 'config' | 'revision'>,
): Promise<void> {
  if (!asked.revision) return;
  const { verified } = await deps.authority.newestFor(asked.team, [durable.config]);
  const applied = verified?.revision ?? (deps.authority.authority.trust.insecureAcceptUnsigned ? durable.revision : undefined);
  if (applied && isOlderRevision(asked.revision, applied)) {
    throw new PassFailure(
      `revision ${describeRevision(asked.revision)} is older than the last applied revision ${describeRevision(applied)}; refused`,
      'StaleRevision',
    );
  }
}

/**
 * IAM names ignore case: a team whose name differs from a running team's only in case could meet its
 * policies. Only a twin that applied a verified config counts: a reconcile workflow started by hand
 * under a look-alike name, or one whose submissions were all refused, holds nothing and blocks no one.
 */
export async function refuseCaseTwin(deps: Pick<PassDeps, 'temporal' | 'authority'>, team: string): Promise<void> {
  const prefix = reconcileWorkflowId('');
  for await (const run of deps.temporal.workflow.list({ query: `WorkflowType = 'reconcileWorkflow' AND ExecutionStatus = 'Running'` })) {
    const other = run.workflowId.slice(prefix.length);
    if (other === team || other.toLowerCase() !== team.toLowerCase()) continue;
    if (!(await deps.authority.newestFor(other, [])).verified) continue;
    throw new PassFailure(
      `refused, nothing changed: team ${team} differs only in case from team ${other}, and IAM names ignore case; rename one of them`,
      SUBMISSION_REFUSED,
    );
  }
}

/** A temporary grant that expires beyond the effective max_temporary_days is refused, the first at its line. */
export function refuseBeyondLimit(config: TeamConfig, nowMs: number, maxDays: number, ceiling: number): void {
  const beyond = entriesBeyondLimit(config.temporary, nowMs, maxDays);
  if (beyond.length === 0) return;
  const first = beyond[0]!;
  const capped =
    config.settings.maxTemporaryDays > ceiling
      ? ` (the team sets ${config.settings.maxTemporaryDays}, but the worker's ceiling is ${ceiling}; only the worker's operator can raise it)`
      : '';
  throw new PassFailure(
    `${first.entry.source.file}:${first.entry.source.line}: ${describeExpiryProblem(first, maxDays)}${capped}` +
      (beyond.length > 1 ? ` (and ${beyond.length - 1} more)` : ''),
    'BeyondMaxTemporaryDays',
  );
}
