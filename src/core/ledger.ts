// The team's grants as Temporal remembers them: the latest run of each grant workflow (running, or
// closed within the namespace's retention, with how it ended), plus the few facts the reconcile
// workflow keeps in its memo (early revocations older than retention, lifted revocations, access of
// abandoned runs already removed). Everything the reconcile decides is derived from these, so a
// reconcile workflow that was terminated, reset or started fresh decides exactly as the original.
// Pure: the visibility reads that fill it live in src/temporal/ledger-reader.ts.

/** Why a grant ended: `early` (an operator revoked it) is sticky; the others are not. */
export type EndCause = 'expired' | 'early' | 'removed' | 'superseded' | 'beyond-limit' | 'failed' | 'retired';

/** A workflow run's status, as Temporal names it. */
export type RunStatus = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TERMINATED' | 'CONTINUED_AS_NEW' | 'TIMED_OUT' | 'UNKNOWN';

/** What a grant workflow's memo records; older runs lack the newer fields. */
export interface LedgerMemo {
  principalType?: 'user' | 'role';
  /** The principal's name as IAM calls use it (the id holds its lower-case form). */
  principalName?: string;
  attachedArns?: string[];
  inlinePolicy?: string;
  /** Digest of the spec the grant runs with (grantShape). */
  shape?: string;
  startsAt?: string;
  endCause?: EndCause;
  endedBy?: string;
  endReason?: string;
  /** Written by releases before `endCause`: an operator revoked the grant early. */
  revokedEarly?: boolean;
}

export interface LedgerEntry {
  id: string;
  runId: string;
  status: RunStatus;
  /** The GrantState search attribute: pending, active, revoking, revoked, failed. */
  state?: string;
  startedAt: string;
  closedAt?: string;
  expiresAt?: string;
  account: string;
  environment: string;
  memo: LedgerMemo;
}

export type Ending =
  /** Running and holding (or about to hold) its access. */
  | 'live'
  /** Running, but its revoke has begun. */
  | 'ending'
  /** Ended by an operator (revoke, Cancel): sticky. */
  | 'early'
  /** Killed from outside without its revoke (Terminate, a run timeout): sticky, and its access may remain. */
  | 'abandoned'
  /** Failed without finishing its own cleanup: not sticky, and its access may remain. */
  | 'crashed'
  /** Ended by grantflow itself (expired, removed, superseded, beyond the limit, failed apply). */
  | 'ended';

export function ending(entry: LedgerEntry): Ending {
  switch (entry.status) {
    case 'RUNNING':
      return entry.state === 'revoking' || entry.state === 'revoked' || entry.state === 'failed' ? 'ending' : 'live';
    case 'CANCELLED':
      return 'early';
    case 'TERMINATED':
    case 'TIMED_OUT':
      return 'abandoned';
    case 'FAILED':
      return 'crashed';
    default:
      return entry.memo.endCause === 'early' || entry.memo.revokedEarly === true ? 'early' : 'ended';
  }
}

/** Facts the reconcile workflow keeps in its memo, by grant id, each with when it became true (ISO). */
export interface TeamFacts {
  /** Early revocations, remembered beyond the retention of the run that recorded them. */
  sticky: Record<string, string>;
  /** Early revocations lifted: the entry left the YAML, or `restore`. */
  lifted: Record<string, string>;
  /** Abandoned or crashed runs whose access was removed: id -> run id. */
  cleaned: Record<string, string>;
}

export function emptyFacts(): TeamFacts {
  return { sticky: {}, lifted: {}, cleaned: {} };
}

const ms = (iso: string | undefined): number => (iso === undefined ? -Infinity : Date.parse(iso));

/**
 * Whether the grant stays revoked: the latest thing that happened to it was an operator's early
 * revocation, not a new run (restore, a new grant) and not a lift.
 */
export function isSticky(id: string, entry: LedgerEntry | undefined, facts: TeamFacts): boolean {
  const lifted = ms(facts.lifted[id]);
  const remembered = ms(facts.sticky[id]);
  if (entry) {
    const how = ending(entry);
    if (how === 'early' || how === 'abandoned') return ms(entry.closedAt ?? entry.startedAt) > lifted;
    // A later run (restore, or the grant submitted again) supersedes what was remembered about an earlier one.
    if (remembered <= ms(entry.startedAt)) return false;
  }
  return remembered > lifted;
}

/** The moment the grant's early revocation happened, if it has one (for recording and comparing). */
export function earlyAt(entry: LedgerEntry): string | undefined {
  const how = ending(entry);
  return how === 'early' || how === 'abandoned' ? (entry.closedAt ?? entry.startedAt) : undefined;
}

/** Merges facts from several sources (runs of the reconcile workflow): per id, the latest wins. */
export function mergeFacts(...all: readonly Partial<TeamFacts>[]): TeamFacts {
  const merged = emptyFacts();
  for (const facts of all) {
    for (const key of ['sticky', 'lifted'] as const) {
      for (const [id, at] of Object.entries(facts[key] ?? {})) {
        if (ms(at) > ms(merged[key][id])) merged[key][id] = at;
      }
    }
    Object.assign(merged.cleaned, facts.cleaned ?? {});
  }
  return merged;
}

/** Drops facts older than `horizonMs` that visibility no longer needs them for. */
export function pruneFacts(facts: TeamFacts, nowMs: number, horizonMs: number, ledger: ReadonlyMap<string, LedgerEntry>): TeamFacts {
  const pruned = emptyFacts();
  // Stickiness is kept for as long as the entry stays in the YAML: nothing else remembers it past retention.
  pruned.sticky = { ...facts.sticky };
  for (const [id, at] of Object.entries(facts.lifted)) if (nowMs - ms(at) < horizonMs) pruned.lifted[id] = at;
  for (const [id, runId] of Object.entries(facts.cleaned)) if (ledger.get(id)?.runId === runId) pruned.cleaned[id] = runId;
  return pruned;
}
