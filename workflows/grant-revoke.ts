// A grant's revoke: it never gives up. Rounds of a few quick tries (the local activity's own retries)
// with a capped backoff between them, for as long as IAM fails; the status shows `revoking`, the
// attempts and the last error meanwhile.
import { log, sleep, workflowInfo } from '@temporalio/workflow';
import type { RevokeResult } from '../activities';
import type { GrantSpec } from '../src/core/grant';
import { revokeTarget } from '../src/core/grant-derived';
import { revokeGrant } from './grant-activities';
import { describeFailure } from './grant-failures';
import type { GrantStatus } from './messages';

/** How long a revoke that kept a policy for another grant waits before checking that grant again. */
const HOLDER_RECHECK_MS = 5000;

export interface RevokeLoopOptions {
  /** An apply was cut short: a request it had sent may land after the first revoke, so it looks twice. */
  twice?: boolean;
  /** Told each failed round, with how long the revoke has been retrying. */
  onFailure?: (error: string, retryingMs: number) => Promise<void>;
  /** The history is long: continue as new (the next run carries the revoke on). */
  historyFull: () => boolean;
  carryOn: () => Promise<void>;
}

/**
 * Revokes until IAM holds nothing of the grant, by the grant's own record of what it attached; between
 * failed rounds it waits 1 s, 2 s, 4 s … up to the spec's cap.
 */
export async function revokeUntilDone(spec: GrantSpec, status: GrantStatus, options: RevokeLoopOptions): Promise<void> {
  const startedAt = Date.now();
  const target = { ...revokeTarget(spec), ownedArns: status.attached ?? [], ...(status.principalId ? { principalId: status.principalId } : {}) };
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
  const first = await revokeOnce();
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
