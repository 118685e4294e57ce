// Why a pass stops: a submission refused (nothing changed), a config that no longer verifies, a run
// that is no longer the team's current one. None is helped by a retry, and each carries the type its
// callers (the reconcile workflow, `grantflow submit`, the tests) tell apart; the activity turns it
// into a Temporal failure of that type (activities/index.ts).

/** The failure type of a submission the worker refused (unsigned, tampered, below a guardrail...): nothing changed. */
export const SUBMISSION_REFUSED = 'SubmissionRefused';
/** The failure type of a pass that found no config it may apply (its signature no longer verifies, say). */
export const CONFIG_UNVERIFIED = 'ConfigUnverified';

/** A pass that stopped for a reason a retry cannot change; `type` names it (StaleRevision, PassSuperseded...). */
export class PassFailure extends Error {
  override name = 'PassFailure';

  constructor(
    message: string,
    readonly type: string,
  ) {
    super(message);
  }
}
