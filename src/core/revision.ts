// A submission's revision: which commit of the config, when, and by whom. Submissions are applied in
// revision order; an older one than the last applied is refused.

export interface Revision {
  /** Git commit of the config, when known. */
  commit?: string;
  /** Commit time (ISO 8601); submissions are ordered by it, else by submittedAt. */
  committedAt?: string;
  submittedAt: string;
  submittedBy: string;
}

function orderKey(revision: Revision): number {
  return Date.parse(revision.committedAt ?? revision.submittedAt);
}

/** Whether `candidate` comes strictly before `applied`. The same commit is never older than itself. */
export function isOlderRevision(candidate: Revision, applied: Revision): boolean {
  if (candidate.commit !== undefined && candidate.commit === applied.commit) return false;
  return orderKey(candidate) < orderKey(applied);
}

/** The commit's first 12 hex digits, keeping a `-dirty` suffix (a working tree with uncommitted changes must not read as that commit). */
export function shortCommit(commit: string): string {
  const match = /^([0-9a-f]{12})[0-9a-f]*(.*)$/i.exec(commit);
  return match ? `${match[1]}${match[2]}` : commit;
}

export function describeRevision(revision: Revision): string {
  const when = revision.committedAt ?? revision.submittedAt;
  return revision.commit ? `${shortCommit(revision.commit)} (${when})` : `submitted ${when}`;
}
