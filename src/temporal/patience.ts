// A worker that is down, busy or restarting, or a Temporal server that is briefly unavailable, is a
// wait for the command line, not a failure: a query or update that nobody answered is asked again,
// with backoff, until it is answered or the command's --timeout (withTimeout in connection.ts, whose
// abort ends the loop) runs out. Anything else (a refusal, a workflow that does not exist) is thrown.
import { WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';

/** The gRPC status codes that matter here (numbered as gRPC numbers them everywhere). */
const grpcStatus = { CANCELLED: 1, DEADLINE_EXCEEDED: 4, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, UNAVAILABLE: 14 } as const;

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 5_000;
/** At most one progress line this often: a long wait says it is still waiting without flooding the terminal. */
const SAY_EVERY_MS = 10_000;

/** Why an error means "ask again": undefined when it is an answer (a refusal, a missing workflow) or the caller's own deadline. */
export function whyAskAgain(error: unknown): string | undefined {
  const cause = (error as { cause?: unknown })?.cause;
  const code = grpcCode(error) ?? grpcCode(cause);
  const text = `${(error as Error)?.message ?? ''} ${(cause as Error)?.message ?? ''}`;
  // A workflow task failed while the update was delivered (a worker restarting, a task raced): it is delivered again.
  if (/unexpected workflow task failure/.test(text)) return 'a workflow task failed while the request was delivered';
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError && code !== grpcStatus.CANCELLED) return 'no worker took the request in time';
  switch (code) {
    case grpcStatus.DEADLINE_EXCEEDED:
      return 'no worker answered in time';
    case grpcStatus.FAILED_PRECONDITION:
      return /poller/i.test(text) ? 'no worker is polling' : undefined;
    case grpcStatus.UNAVAILABLE:
      return 'the Temporal server is unavailable';
    case grpcStatus.RESOURCE_EXHAUSTED:
      return 'the Temporal server is busy';
    default:
      return undefined;
  }
}

function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Sends `send` until it is answered. Each retry must be safe to repeat: queries are, and updates
 * carry one update id for every attempt, so Temporal applies the request once however often it is sent.
 * `onWait` hears, at most every 10 s, what is awaited and why.
 */
export async function askPatiently<T>(send: () => Promise<T>, options: { waitingFor: string; onWait?: (line: string) => void }): Promise<T> {
  let delay = FIRST_DELAY_MS;
  let saidAt = -Infinity;
  for (;;) {
    try {
      return await send();
    } catch (error) {
      const why = whyAskAgain(error);
      if (!why) throw error;
      if (Date.now() - saidAt >= SAY_EVERY_MS) {
        options.onWait?.(`waiting for ${options.waitingFor} to answer (${why}); asking again until --timeout`);
        saidAt = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }
}
