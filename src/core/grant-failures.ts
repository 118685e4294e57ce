// Failure types a grant's workflow acts on, named once for the activity that raises them and the
// workflow that reads them (workflow code cannot import the AWS edge).

/** The principal lacks the permission boundary the grant requires: nothing was granted, and an active grant goes. */
export const BOUNDARY_MISSING = 'BoundaryMissing';

/**
 * An apply failed (a lost answer, throttling past the quick retries) after marking policies for its
 * own attach: the workflow records what it claimed and tries again at once, instead of Temporal
 * retrying the activity where the claim would be lost.
 */
export const APPLY_INTERRUPTED = 'ApplyInterrupted';
