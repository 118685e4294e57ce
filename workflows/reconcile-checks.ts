// What a reconcile workflow refuses where a request arrives, before any pass: a submission that is
// not a staged config of this team, a revision whose dates cannot be read, an older revision than
// the last applied, one dated ahead of the server's clock.
import { ApplicationFailure } from '@temporalio/workflow';
import { describeRevision, isOlderRevision, type Revision } from '../src/core/revision';
import type { Submission } from './messages';

/** A revision dated further ahead of the server's clock than this is refused: it would block every later one as "older". */
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

/** The shape of a submission, checked in the update's validator (a refusal there writes nothing to the history). */
export function checkSubmissionShape(team: string, submission: Submission | undefined): void {
  const shaped =
    typeof submission?.revision?.submittedAt === 'string' &&
    typeof submission.config?.workflowId === 'string' &&
    typeof submission.config.digest === 'string' &&
    Number.isInteger(submission.config.parts);
  if (!shaped) throw new Error('the submission is not a staged team config with a revision; use `grantflow submit`');
  // Refused where it arrives: a revision whose dates cannot be read would order wrongly against every other.
  for (const [field, value] of [
    ['submittedAt', submission.revision.submittedAt],
    ['committedAt', submission.revision.committedAt],
  ] as const) {
    if (value !== undefined && (typeof value !== 'string' || !Number.isFinite(Date.parse(value)))) {
      throw new Error(
        `the submission's revision ${field} "${String(value)}" is not a date; submit with \`grantflow submit\` (or set GRANTFLOW_REVISION_TIME to an ISO time)`,
      );
    }
  }
  if (!submission.config.workflowId.startsWith(`grantflow-submission/${team}/`))
    throw new Error(`this reconcile workflow is for team ${team}, not for ${submission.config.workflowId}`);
}

/** Refuses a revision older than the last applied one, or dated ahead of the server's clock. */
export function refuseRevision(revision: Revision, applied: Revision | undefined, nowMs: number): void {
  if (applied && isOlderRevision(revision, applied)) {
    throw ApplicationFailure.nonRetryable(
      `revision ${describeRevision(revision)} is older than the last applied revision ${describeRevision(applied)}; refused`,
      'StaleRevision',
    );
  }
  const dated = Math.max(Date.parse(revision.submittedAt), Date.parse(revision.committedAt ?? revision.submittedAt));
  if (dated > nowMs + FUTURE_TOLERANCE_MS) {
    throw ApplicationFailure.nonRetryable(
      `revision ${describeRevision(revision)} is dated ${new Date(dated).toISOString()}, ahead of the server's clock (${new Date(nowMs).toISOString()}); ` +
        'refused, because it would make every later submission look older. Fix the clock of the machine that made the commit, or set GRANTFLOW_REVISION_TIME',
      'RevisionInFuture',
    );
  }
}
