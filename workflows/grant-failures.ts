// Reading what an activity's failure says, for the grant workflow.
import { ActivityFailure, ApplicationFailure, CancelledFailure } from '@temporalio/workflow';

/** The message an operator should read: the activity's own, not "activity task failed". */
export function describeFailure(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) return error.cause.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * What a failed or cancelled apply had marked for its own attach (the second detail of its failure):
 * the attempt may have attached it, so the grant's record keeps it for the revoke.
 */
export function claimedBy(error: unknown): string[] {
  const failure = error instanceof ActivityFailure ? error.cause : error;
  const details = failure instanceof ApplicationFailure || failure instanceof CancelledFailure ? failure.details : undefined;
  const progress = details?.[1] as { claimed?: unknown } | undefined;
  return Array.isArray(progress?.claimed) ? progress.claimed.filter((arn): arn is string => typeof arn === 'string') : [];
}

/** A failure no retry can fix, and its type; undefined for one worth trying again. */
export function finalFailure(error: unknown): { type: string | undefined } | undefined {
  const failure = error instanceof ActivityFailure ? error.cause : error;
  return failure instanceof ApplicationFailure && failure.nonRetryable ? { type: failure.type ?? undefined } : undefined;
}
