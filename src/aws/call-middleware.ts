// What every AWS client grantflow makes runs each call through: the guard (the operation must be on
// grantflow's list, which is what the deployer policies allow; every call is reported to the
// observers) and the pace (a token from the rate limiter of the account or instance it spends,
// inside the SDK's retry loop, so quick retries pay too; a throttling answer slows it down).
// IAM's clients (accounts.ts) and Identity Center's (identity-center-client.ts) add the same two.
import { currentCallClass, isThrottling, type RateLimiter, WAITING_BEAT_MS } from './rate-limit';
import { operationName } from './operations';

export type AwsService = 'iam' | 'sts' | 'sso-admin' | 'identitystore';

export interface CallRecord {
  service: AwsService;
  operation: string;
  /** The account the call acts in (for IAM), the Identity Center account, or `caller` for STS. */
  account: string;
  write: boolean;
}

/** Observes every AWS call (tests count writes with it; benchmarks count reads per grant). */
export type CallObserver = (call: CallRecord) => void;

/** A call once it has answered (after the SDK's own retries): the worker's metrics count these. */
export type CallOutcomeObserver = (call: CallRecord & { outcome: 'ok' | 'error'; error?: string }) => void;

/** A client plugin, as the SDK and its credential providers take one. */
export interface Plugin {
  applyToStack: (stack: never) => void;
}

type Handler = (args: unknown) => Promise<unknown>;
interface MiddlewareStack {
  add(middleware: (next: Handler, context: { commandName?: unknown }) => Handler, options: Record<string, unknown>): void;
}

/** Where a stack's plugin is added: the same for every client's stack, whatever its types. */
function plugin(apply: (stack: MiddlewareStack) => void): Plugin {
  return { applyToStack: (stack: never) => apply(stack as unknown as MiddlewareStack) };
}

/**
 * Refuses any operation not on `allowed` and reports each call and its outcome. Added with
 * `override`, because a credential provider applies its plugins again on every renewal.
 */
export function guardPlugin(options: {
  service: AwsService;
  account: string;
  allowed: readonly string[];
  writes: ReadonlySet<string>;
  listedIn: string;
  observer?: CallObserver | undefined;
  outcomes?: CallOutcomeObserver | undefined;
}): Plugin {
  const allowed: ReadonlySet<string> = new Set(options.allowed);
  return plugin((stack) =>
    stack.add(
      (next, context) => async (args) => {
        const operation = operationName(String(context.commandName));
        if (!allowed.has(operation)) {
          throw new Error(`${options.service}:${operation} is not in ${options.listedIn}; add it there so the deployer policy allows it`);
        }
        const call: CallRecord = { service: options.service, operation, account: options.account, write: options.writes.has(operation) };
        options.observer?.(call);
        const outcomes = options.outcomes;
        if (!outcomes) return next(args);
        try {
          const output = await next(args);
          outcomes({ ...call, outcome: 'ok' });
          return output;
        } catch (error) {
          outcomes({ ...call, outcome: 'error', error: (error as { name?: string }).name ?? 'Error' });
          throw error;
        }
      },
      { step: 'initialize', name: 'grantflowGuard', override: true },
    ),
  );
}

/**
 * The rate limit, inside the SDK's retry loop: each attempt spends a token of `limiter`, in the class
 * of the work that sends it (revoke, apply, reconcile), and a throttling answer slows it down.
 */
export function pacePlugin(limiter: RateLimiter): Plugin {
  return plugin((stack) =>
    stack.add(
      (next) => async (args) => {
        const { priority, signal, whileWaiting } = currentCallClass();
        const beat = whileWaiting ? setInterval(whileWaiting, WAITING_BEAT_MS) : undefined;
        try {
          await limiter.take(priority, signal);
        } finally {
          if (beat) clearInterval(beat);
        }
        try {
          const result = await next(args);
          limiter.succeeded();
          return result;
        } catch (error) {
          if (isThrottling(error)) limiter.throttled();
          throw error;
        }
      },
      { step: 'finalizeRequest', priority: 'low', name: 'grantflowPace', override: true },
    ),
  );
}
