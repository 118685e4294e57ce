// A grant's revoke: it never gives up. Rounds of a few quick tries (the local activity's own retries)
// with a capped backoff between them, for as long as IAM fails; the status shows `revoking`, the
// attempts and the last error meanwhile.
import { CancellationScope, condition, log, sleep, workflowInfo } from '@temporalio/workflow';
import type { RevokeResult } from '../activities';
import type { GrantSpec } from '../src/core/grant';
import { revokeTarget, type RevokeTarget } from '../src/core/grant-derived';
import { revokeGrant, revokeGrantWhenDue } from './grant-activities';
import { describeFailure } from './grant-failures';
import type { GrantStatus } from './messages';

/** How long a revoke that kept a policy for another grant waits before checking that grant again. */
const HOLDER_RECHECK_MS = 5000;

/**
 * How long before its expiry a grant starts its revoke (revokeWhenDue): time for a mass expiry's
 * workflow tasks, replays and reads to be done on a busy worker before the first grant is due.
 */
export const EXPIRY_LEAD_MS = 15_000;

export interface RevokeLoopOptions {
  /** An apply was cut short: a request it had sent may land after the first revoke, so it looks twice. */
  twice?: boolean;
  /** Told each failed round, with how long the revoke has been retrying. */
  onFailure?: (error: string, retryingMs: number) => Promise<void>;
  /** The history is long: continue as new (the next run carries the revoke on). */
  historyFull: () => boolean;
  carryOn: () => Promise<void>;
  /** The first try's result, when revokeWhenDue made it: the loop goes on from there. */
  first?: RevokeResult;
}

/** What a revoke takes away: the grant's spec, and its record of what its applies attached. */
function grantTarget(spec: GrantSpec, status: GrantStatus): RevokeTarget {
  return { ...revokeTarget(spec), ownedArns: status.attached ?? [], ...(status.principalId ? { principalId: status.principalId } : {}) };
}

/**
 * The revoke of an expiry still ahead, started EXPIRY_LEAD_MS before it: an activity task that waits
 * for the expiry in the worker, then sends its writes, so that at the expiry only IAM calls remain
 * (the workflow's task is long done). An operator's revoke or a Cancel (`early`) cancels the wait, and
 * the revoke loop goes once the task has stopped (it hears so at its next heartbeat). Undefined when
 * the loop is to do the revoke: the task was cancelled, or failed, in which case the loop still
 * waits for the expiry.
 */
export async function revokeWhenDue(spec: GrantSpec, status: GrantStatus, dueAt: number, early: () => boolean): Promise<RevokeResult | undefined> {
  status.revokeAttempts++;
  const scope = new CancellationScope();
  const revoking = scope.run(() =>
    revokeGrantWhenDue({ grant: grantTarget(spec, status), dueAt: new Date(dueAt).toISOString(), waitAtMostMs: Math.max(0, dueAt - Date.now()) }),
  );
  void condition(early).then(() => scope.cancel());
  try {
    return await revoking;
  } catch (error) {
    if (early()) return undefined;
    status.lastError = describeFailure(error);
    log.warn('revoke at the expiry failed; the revoke loop takes over', { grant: spec.id, error: status.lastError });
    if (Date.now() < dueAt) await condition(early, dueAt - Date.now());
    return undefined;
  }
}

/**
 * Revokes until IAM holds nothing of the grant, by the grant's own record of what it attached; between
 * failed rounds it waits 1 s, 2 s, 4 s … up to the spec's cap.
 */
export async function revokeUntilDone(spec: GrantSpec, status: GrantStatus, options: RevokeLoopOptions): Promise<void> {
  const startedAt = Date.now();
  const target = grantTarget(spec, status);
  const revokeOnce = async (): Promise<RevokeResult> => {
    for (let round = 0; ; round++) {
      if (options.historyFull()) await options.carryOn();
      status.revokeAttempts++;
      try {
        const result = await revokeGrant(target);
        delete status.lastError;
        return result;
      } catch (error) {
        status.lastError = describeFailure(error);
        log.warn('revoke failed; will retry', { grant: spec.id, round, error: status.lastError });
        await options.onFailure?.(status.lastError, Date.now() - startedAt);
        await sleep(Math.min(spec.revokeMaxBackoffMs, 1000 * 2 ** Math.min(round, 20)));
      }
    }
  };
  const first = options.first ?? (await revokeOnce());
  if (options.twice || first.kept.some((k) => k.reason === 'needed by another live grant')) {
    // The other grant may be ending at this very moment, its state not yet visible; look again once
    // visibility has caught up, so that two grants revoked together never both keep a shared policy.
    await sleep(HOLDER_RECHECK_MS);
    await revokeOnce();
  }
}

/** A revoke's history grows with its failed rounds: past this many events it continues as new. */
export function revokeHistoryFull(limit: number): () => boolean {
  return () => workflowInfo().historyLength > limit;
}
