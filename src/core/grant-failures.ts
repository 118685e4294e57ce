// Failure types a grant's workflow acts on, named once for the activity that raises them and the
// workflow that reads them (workflow code cannot import the AWS edge).

/** The principal lacks the permission boundary the grant requires: nothing was granted, and an active grant goes. */
export const BOUNDARY_MISSING = 'BoundaryMissing';
