// The team's grants as Temporal remembers them: the latest run of each grant workflow, running or
// closed within the namespace's retention, with how it ended. Everything the reconcile decides is
// derived from it, so a reconcile workflow that was terminated, reset or started fresh decides
// exactly as the original. What visibility would otherwise lose is written back into it as a
// *record*: a run of the same grant workflow that holds nothing and ends at once, saying how the grant
// stands (still revoked early, revoked early in succession to another, no longer sticky, cleaned up
// after a Terminate). Pure: the visibility reads that fill it live in src/temporal/ledger-reader.ts.

import type { PrincipalType } from './ids';

/**
 * Why a grant ended: `early` (an operator revoked it) is sticky; the others are not. `unbounded`:
 * a re-apply found the principal without the permission boundary the grant requires.
 */
export type EndCause = 'expired' | 'early' | 'removed' | 'superseded' | 'beyond-limit' | 'failed' | 'retired' | 'lifted' | 'unbounded';

/** A record run's reason for being: what it keeps true after the run it stands for is out of retention. */
export type RecordKind =
  /** An early revocation renewed before its run leaves visibility. */
  | 'reaffirmed'
  /** A grant revoked early because the one it replaces (or the same grant in another case) was. */
  | 'succession'
  /** The access a Terminate left behind was removed; the grant stays revoked early. */
  | 'cleaned'
  /** The early revocation no longer applies (its entry left the YAML, or `restore`). */
  | 'lifted';

import type { BreakGlassMark } from './break-glass';

/** A workflow run's status, as Temporal names it. */
export type RunStatus = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TERMINATED' | 'CONTINUED_AS_NEW' | 'TIMED_OUT' | 'UNKNOWN';

/** What a grant workflow's memo records (a record run holds fewer of the fields). */
export interface LedgerMemo {
  principalType?: PrincipalType;
  /** The principal's name as IAM calls use it (the id holds its lower-case form). */
  principalName?: string;
  attachedArns?: string[];
  inlinePolicy?: string;
  /** Identity Center grants: the permission set assigned, and the principal's id in the identity store once applied. */
  permissionSet?: { name: string; owned: boolean };
  principalId?: string;
  /** Digest of the spec the grant runs with (grantShape). */
  shape?: string;
  startsAt?: string;
  /** When the grant's first run started (continue-as-new keeps it). */
  firstStartedAt?: string;
  /** When the pass that started it decided to (a submission's arrival, a restore); a run started otherwise lacks it. */
  decidedAt?: string;
  endCause?: EndCause;
  endedBy?: string;
  endReason?: string;
  record?: RecordKind;
  /** A record: when what it records happened (an early revoke keeps its original moment). */
  recordedAt?: string;
  /** A break-glass grant: the request and rule it came from (a claim: its applies verify the approvals). */
  breakGlass?: BreakGlassMark;
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
  /** Ended by an operator (revoke, Cancel), or recorded as such: sticky. */
  | 'early'
  /** Killed from outside without its revoke (Terminate, a run timeout): sticky, and its access may remain. */
  | 'abandoned'
  /** Failed without finishing its own cleanup: not sticky, and its access may remain. */
  | 'crashed'
  /** Ended by grantflow itself (expired, removed, superseded, beyond the limit, failed apply), or lifted. */
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
      return entry.memo.endCause === 'early' ? 'early' : 'ended';
  }
}

/** Whether the grant stays revoked: its latest run was an operator's early revocation (or a record of one). */
export function isSticky(entry: LedgerEntry | undefined): boolean {
  if (!entry) return false;
  const how = ending(entry);
  // A run still revoking already says in its memo how it ends.
  return how === 'early' || how === 'abandoned' || (how === 'ending' && entry.memo.endCause === 'early');
}

/** A grant workflow's own word that it ended early (the grantChanged signal), as the reconcile passes it on. */
export interface EndedEarly {
  id: string;
  runId?: string;
  at: string;
}

/**
 * The ledger with what grant workflows told the reconcile taken into account: visibility may not yet
 * show an early revoke that just happened, and the pass must not grant that access again. Only the
 * run that told (or any run, when it did not say which) is changed; an entry already sticky keeps its
 * own record, and a grant the ledger lacks is left to the next pass.
 */
export function withEndedEarly(ledger: ReadonlyMap<string, LedgerEntry>, told: readonly EndedEarly[]): Map<string, LedgerEntry> {
  const out = new Map(ledger);
  for (const { id, runId, at } of told) {
    const entry = out.get(id);
    if (entry && (runId === undefined || runId === entry.runId) && !isSticky(entry)) {
      out.set(id, { ...entry, status: 'COMPLETED', state: 'revoked', closedAt: at, memo: { ...entry.memo, endCause: 'early' } });
    }
  }
  return out;
}

/** When the grant's early revocation happened, if its latest run is one (records keep the original moment). */
export function earlyAt(entry: LedgerEntry): string | undefined {
  if (!isSticky(entry)) return undefined;
  return entry.memo.recordedAt ?? entry.closedAt ?? entry.startedAt;
}

/**
 * From when visibility's retention of a run counts: the namespace forgets a closed run `retention`
 * after it closed, whatever moment its memo records. A record closes the moment it is written.
 */
export function retainedSince(entry: LedgerEntry): string {
  return entry.closedAt ?? entry.startedAt;
}

/** When the grant began holding access, across continue-as-new. */
export function firstStartedAt(entry: LedgerEntry): string {
  return entry.memo.firstStartedAt ?? entry.startedAt;
}

/**
 * From when an operator's early revoke of the access a live grant replaces outranks it: the moment
 * grantflow decided to start it, else (a run started outside a pass) when it started.
 */
export function decidedAt(entry: LedgerEntry): string {
  return entry.memo.decidedAt ?? firstStartedAt(entry);
}
