// IAM Identity Center answers an account assignment's creation or deletion, and a permission set's
// provisioning, with a request that is IN_PROGRESS: it is done only when its status says SUCCEEDED,
// and FAILED carries the reason. Taking "in progress" for done would report access that was never
// granted (or a revoke that never happened), so every such request is followed to its end here.
import { GrantflowAwsError } from './errors';
import { pause } from './identity-center-calls';

export interface RequestStatus {
  Status?: string | undefined;
  RequestId?: string | undefined;
  FailureReason?: string | undefined;
}

/** The waits between reads of a status: quick at first (most requests take seconds), then every 5 s. */
const STATUS_WAITS_MS = [500, 1000, 2000, 4000];
const STATUS_WAIT_MAX_MS = 5000;
/** How long one attempt follows a request before it gives up for now (the next attempt looks again). */
export const STATUS_FOLLOW_MS = 10 * 60_000;

/**
 * Reads the request's status until it is SUCCEEDED or FAILED. A request still in progress after
 * `STATUS_FOLLOW_MS` is a retryable error: the caller's next attempt reads the truth again.
 */
export async function followStatus(
  first: RequestStatus | undefined,
  read: (requestId: string) => Promise<RequestStatus | undefined>,
  options: { what: string; signal?: AbortSignal; followMs?: number; now?: () => number },
): Promise<RequestStatus & { Status: 'SUCCEEDED' | 'FAILED' }> {
  const now = options.now ?? (() => Date.now());
  const until = now() + (options.followMs ?? STATUS_FOLLOW_MS);
  let status = first;
  for (let poll = 0; ; poll++) {
    if (status?.Status === 'SUCCEEDED' || status?.Status === 'FAILED') return status as RequestStatus & { Status: 'SUCCEEDED' | 'FAILED' };
    const requestId = status?.RequestId ?? first?.RequestId;
    if (!requestId)
      throw new GrantflowAwsError('IdentityCenterUnavailable', `${options.what}: IAM Identity Center answered without a request id to follow`, true);
    if (now() >= until) {
      throw new GrantflowAwsError(
        'IdentityCenterUnavailable',
        `${options.what} is still ${status?.Status ?? 'unknown'} after ${Math.round((options.followMs ?? STATUS_FOLLOW_MS) / 60_000)} minutes (request ${requestId}); it is looked at again`,
        true,
      );
    }
    await pause(STATUS_WAITS_MS[poll] ?? STATUS_WAIT_MAX_MS, options.signal);
    status = (await read(requestId)) ?? status;
  }
}
