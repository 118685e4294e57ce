// One IAM client per target account, reached by STS AssumeRole into the deployer role with the
// SDK's default credential chain (the SDK's fromTemporaryCredentials). The IAM client caches the
// assumed credentials and renews them five minutes before they expire; a failed AssumeRole is not
// cached. AWS_ENDPOINT_URL_IAM / AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL are honoured by the SDK itself.
import { IAMClient } from '@aws-sdk/client-iam';
import { fromTemporaryCredentials, type FromTemporaryCredentialsOptions } from '@aws-sdk/credential-providers';
import type { Deployer } from '../core/grant';
import { classifyAwsError } from './errors';
import type { Target } from './iam-calls';
import { IAM_OPERATIONS, IAM_WRITES, operationName, STS_OPERATIONS } from './operations';
import { currentCallClass, isThrottling, RateLimiter, WAITING_BEAT_MS } from './rate-limit';
import { QuickRetryStrategy } from './retry-strategy';

export interface AccountRef {
  account: string;
  environment?: string;
  deployer: Deployer;
}

export interface CallRecord {
  service: 'iam' | 'sts';
  operation: string;
  account: string;
  write: boolean;
}

/** Observes every AWS call (tests count writes with it; benchmarks count reads per grant). */
export type CallObserver = (call: CallRecord) => void;

/** A call once it has answered (after the SDK's own retries): the worker's metrics count these. */
export type CallOutcomeObserver = (call: CallRecord & { outcome: 'ok' | 'error'; error?: string }) => void;

export interface AccountClientOptions {
  iamCallsPerSecond: number;
  observer?: CallObserver;
  outcomes?: CallOutcomeObserver;
  /** How long assumed credentials last (default one hour). */
  sessionSeconds?: number;
}

/** How long one IAM call may take once sent. */
export const CALL_TIMEOUT_MS = 30_000;

const REGION_BY_PARTITION: Record<string, string> = { aws: 'us-east-1', 'aws-cn': 'cn-north-1', 'aws-us-gov': 'us-gov-west-1' };

export function deployerRoleArn(ref: AccountRef): string {
  return `arn:${ref.deployer.partition}:iam::${ref.account}:role/${ref.deployer.roleName}`;
}

type Stack = IAMClient['middlewareStack'];
type Plugin = NonNullable<FromTemporaryCredentialsOptions['clientPlugins']>[number];
type CredentialProvider = ReturnType<typeof fromTemporaryCredentials>;

export class AccountClients {
  private readonly iamClients = new Map<string, IAMClient>();
  private readonly limiters = new Map<string, RateLimiter>();
  private share = 1;

  constructor(private readonly options: AccountClientOptions) {}

  /** This process spends a `1/workers` share of each account's setting (src/temporal/worker-share.ts counts the workers). */
  setShare(workers: number): void {
    this.share = Math.max(1, workers);
    for (const limiter of this.limiters.values()) limiter.setShare(this.share);
  }

  /** How many workers the setting is divided among now (itself included). */
  currentShare(): number {
    return this.share;
  }

  /**
   * Enforces the operation list and reports each call and its outcome. Added
   * with `override`, because the credential provider applies its plugins again on every renewal.
   */
  private guard(service: 'iam' | 'sts', account: string): Plugin {
    const allowed: ReadonlySet<string> = new Set<string>(service === 'iam' ? IAM_OPERATIONS : STS_OPERATIONS);
    return {
      applyToStack: (stack) =>
        (stack as Stack).add(
          (next, context) => async (args) => {
            const operation = operationName(String(context.commandName));
            if (!allowed.has(operation)) {
              throw new Error(`${service}:${operation} is not in src/aws/operations.ts; add it there so the deployer policy allows it`);
            }
            const call = { service, operation, account, write: service === 'iam' && IAM_WRITES.has(operation) };
            this.options.observer?.(call);
            const outcomes = this.options.outcomes;
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
    };
  }

  /**
   * The rate limit, inside the SDK's retry loop: each attempt (a quick retry too) spends a token, in
   * the class of the work that sends it, and a throttling answer slows the account's rate down.
   */
  private pace(account: string): Plugin {
    const limiter = this.limiter(account);
    return {
      applyToStack: (stack) =>
        (stack as Stack).add(
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
    };
  }

  /** The account's limiter (one per account in this process, at this process's share of the setting). */
  limiter(account: string): RateLimiter {
    let limiter = this.limiters.get(account);
    if (!limiter) {
      limiter = new RateLimiter(this.options.iamCallsPerSecond);
      limiter.setShare(this.share);
      this.limiters.set(account, limiter);
    }
    return limiter;
  }

  /** The deployer role's credentials in the account; an AssumeRole failure says which role and trust to check. */
  private deployerCredentials(ref: AccountRef): CredentialProvider {
    const roleArn = deployerRoleArn(ref);
    const assume = fromTemporaryCredentials({
      params: {
        RoleArn: roleArn,
        RoleSessionName: 'grantflow',
        DurationSeconds: this.options.sessionSeconds ?? 3600,
        ...(ref.deployer.externalId ? { ExternalId: ref.deployer.externalId } : {}),
      },
      clientConfig: { region: REGION_BY_PARTITION[ref.deployer.partition] ?? 'us-east-1', retryStrategy: new QuickRetryStrategy() },
      clientPlugins: [this.guard('sts', 'caller'), this.pace('caller')],
    });
    return async (properties) => {
      try {
        return await assume(properties);
      } catch (error) {
        throw classifyAwsError(error, { account: ref.account, environment: ref.environment, operation: 'AssumeRole', roleArn });
      }
    };
  }

  iam(ref: AccountRef): IAMClient {
    const key = `${deployerRoleArn(ref)}#${ref.deployer.externalId ?? ''}`;
    let client = this.iamClients.get(key);
    if (!client) {
      client = new IAMClient({
        region: REGION_BY_PARTITION[ref.deployer.partition] ?? 'us-east-1',
        // Two quick retries for throttling and 5xx at most (never for quotas); Temporal retries the rest.
        retryStrategy: new QuickRetryStrategy(),
        // A call's own bound, counted from when it leaves the rate limit's queue: the local activity's
        // timeout is long so that waiting in the queue never times an attempt out (workflows/grant.ts).
        requestHandler: { requestTimeout: CALL_TIMEOUT_MS, connectionTimeout: 10_000 },
        credentials: this.deployerCredentials(ref),
      });
      client.middlewareStack.use(this.guard('iam', ref.account));
      client.middlewareStack.use(this.pace(ref.account));
      this.iamClients.set(key, client);
    }
    return client;
  }

  /** What the IAM procedures act on: the account's client, and the account for messages. */
  target(ref: AccountRef): Target {
    return { client: this.iam(ref), account: ref.account, environment: ref.environment };
  }

  destroy(): void {
    for (const client of this.iamClients.values()) client.destroy();
  }
}
